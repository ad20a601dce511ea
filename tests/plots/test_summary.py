"""summary.md's statements about the latency table: the region its rows lived in, the
first-touch order and the physical layout each column ran on, from the results JSON."""

import unittest

import helpers  # noqa: F401  (sets sys.path)
from pfnres import doc as docmod
from pfnres import summary

MiB = 2**20


def layout(pairs, physical, hops=0, hops_next=0, unavailable=""):
    lay = {"method": "pagemap", "unavailable": unavailable, "pages": pairs + 1,
           "adjacent_pairs": pairs, "adjacent_physical": physical, "chain_hops": hops,
           "chain_hops_next": hops_next}
    if not unavailable and pairs:
        lay["fraction_adjacent"] = physical / pairs
    if not unavailable and hops:
        lay["fraction_chain_next"] = hops_next / hops
    return lay


def point(mapping, size, region, touch="address", run=None):
    p = {"mapping": mapping, "chain": "thrash", "range_bytes": size, "region_bytes": region,
         "first_touch": touch}
    if run is not None:
        p["run"] = run
    return p


class RegionAndLayout(unittest.TestCase):
    def test_one_lmbench_region_and_each_columns_layout(self):
        doc = {"latency": [point("4k", 64 * MiB, 4096 * MiB), point("thp", 64 * MiB, 4096 * MiB)],
               "tables": {"latency": [
                   {"without_report": {"layout": layout(1000, 250, 400, 100)},
                    "with_report": {"layout": layout(1000, 998, 400, 0)}},
                   {"without_report": {"layout": layout(1000, 300, 400, 100)},
                    "with_report": {"layout": layout(1000, 998, 400, 0)}}]}}
        self.assertEqual(
            summary._region(doc),
            "every row was measured inside one 4096 MiB region per mapping (lmbench `-t "
            "4096M` semantics: a row's pages are drawn from the whole region, so a smaller "
            "row reads slower than in a region of its own size); pages first touched in "
            "address order")
        self.assertEqual(
            summary._layout(doc),
            "without column 25.0-30.0% of neighbouring pages contiguous, 25.0% of chain hops "
            "to the next frame (pagemap); with column 99.8% of neighbouring pages contiguous, "
            "0.0% of chain hops to the next frame (pagemap)")

    def test_only_the_compare_runs_points_of_a_reproduce_document(self):
        doc = {"runs": [{"role": "latency-compare"}, {"role": "sweep"}],
               "latency": [point("4k", 64 * MiB, 128 * MiB, "chain", run=0),
                           point("4k", 64 * MiB, 64 * MiB, run=1)]}
        self.assertTrue(summary._region(doc).endswith("pages first touched in chain order"))
        self.assertIn("one 128 MiB region", summary._region(doc))

    def test_unavailable_layout_says_why_and_old_documents_say_nothing(self):
        hidden = layout(0, 0, unavailable="pagemap hides frame numbers")
        doc = {"tables": {"latency": [{"without_report": {"layout": hidden},
                                       "with_report": {"layout": hidden}}]}}
        self.assertIn("without column unavailable (pagemap hides frame numbers)",
                      summary._layout(doc))
        old = {"latency": [{"mapping": "4k", "chain": "thrash", "range_bytes": MiB}],
               "tables": {"latency": [{"without_report": {}, "with_report": {}}]}}
        self.assertIsNone(summary._region(old))
        self.assertIsNone(summary._layout(old))


class LayoutConsistency(unittest.TestCase):
    def report(self, lay):
        return {"bytes": 4096, "bytes_4k": 4096, "bytes_2m": 0, "bytes_1g": 0,
                "bytes_unmapped": 0, "fraction_huge": 0, "method": "x", "layout": lay}

    def test_counts_and_fractions_must_agree(self):
        good = {"latency": [{"report": self.report(layout(10, 5, 4, 1)),
                             "summary": {"n": 0}, "samples_ns": []}]}
        self.assertEqual(docmod.consistency_errors(good), [])
        bad = layout(10, 5, 4, 1)
        bad["fraction_adjacent"] = 0.9
        bad["chain_hops_next"] = 7
        errors = docmod.consistency_errors(
            {"latency": [{"report": self.report(bad), "summary": {"n": 0}, "samples_ns": []}]})
        self.assertEqual(len(errors), 2, errors)
        self.assertIn("fraction_adjacent 0.9", errors[0])
        self.assertIn("chain_hops_next 7 exceeds chain_hops 4", errors[1])


if __name__ == "__main__":
    unittest.main()
