import unittest

import helpers  # noqa: F401  (sets sys.path)
from pfnres import doc, tables

# Exactly as published in the cover letter (whitespace-collapsed).
PUBLISHED_LATENCY = """\
Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement
---------------- ----------------- -------------- -----------
64.00 148.858 ns 100.780 ns 32.3%
128.00 164.745 ns 103.537 ns 37.2%
256.00 169.907 ns 103.179 ns 39.3%
512.00 171.285 ns 103.072 ns 39.8%
1024.00 173.054 ns 103.055 ns 40.4%
2048.00 172.820 ns 103.091 ns 40.3%
4096.00 172.877 ns 103.115 ns 40.4%
"""
PUBLISHED_COPY = """\
Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement
---------------- ----------------- -------------- -----------
1024.00 95.76 ms 77.91 ms 18.6%
2048.00 190.87 ms 155.64 ms 18.5%
4096.00 380.84 ms 311.45 ms 18.2%
"""


class ParseTable(unittest.TestCase):
    def test_published_latency_table(self):
        t = tables.parse_table(PUBLISHED_LATENCY)
        self.assertEqual(t["unit"], "ns")
        self.assertEqual([r["size_mib"] for r in t["rows"]],
                         [64, 128, 256, 512, 1024, 2048, 4096])
        self.assertEqual(t["rows"][0]["without"], 148.858)
        self.assertEqual(t["rows"][-1]["improvement_pct"], 40.4)

    def test_published_copy_table(self):
        t = tables.parse_table(PUBLISHED_COPY)
        self.assertEqual(t["unit"], "ms")
        self.assertEqual(len(t["rows"]), 3)

    def test_reference_holds_the_published_figures_as_printed(self):
        # The published improvements are taken as given (plots/reference), not recomputed:
        # the transcription matches the letter's text, value for value.
        ref = doc.load_reference("cover-letter")
        for text, kind in ((PUBLISHED_LATENCY, "latency"), (PUBLISHED_COPY, "copy")):
            t = tables.parse_table(text)
            self.assertEqual(tables.differences(t, ref[kind]["rows"], 0.0), [], kind)

    def test_aligned_table_with_extra_columns(self):
        with open(helpers.fixture("run-b", "latency.txt")) as f:
            t = tables.parse_table(f.read())
        self.assertEqual(len(t["rows"]), 5)
        self.assertIn("MISMATCH", t["rows"][3]["extra"])

    def test_text_before_and_after_the_table(self):
        t = tables.parse_table("lat_mem_rd: thp vs 4k\n" + PUBLISHED_COPY +
                               "\nspread: 1.2%\n")
        self.assertEqual(len(t["rows"]), 3)

    def test_rejects_wrong_precision(self):
        bad = PUBLISHED_LATENCY.replace("148.858 ns", "148.86 ns")
        with self.assertRaisesRegex(tables.TableError, "3 decimals"):
            tables.parse_table(bad)

    def test_rejects_missing_header_and_separator(self):
        with self.assertRaisesRegex(tables.TableError, "header"):
            tables.parse_table("64.00 148.858 ns 100.780 ns 32.3%\n")
        no_sep = "\n".join(l for l in PUBLISHED_COPY.splitlines() if not l.startswith("---"))
        with self.assertRaisesRegex(tables.TableError, "separator"):
            tables.parse_table(no_sep)

    def test_rejects_mixed_units_and_empty_table(self):
        with self.assertRaisesRegex(tables.TableError, "units"):
            tables.parse_table(PUBLISHED_COPY.replace("77.91 ms", "77.910 ns")
                               .replace("95.76 ms", "95.760 ns"))
        with self.assertRaisesRegex(tables.TableError, "no rows"):
            tables.parse_table(PUBLISHED_COPY.split("1024.00")[0])

    def test_differences_from_the_json_rows_are_named(self):
        rows = [{"size_mib": 1024.0, "without": 95.764, "with": 77.91,
                 "improvement_pct": 18.64},
                {"size_mib": 2048.0, "without": 190.87, "with": 155.64,
                 "improvement_pct": 18.46},
                {"size_mib": 8192.0, "without": 1.0, "with": 1.0, "improvement_pct": 0.0}]
        t = tables.parse_table(PUBLISHED_COPY.replace("155.64 ms", "155.66 ms"))
        self.assertEqual(tables.differences(t, rows), [
            "4096.00 MiB: only in the table", "8192.00 MiB: only in the JSON",
            "2048.00 MiB: with printed 155.66, recorded 155.64"])
        # The improvement: printed to one decimal, recorded unrounded.
        rows[0]["improvement_pct"] = 18.7
        self.assertIn("1024.00 MiB: improvement printed 18.6%, recorded 18.700%",
                      tables.differences(t, rows))
        self.assertNotIn("1024.00 MiB: improvement printed 18.6%, recorded 18.700%",
                         tables.differences(t, rows, 0.2))


class SideBySide(unittest.TestCase):
    def test_matches_sizes_and_computes_deltas(self):
        a = [{"size_mib": 64.0, "without": 100.0, "with": 50.0, "improvement_pct": 50.0},
             {"size_mib": 128.0, "without": 100.0, "with": 60.0, "improvement_pct": 40.0}]
        b = [{"size_mib": 64.0, "without": 110.0, "with": 50.0, "improvement_pct": 54.5,
              "mismatch": "with: 10% 2M"}]
        text = tables.side_by_side(a, b, "ns", "run A", "run B")
        lines = text.splitlines()
        self.assertEqual(lines[0], "A: run A")
        row64 = next(l for l in lines if l.strip().startswith("64.00"))
        self.assertIn("+10.0%", row64)     # without: 100 -> 110
        self.assertIn("+0.0%", row64)      # with unchanged
        self.assertIn("+4.5 pp", row64)
        self.assertIn("54.5%!", row64)
        row128 = next(l for l in lines if l.strip().startswith("128.00"))
        self.assertIn("-", row128)
        self.assertIn("! B 64.00 MiB: with: 10% 2M", text)


if __name__ == "__main__":
    unittest.main()
