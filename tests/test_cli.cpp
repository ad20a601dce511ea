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

// The error CLI11 raises for args, or "" when they parse.
std::string parse(CLI::App &app, std::vector<std::string> args)
{
	std::vector<char *> argv{const_cast<char *>("prog")};
	for (auto &a : args)
		argv.push_back(a.data());
	try {
		app.parse(int(argv.size()), argv.data());
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

} // namespace
