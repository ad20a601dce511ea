#include <gtest/gtest.h>

#include "base/error.h"
#include "base/size.h"

using namespace pfn;

TEST(ParseSize, BareNumberUsesTheDefaultUnit)
{
	EXPECT_EQ(parse_size("64", MiB), 64 * MiB);
	EXPECT_EQ(parse_size("64", 1), 64u);
}

TEST(ParseSize, SuffixesOverrideTheDefaultUnit)
{
	EXPECT_EQ(parse_size("4096M", MiB), 4096 * MiB);
	EXPECT_EQ(parse_size("1G", MiB), GiB);
	EXPECT_EQ(parse_size("512K", MiB), 512 * KiB);
	EXPECT_EQ(parse_size("2MiB", 1), 2 * MiB);
	EXPECT_EQ(parse_size("128b", MiB), 128u);
	EXPECT_EQ(parse_size("16k", MiB), 16 * KiB);
}

TEST(ParseSize, RejectsZeroGarbageAndOverflow)
{
	EXPECT_THROW(parse_size("0", MiB), Error);
	EXPECT_THROW(parse_size("0M", MiB), Error);
	EXPECT_THROW(parse_size("", MiB), Error);
	EXPECT_THROW(parse_size("abc", MiB), Error);
	EXPECT_THROW(parse_size("12X", MiB), Error);
	EXPECT_THROW(parse_size("-5", MiB), Error);
	EXPECT_THROW(parse_size("1.5G", MiB), Error);
	EXPECT_THROW(parse_size("99999999999999999999", 1), Error);
	EXPECT_THROW(parse_size("17179869184G", MiB), Error);
}

TEST(FormatSize, UsesTheLargestExactUnit)
{
	EXPECT_EQ(format_size(4 * KiB), "4 KiB");
	EXPECT_EQ(format_size(2 * MiB), "2 MiB");
	EXPECT_EQ(format_size(4 * GiB), "4 GiB");
	EXPECT_EQ(format_size(100), "100 bytes");
}

TEST(FormatSize, ShowsOneDecimalWhenNotExact)
{
	EXPECT_EQ(format_size(3 * GiB / 2), "1.5 GiB");
}
