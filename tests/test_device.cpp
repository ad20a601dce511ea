// The kdriver backend on a machine where the module may be absent (the usual case outside
// the VM stage): clear refusals, and the capability logic programs rely on.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "device.h"
#include "error.h"
#include "region.h"
#include "size.h"

namespace {

bool device_present()
{
	struct stat st;
	return stat("/dev/pfnbench", &st) == 0;
}

TEST(Device, ProbeSaysTheModuleIsNotLoaded)
{
	if (device_present())
		GTEST_SKIP() << "/dev/pfnbench exists here";
	std::string why;
	EXPECT_FALSE(pfn::probe_device(&why));
	EXPECT_EQ(why, "kdriver not loaded: /dev/pfnbench missing (insmod kdriver/pfnbench.ko)");
	EXPECT_FALSE(pfn::probe_device());
}

TEST(Device, EveryDeviceMappingIsUnavailableWithoutTheModule)
{
	if (device_present())
		GTEST_SKIP() << "/dev/pfnbench exists here";
	for (auto kind : {pfn::MappingKind::device_pte, pfn::MappingKind::device_remap,
			  pfn::MappingKind::device_fault}) {
		pfn::RegionSpec spec{kind, 8 * pfn::MiB, -1};
		try {
			pfn::map_region(spec);
			FAIL() << "mapped without a device";
		} catch (const pfn::Unavailable &e) {
			EXPECT_NE(std::string(e.what()).find("kdriver not loaded"), std::string::npos);
		}
	}
}

TEST(Device, HugeCapabilityFollowsWhatTheKernelDid)
{
	pfn::DeviceInfo info;
	info.abi_version = 1;
	info.kernel_release = "6.12.0";
	info.pte = info.remap = info.fault = true;
	info.fault_pmd = true;
	EXPECT_TRUE(info.supports(pfn::MappingKind::device_remap));
	EXPECT_FALSE(info.supports(pfn::MappingKind::thp));
	EXPECT_TRUE(info.gives_pmd(pfn::MappingKind::device_fault));
	EXPECT_FALSE(info.gives_pmd(pfn::MappingKind::device_pte));
	// remap: unknown until the module has seen an aligned remap.
	EXPECT_FALSE(info.gives_pmd(pfn::MappingKind::device_remap));
	info.remap_pmd = false;
	EXPECT_FALSE(info.gives_pmd(pfn::MappingKind::device_remap));
	EXPECT_NE(info.summary().find("device-remap 4K"), std::string::npos);
	info.remap_pmd = true;
	EXPECT_TRUE(info.gives_pmd(pfn::MappingKind::device_remap));
	info.fault_pmd = false;
	EXPECT_FALSE(info.gives_pmd(pfn::MappingKind::device_fault));
	EXPECT_NE(info.summary().find("device-fault 4K only"), std::string::npos);
}

} // namespace
