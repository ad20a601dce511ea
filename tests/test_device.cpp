// The kdriver backend. Without the module (the usual case on the host): clear refusals and
// the capability logic programs rely on. With it (the VM stage runs "Device*" inside the
// guests): every device mapping maps, holds data and reports the shape the kernel gave, and
// device-fault refuses, saying why, where the process refused huge pages.
#include <gtest/gtest.h>

#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "base/error.h"
#include "base/size.h"
#include "measure/chain.h"
#include "measure/first_touch.h"
#include "memory/device.h"
#include "memory/region.h"
#include "output/format_device.h"

namespace {

// What remap_pfn_range() must give here as the VM harness says it (PFNBENCH_EXPECT_REMAP:
// pmd or pte), "" when not said.
std::string expect_remap()
{
	const char *want = std::getenv("PFNBENCH_EXPECT_REMAP");
	return want ? want : "";
}

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
			  pfn::MappingKind::device_fault, pfn::MappingKind::device_fault_1g}) {
		pfn::RegionSpec spec{kind, 8 * pfn::MiB, -1};
		try {
			pfn::map_region(spec);
			FAIL() << "mapped without a device";
		} catch (const pfn::Unavailable &e) {
			EXPECT_NE(std::string(e.what()).find("kdriver not loaded"), std::string::npos);
		}
	}
}

TEST(Device, SummarySaysWhatTheKernelCanDoNotWhatAMappingGot)
{
	pfn::DeviceInfo info;
	info.abi_version = 3;
	info.kernel_release = "6.12.0";
	info.pte = info.remap = info.fault = true;
	info.fault_pmd_capable = true;
	EXPECT_TRUE(info.supports(pfn::MappingKind::device_remap));
	EXPECT_FALSE(info.supports(pfn::MappingKind::thp));
	// Whether remap gives leaves is the kernel's series, which only a mapping shows.
	EXPECT_NE(pfn::format_device_info(info).find("device-remap 2M only with the remap_pfn_range() PMD "
				      "series (a mapping shows)"),
		  std::string::npos)
		<< pfn::format_device_info(info);
	EXPECT_NE(pfn::format_device_info(info).find("device-fault 2M where the process allows huge pages"),
		  std::string::npos)
		<< pfn::format_device_info(info);
	info.fault_pmd_capable = false;
	info.fault_pmd_why_not = "no huge PFNMAP faults";
	EXPECT_NE(pfn::format_device_info(info).find("device-fault 4K only (no huge PFNMAP faults)"),
		  std::string::npos)
		<< pfn::format_device_info(info);
	// device-fault-1g: PUD faults, and a reserved range with a 1 GiB-aligned GiB.
	EXPECT_TRUE(info.supports(pfn::MappingKind::device_fault_1g));
	info.fault_pud_why_not = "no reserved range";
	EXPECT_NE(pfn::format_device_info(info).find("device-fault-1g unavailable (no reserved range)"),
		  std::string::npos)
		<< pfn::format_device_info(info);
	info.fault_pud_capable = true;
	info.pud_runs = 2;
	EXPECT_NE(pfn::format_device_info(info).find("device-fault-1g 1G (2 runs in the reserved range)"),
		  std::string::npos)
		<< pfn::format_device_info(info);
}

// A macro: GTEST_SKIP() only leaves the function it is written in.
#define REQUIRE_DEVICE()                                                                    \
	if (!device_present())                                                              \
	GTEST_SKIP() << "kdriver not loaded"

// Writes a pattern over the region and reads it back.
bool holds_data(pfn::Region &r)
{
	auto *words = reinterpret_cast<volatile uint64_t *>(r.data());
	const size_t n = r.size() / sizeof(uint64_t);
	for (size_t i = 0; i < n; i += 8)
		words[i] = i * 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i += 8)
		if (words[i] != i * 0x9e3779b97f4a7c15ull)
			return false;
	return true;
}

TEST(Device, ProbeDescribesTheLoadedModule)
{
	REQUIRE_DEVICE();
	std::string why;
	auto info = pfn::probe_device(&why);
	ASSERT_TRUE(info) << why;
	EXPECT_TRUE(why.empty());
	EXPECT_TRUE(info->pte && info->remap && info->fault);
	EXPECT_EQ(info->chunk_bytes, 2 * pfn::MiB);
	EXPECT_FALSE(info->kernel_release.empty());
	std::cout << pfn::format_device_info(*info) << "\n";
}

TEST(Device, EveryModeMapsHoldsDataAndReportsItsShape)
{
	REQUIRE_DEVICE();
	auto info = pfn::probe_device();
	ASSERT_TRUE(info);
	for (auto kind : {pfn::MappingKind::device_pte, pfn::MappingKind::device_remap,
			  pfn::MappingKind::device_fault}) {
		SCOPED_TRACE(std::string(pfn::mapping_name(kind)));
		if (kind == pfn::MappingKind::device_fault && !info->fault_pmd_capable) {
			EXPECT_THROW(pfn::map_region({kind, 8 * pfn::MiB, -1}), pfn::Unavailable);
			continue;
		}
		auto r = pfn::map_region({kind, 8 * pfn::MiB, -1});
		EXPECT_EQ(reinterpret_cast<uintptr_t>(r->data()) % (2 * pfn::MiB), 0u);
		EXPECT_TRUE(holds_data(*r));
		pfn::MappingReport rep = r->report();
		std::cout << pfn::mapping_name(kind) << ": " << rep.summary() << "\n";
		EXPECT_EQ(rep.method, "kdriver-walk");
		EXPECT_EQ(rep.bytes, 8 * pfn::MiB);
		EXPECT_EQ(rep.bytes_unmapped, 0u);
		uint64_t on_nodes = 0;
		for (const auto &[node, bytes] : rep.node_bytes)
			on_nodes += bytes;
		EXPECT_EQ(on_nodes, 8 * pfn::MiB);
		// device-fault maps only where it got leaves; remap as the harness says.
		if (kind == pfn::MappingKind::device_pte)
			EXPECT_TRUE(rep.is_4k());
		else if (kind == pfn::MappingKind::device_fault)
			EXPECT_TRUE(rep.is_huge());
		else if (expect_remap() != "")
			EXPECT_EQ(rep.is_huge(), expect_remap() == "pmd");
		else
			EXPECT_TRUE(rep.is_huge() || rep.is_4k());
		EXPECT_NE(r->describe().find("kdriver"), std::string::npos);
	}
}

// A process that disabled huge pages (and so its children) gets PTEs from the fault path
// even where the kernel can give PMD leaves: device-fault says why instead of mapping.
TEST(Device, FaultMappingInAThpDisabledProcessSaysWhy)
{
	REQUIRE_DEVICE();
	auto info = pfn::probe_device();
	ASSERT_TRUE(info);
	if (!info->fault_pmd_capable)
		GTEST_SKIP() << info->fault_pmd_why_not;
	std::fflush(nullptr);
	pid_t pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int rc = 1;
		if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0) {
			try {
				pfn::map_region({pfn::MappingKind::device_fault, 8 * pfn::MiB, -1});
				std::fprintf(stderr, "device-fault mapped in a THP-disabled process\n");
			} catch (const pfn::Unavailable &e) {
				std::fprintf(stderr, "%s\n", e.what());
				if (std::string(e.what()).find("PR_SET_THP_DISABLE") != std::string::npos)
					rc = 0;
			} catch (const std::exception &e) {
				std::fprintf(stderr, "%s\n", e.what());
			}
		}
		_exit(rc);
	}
	int status = 0;
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	// This process was not disabled: it still maps leaves.
	auto r = pfn::map_region({pfn::MappingKind::device_fault, 8 * pfn::MiB, -1});
	EXPECT_TRUE(r->report().is_huge());
}

TEST(Device, ReportOfAPartOfTheRegion)
{
	REQUIRE_DEVICE();
	auto r = pfn::map_region({pfn::MappingKind::device_pte, 8 * pfn::MiB, -1});
	pfn::MappingReport rep = r->report(3 * pfn::MiB, 1 * pfn::MiB);
	EXPECT_EQ(rep.bytes, 1 * pfn::MiB);
	EXPECT_EQ(rep.bytes_4k, 1 * pfn::MiB);
}

// The driver reads back the frames it mapped: 2 MiB chunks, contiguous inside, so only
// the pairs across chunk boundaries may be apart; a chain's hops are counted over them.
TEST(Device, ReportReadsBackTheFramesOfEachChunk)
{
	REQUIRE_DEVICE();
	auto r = pfn::map_region({pfn::MappingKind::device_pte, 8 * pfn::MiB, -1});
	pfn::ChainSpec spec{pfn::ChainKind::stride, 8 * pfn::MiB, 64, 4096, 1};
	void *start = pfn::build_chain(r->data(), r->size(), spec);
	pfn::MappingReport rep = r->report(0, 8 * pfn::MiB, start);
	const pfn::PhysLayout &l = rep.layout;
	std::cout << l.summary() << "\n";
	if (geteuid() != 0) {
		EXPECT_NE(l.unavailable.find("CAP_SYS_ADMIN"), std::string::npos) << l.unavailable;
		return;
	}
	ASSERT_TRUE(l.available()) << l.unavailable;
	EXPECT_EQ(l.method, "kdriver-pfns");
	EXPECT_EQ(l.pages, 2048u);
	EXPECT_EQ(l.adjacent_pairs, 2047u);
	EXPECT_GE(l.adjacent_physical, 2047u - 3);
	// A stride chain moves to the next page every 64 loads: all its hops go to the next
	// frame but at chunk boundaries (and the wrap back to the first page, if reached).
	const uint64_t hops = std::min<uint64_t>(2048, pfn::max_chain_loads / 64);
	EXPECT_EQ(l.chain_hops, hops);
	EXPECT_GE(l.chain_hops_next, hops - 4);
	// And refuses to touch device memory first in chain order.
	pfn::ChainSpec thrash{pfn::ChainKind::thrash, 8 * pfn::MiB, 64, 4096, 1};
	EXPECT_THROW(pfn::lay_chain(*r, thrash, pfn::FirstTouch::chain), pfn::Error);
}

TEST(Device, RegionOnNodeOneIsOnNodeOne)
{
	REQUIRE_DEVICE();
	std::ifstream online("/sys/devices/system/node/node1/meminfo");
	if (!online)
		GTEST_SKIP() << "no node 1";
	auto r = pfn::map_region({pfn::MappingKind::device_pte, 4 * pfn::MiB, 1});
	pfn::MappingReport rep = r->report();
	EXPECT_EQ(rep.node_bytes.size(), 1u);
	EXPECT_EQ(rep.node_bytes[1], 4 * pfn::MiB) << rep.summary();
}

TEST(Device, TooBigForTheNodeSaysSo)
{
	REQUIRE_DEVICE();
	try {
		pfn::map_region({pfn::MappingKind::device_pte, 32 * pfn::GiB, 0});
		FAIL() << "32 GiB mapped on node 0";
	} catch (const pfn::Error &e) {
		EXPECT_NE(std::string(e.what()).find("more than NUMA node 0 has"),
			  std::string::npos)
			<< e.what();
	}
}

// Sets a kdriver module parameter for the life of the object, then puts it back.
class ParamGuard {
public:
	ParamGuard(const std::string &name, const std::string &value)
		: path_("/sys/module/pfnbench/parameters/" + name)
	{
		std::ifstream in(path_);
		std::getline(in, old_);
		ok_ = in && write(value);
	}
	~ParamGuard()
	{
		if (ok_)
			write(old_);
	}
	bool ok() const { return ok_; }

private:
	bool write(const std::string &value)
	{
		std::ofstream out(path_);
		out << value << "\n";
		out.flush();
		return static_cast<bool>(out);
	}
	std::string path_, old_;
	bool ok_ = false;
};

TEST(Device, PastTheModuleCapSaysSo)
{
	REQUIRE_DEVICE();
	ParamGuard cap("max_total_mib", "4");
	if (!cap.ok())
		GTEST_SKIP() << "cannot set kdriver's max_total_mib (not root?)";
	try {
		pfn::map_region({pfn::MappingKind::device_pte, 8 * pfn::MiB, -1});
		FAIL() << "8 MiB mapped past a 4 MiB cap";
	} catch (const pfn::Error &e) {
		const std::string what = e.what();
		EXPECT_NE(what.find("past their cap (4 MiB"), std::string::npos) << what;
		EXPECT_NE(what.find("max_total_mib"), std::string::npos) << what;
		EXPECT_EQ(what.find('\n'), std::string::npos) << what;
	}
}

// device-fault-1g, with the module loaded: whole GiBs of its reserved range mapped by PUD
// leaves, or a clear reason why not (no PUD PFNMAP faults, no range, no 1 GiB-aligned GiB).
// The VM stage runs these with the module on a range that holds one (DeviceFault1g.*) and
// on the page allocator (Device*).
TEST(DeviceFault1g, MapsAGibWithOneLeafOrSaysWhyNot)
{
	REQUIRE_DEVICE();
	auto info = pfn::probe_device();
	ASSERT_TRUE(info);
	std::cout << pfn::format_device_info(*info) << "\n";
	if (!info->fault_pud_capable) {
		try {
			pfn::map_region({pfn::MappingKind::device_fault_1g, 8 * pfn::MiB, -1});
			FAIL() << "mapped device-fault-1g where INFO says it cannot be";
		} catch (const pfn::Unavailable &e) {
			std::string what = e.what();
			std::cout << what << "\n";
			EXPECT_NE(what.find("device-fault-1g"), std::string::npos) << what;
			EXPECT_EQ(what.find('\n'), std::string::npos) << what;
		}
		return;
	}
	auto r = pfn::map_region({pfn::MappingKind::device_fault_1g, 8 * pfn::MiB, -1});
	EXPECT_EQ(reinterpret_cast<uintptr_t>(r->data()) % pfn::GiB, 0u);
	EXPECT_TRUE(holds_data(*r));
	pfn::MappingReport rep = r->report();
	std::cout << "device-fault-1g: " << rep.summary() << "\n";
	EXPECT_TRUE(rep.is_1g());
	EXPECT_EQ(rep.bytes_1g, 8 * pfn::MiB);
	// The range's node where the kernel can tell it, else said to be unknown.
	uint64_t on_nodes = 0;
	for (const auto &[node, bytes] : rep.node_bytes)
		on_nodes += bytes;
	if (on_nodes == 0)
		EXPECT_EQ(rep.note.rfind("8 MiB on nodes the walk does not itemise", 0), 0u)
			<< rep.note;
	else
		EXPECT_EQ(on_nodes, 8 * pfn::MiB) << rep.summary();
	EXPECT_NE(r->describe().find("vmf_insert_pfn_pud"), std::string::npos);
}

TEST(DeviceFault1g, AWholeGibReadsBackAsOneGibOfLeaf)
{
	REQUIRE_DEVICE();
	auto info = pfn::probe_device();
	ASSERT_TRUE(info);
	if (!info->fault_pud_capable)
		GTEST_SKIP() << pfn::format_device_info(*info);
	auto r = pfn::map_region({pfn::MappingKind::device_fault_1g, pfn::GiB, -1});
	pfn::MappingReport rep = r->report();
	EXPECT_EQ(rep.bytes, pfn::GiB);
	EXPECT_EQ(rep.bytes_1g, pfn::GiB) << rep.summary();
}

TEST(DeviceFault1g, MoreGibsThanTheRangeHoldsAreUnavailable)
{
	REQUIRE_DEVICE();
	auto info = pfn::probe_device();
	ASSERT_TRUE(info);
	if (!info->fault_pud_capable)
		GTEST_SKIP() << pfn::format_device_info(*info);
	try {
		pfn::map_region({pfn::MappingKind::device_fault_1g,
				 (info->pud_runs + 1) * pfn::GiB, -1});
		FAIL() << "mapped more GiBs than the range holds";
	} catch (const pfn::Unavailable &e) {
		EXPECT_NE(std::string(e.what()).find(fmt::format("{} needed", info->pud_runs + 1)),
			  std::string::npos)
			<< e.what();
	}
}

} // namespace
