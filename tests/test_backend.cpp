// The backend a comparison uses when none is named: the best one this machine really gives.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <string>

#include "base/error.h"
#include "memory/backend.h"

#include <nlohmann/json.hpp>

using namespace pfn;

namespace {

bool device_present()
{
	struct stat st;
	return stat("/dev/pfnbench", &st) == 0;
}

bool thp_enabled()
{
	std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
	std::string line;
	std::getline(in, line);
	return !line.empty() && line.find("[never]") == std::string::npos;
}

} // namespace

TEST(Backend, WithoutTheDriverProcessMemoryIsChosenAndTheDeviceSaysWhyNot)
{
	if (device_present())
		GTEST_SKIP() << "kdriver is loaded here";
	if (!thp_enabled())
		GTEST_SKIP() << "THP disabled here";
	Backend b = choose_backend(-1);
	EXPECT_EQ(b.name, "thp");
	EXPECT_EQ(b.without, MappingKind::page_4k);
	EXPECT_EQ(b.with, MappingKind::thp);
	ASSERT_EQ(b.probes.size(), 3u);
	EXPECT_EQ(b.probes[0].name, "device-remap");
	EXPECT_FALSE(b.probes[0].chosen);
	EXPECT_NE(b.probes[0].result.find("/dev/pfnbench"), std::string::npos)
		<< b.probes[0].result;
	EXPECT_TRUE(b.probes[2].chosen);
}

TEST(Backend, ForcingACandidateThatCannotGiveHugePagesIsUnavailable)
{
	std::ifstream in("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
	long free_pages = 0;
	in >> free_pages;
	if (free_pages > 0)
		GTEST_SKIP() << "hugetlb pages are reserved here";
	try {
		choose_backend(-1, "hugetlb");
		FAIL() << "chose hugetlb with an empty pool";
	} catch (const Unavailable &e) {
		EXPECT_NE(std::string(e.what()).find("hugetlb: "), std::string::npos) << e.what();
	}
}

TEST(Backend, UnknownNamesAreRefused)
{
	EXPECT_THROW(choose_backend(-1, "bogus"), Error);
}

TEST(Backend, NamedMappingsWinAndNamingBothWaysIsRefused)
{
	Backend b = resolve_backend(std::nullopt, MappingKind::hugetlb_2m, std::nullopt, -1);
	EXPECT_EQ(b.name, "manual");
	EXPECT_EQ(b.without, MappingKind::page_4k);
	EXPECT_EQ(b.with, MappingKind::hugetlb_2m);
	EXPECT_TRUE(b.probes.empty());
	EXPECT_THROW(resolve_backend(MappingKind::page_4k, std::nullopt, "thp", -1), Error);
}

TEST(Backend, TheRecordCarriesTheLabelResultsAreNamedBy)
{
	// Every candidate, in the order choose_backend() tries them, with its own label.
	ASSERT_EQ(backend_names(), (std::vector<std::string>{"device-remap", "device-fault", "thp",
							      "hugetlb"}));
	for (const auto &pair : backend_pairs()) {
		Backend b;
		b.name = pair.name;
		b.without = pair.without;
		b.with = pair.with;
		EXPECT_EQ(b.label(), pair.label);
		nlohmann::json j = b;
		EXPECT_EQ(j.at("label"), pair.label);
		nlohmann::json p = pair;
		EXPECT_EQ(p.at("with"), std::string(mapping_name(pair.with)));
	}
	EXPECT_NE(backend_pairs()[1].label.find("huge_fault"), std::string::npos);

	// Mappings named by hand: the pair itself, and a third column says so.
	Backend manual = resolve_backend(std::nullopt, MappingKind::hugetlb_2m, std::nullopt, -1);
	EXPECT_EQ(manual.label(), "hugetlb vs 4k");
	manual.with_1g = MappingKind::hugetlb_1g;
	EXPECT_EQ(manual.label(), "hugetlb vs 4k (1 GiB column: hugetlb-1g)");
	// A candidate's name on another pair is not that candidate.
	Backend odd;
	odd.name = "thp";
	odd.without = MappingKind::device_pte;
	odd.with = MappingKind::thp;
	EXPECT_EQ(odd.label(), "thp vs device-pte");
}
