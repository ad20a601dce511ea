// core/run/cli.h: the CLI11 validators every program's flags go through.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "measure/chain.h"
#include "memory/mapping.h"
#include "run/cli.h"

namespace {

using pfn::MappingKind;

// The error parsing args raises (as every program parses them), or "" when they parse.
std::string parse(CLI::App &app, std::vector<std::string> args)
{
	std::vector<char *> argv{const_cast<char *>("prog")};
	for (auto &a : args)
		argv.push_back(a.data());
	try {
		pfn::parse_cli(app, int(argv.size()), argv.data());
	} catch (const CLI::ParseError &e) {
		return e.what();
	}
	return "";
}

TEST(Cli, ChoiceStoresTheNamedValue)
{
	CLI::App app;
	std::optional<MappingKind> mapping;
	pfn::add_choice(app, "--mapping", mapping, pfn::mapping_choices(), "");
	EXPECT_EQ(parse(app, {"--mapping", "thp"}), "");
	EXPECT_EQ(mapping, MappingKind::thp);
	EXPECT_EQ(parse(app, {"--mapping", "hugetlb-2m"}), ""); // an alias of hugetlb
	EXPECT_EQ(mapping, MappingKind::hugetlb_2m);
}

TEST(Cli, ChoiceRefusesOtherNamesAndTheEnumsNumbers)
{
	for (const std::string bad : {"tiny", "1", "THP", ""}) {
		CLI::App app;
		MappingKind mapping = MappingKind::page_4k;
		pfn::add_choice(app, "--mapping", mapping, pfn::mapping_choices(), "");
		std::string error = parse(app, {"--mapping", bad});
		EXPECT_NE(error.find("--mapping: " + bad + " not in {4k,thp,hugetlb,"),
			  std::string::npos)
			<< bad << ": " << error;
		EXPECT_EQ(mapping, MappingKind::page_4k) << bad;
	}
}

TEST(Cli, ListNamesTheBadItemAndLeavesPositionalsAlone)
{
	CLI::App app;
	std::vector<pfn::ChainKind> chains;
	std::string positional;
	pfn::add_choice(app, "--chains", chains, pfn::chain_choices(), "")
		->delimiter(',')
		->allow_extra_args(false);
	app.add_option("size", positional);
	EXPECT_EQ(parse(app, {"--chains", "random,page-local", "4M"}), "");
	EXPECT_EQ(chains, (std::vector{pfn::ChainKind::random, pfn::ChainKind::page_local}));
	EXPECT_EQ(positional, "4M");
	EXPECT_NE(parse(app, {"--chains", "random,spiral"}).find("--chains: spiral not in {"),
		  std::string::npos);
}

TEST(Cli, SizesAreReadAsParseSizeReadsThem)
{
	CLI::App app;
	std::vector<size_t> sizes;
	app.add_option("--sizes", sizes)
		->delimiter(',')
		->allow_extra_args(false)
		->transform(pfn::size_in(pfn::MiB));
	EXPECT_EQ(parse(app, {"--sizes", "64,128M,1G,4096B"}), "");
	EXPECT_EQ(sizes, (std::vector<size_t>{64 * pfn::MiB, 128 * pfn::MiB, pfn::GiB, 4096}));
	std::string error = parse(app, {"--sizes", "64M,x"});
	EXPECT_NE(error.find("--sizes: invalid size 'x'"), std::string::npos) << error;
	error = parse(app, {"--sizes", "0"});
	EXPECT_NE(error.find("--sizes: size '0' must be greater than zero"), std::string::npos)
		<< error;
}

TEST(Cli, ListsRefuseAnEmptyItem)
{
	// CLI11 alone drops the empty item and reads "64M,,1G" as 64M,1G.
	for (const std::string bad : {"64M,,1G", ",64M", "64M,", ",", ""}) {
		for (bool joined : {false, true}) {
			CLI::App app;
			std::vector<size_t> sizes;
			std::vector<MappingKind> mappings;
			app.add_option("--sizes", sizes)
				->delimiter(',')
				->allow_extra_args(false)
				->transform(pfn::size_in(pfn::MiB));
			pfn::add_choice(app, "--mappings", mappings, pfn::mapping_choices(), "")
				->delimiter(',')
				->allow_extra_args(false);
			std::vector<std::string> args = {"--mappings", "4k,thp"};
			if (joined)
				args.push_back("--sizes=" + bad);
			else
				args.insert(args.end(), {"--sizes", bad});
			EXPECT_EQ(parse(app, args),
				  "--sizes: empty item in list \"" + bad +
					  "\"; give items separated by commas")
				<< bad;
			EXPECT_TRUE(sizes.empty()) << bad;
		}
		CLI::App app;
		std::vector<pfn::ChainKind> chains;
		pfn::add_choice(app, "--chains", chains, pfn::chain_choices(), "")
			->delimiter(',')
			->allow_extra_args(false);
		std::string error = parse(app, {"--chains", bad});
		EXPECT_EQ(error.rfind("--chains: empty item in list", 0), 0u) << error;
	}
}

TEST(Cli, OnlyAListsOwnValueIsCheckedForEmptyItems)
{
	CLI::App app;
	std::vector<size_t> sizes;
	std::string name, positional;
	app.add_option("--sizes", sizes)
		->delimiter(',')
		->allow_extra_args(false)
		->transform(pfn::size_in(pfn::MiB));
	app.add_option("--name", name);
	app.add_option("text", positional);
	// Another option's value, a positional after the list, and what follows "--" may hold
	// empty items; and "--sizes" as --name's value is not the list.
	EXPECT_EQ(parse(app, {"--name", "a,,b", "--sizes", "1M,2M", ",,"}), "");
	EXPECT_EQ(sizes, (std::vector<size_t>{pfn::MiB, 2 * pfn::MiB}));
	EXPECT_EQ(name, "a,,b");
	EXPECT_EQ(positional, ",,");
	CLI::App app2;
	app2.add_option("--sizes", sizes)->delimiter(',')->allow_extra_args(false);
	app2.add_option("--name", name);
	app2.add_option("text", positional);
	EXPECT_EQ(parse(app2, {"--name", "--sizes", "--", ",1M"}), "");
	EXPECT_EQ(name, "--sizes");
	EXPECT_EQ(positional, ",1M");
}

// --with NAME[,NAME1G], lat_mem_rd's and memcpy_test's: one name is the huge column, a
// second one of 1 GiB leaves the third column; nothing else gets through, and a refused
// list leaves both columns unset.
TEST(Cli, WithTakesTheHugeColumnAndOptionallyAOneGibOne)
{
	struct Case {
		std::string arg;
		std::optional<MappingKind> with, with_1g;
		std::string error;
	};
	const std::vector<Case> cases = {
		{"thp", MappingKind::thp, std::nullopt, ""},
		{"thp,hugetlb-1g", MappingKind::thp, MappingKind::hugetlb_1g, ""},
		{"device-fault,device-fault-1g", MappingKind::device_fault,
		 MappingKind::device_fault_1g, ""},
		{"thp,thp", {}, {}, "takes 1 GiB leaves: hugetlb-1g or device-fault-1g, not thp"},
		{"thp,bogus", {}, {}, "1 GiB leaves: hugetlb-1g or device-fault-1g, not bogus"},
		{"bogus,hugetlb-1g", {}, {}, "--with: bogus not in {4k,"},
		{"thp,hugetlb-1g,4k", {}, {}, "at most two mappings, NAME,NAME1G"},
	};
	for (const auto &c : cases) {
		CLI::App app;
		std::optional<MappingKind> with, with_1g;
		pfn::add_with_columns(app, with, with_1g, "--compare: ");
		std::string error = parse(app, {"--with", c.arg});
		if (c.error.empty())
			EXPECT_EQ(error, "") << c.arg;
		else
			EXPECT_NE(error.find(c.error), std::string::npos) << c.arg << ": " << error;
		EXPECT_EQ(with, c.with) << c.arg;
		EXPECT_EQ(with_1g, c.with_1g) << c.arg;
	}
	CLI::App app;
	std::optional<MappingKind> with, with_1g;
	pfn::add_with_columns(app, with, with_1g, "--compare: ");
	EXPECT_NE(app.help().find("--compare: the huge column's mapping"), std::string::npos);
	EXPECT_NE(app.help().find("NAME,NAME1G adds a third column of 1 GiB leaves"),
		  std::string::npos);
}

} // namespace
