import os
import subprocess
import tempfile
import unittest

import helpers
from pfnres import doc, figures


class Figures(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def drawn(self, written):
        return {name: path for name, path, _ in written if path}

    def test_every_figure_of_a_full_run_is_a_png_of_the_fixed_size(self):
        d = doc.load(helpers.fixture("run-b"))
        written = figures.write_all(d, self.out, doc.load_reference())
        files = self.drawn(written)
        self.assertEqual(sorted(files), sorted(figures.FIGURES))
        for path in files.values():
            self.assertEqual(helpers.png_size(path), figures.PIXELS, path)
        self.assertEqual(figures.PIXELS, (1200, 720))
        self.assertEqual([f for f in os.listdir(self.out) if f.endswith(".tmp")], [])

    def test_figures_that_cannot_be_drawn_say_why(self):
        d = doc.load(helpers.fixture("run-a"))  # no sweep, TLB from hardware counters
        written = {n: (p, why) for n, p, why in figures.write_all(d, self.out)}
        self.assertIsNone(written["sweep"][0])
        self.assertIn("no lat_mem_rd sweep", written["sweep"][1])
        self.assertIsNotNone(written["tlb"][0])
        # The misses drawn are the records' per-load figures, not recomputed here.
        d["latency"][0]["counters_per_load"]["PAPI_TLB_DM"] = 0.125
        fig, _ = figures.tlb_figure(d)
        line = next(l for l in fig.axes[0].get_lines()
                    if l.get_label() == "device-pte: PAPI_TLB_DM")
        self.assertEqual(list(line.get_ydata())[0], 0.125)
        # Counts without the per-load record (an older program): not drawn, and why.
        old = [{k: v for k, v in p.items() if k != "counters_per_load"} for p in d["latency"]]
        fig, why = figures.tlb_figure(dict(d, latency=old))
        self.assertIsNone(fig)
        self.assertIn("no counters_per_load", why)
        d["latency"] = [dict(p, counters={"values": {}, "unavailable": {
            "PAPI_TLB_DM": "PAPI_ENOEVNT"}}, counters_per_load={}) for p in d["latency"]]
        fig, why = figures.tlb_figure(d)
        self.assertIsNone(fig)
        self.assertIn("PAPI_TLB_DM: PAPI_ENOEVNT", why)

    def test_latency_lines_per_mapping_and_reference_overlay(self):
        d = doc.load(helpers.fixture("run-a"))
        fig, _ = figures.latency_figure(d, doc.load_reference("cover-letter"))
        ax = fig.axes[0]
        labels = [l.get_label() for l in ax.get_lines()]
        self.assertTrue(any(l.startswith("device-pte") for l in labels), labels)
        self.assertTrue(any(l.startswith("device-remap") for l in labels), labels)
        self.assertEqual(sum("cover letter" in l for l in labels), 2)
        self.assertIn("devbox", fig._suptitle.get_text())
        self.assertIn("device-remap vs device-pte", fig._suptitle.get_text())
        self.assertIn("ns", ax.get_ylabel())
        # The overlay carries the published values.
        ref = next(l for l in ax.get_lines() if "4 KiB PTEs" in l.get_label())
        self.assertEqual(list(ref.get_ydata())[0], 148.858)

    def test_latency_figure_uses_only_the_compare_run(self):
        d = doc.load(helpers.fixture("run-b"))
        fig, _ = figures.latency_figure(d)
        xs = set()
        for line in fig.axes[0].get_lines():
            xs.update(line.get_xdata())
        self.assertEqual(min(xs), 64 << 20)  # sweep points (from 512 B) are not mixed in

    def test_improvement_bars_mark_mismatched_rows(self):
        d = doc.load(helpers.fixture("run-b"))
        fig, _ = figures.improvement_figure(d)
        lat_ax, copy_ax = fig.axes
        bars = lat_ax.patches
        self.assertEqual(len(bars), 5)
        self.assertEqual([b.get_hatch() for b in bars].count("//"), 1)
        self.assertAlmostEqual(bars[0].get_height(), d["tables"]["latency"][0]["improvement_pct"])
        self.assertEqual(len(copy_ax.patches), 3)

    def test_improvement_error_bars_are_the_recorded_interval(self):
        d = doc.load(helpers.fixture("run-b"))
        rows = d["tables"]["latency"]
        rows[1]["improvement_ci"].update(low_pct=10.0, high_pct=50.0)  # not the fixture's
        fig, _ = figures.improvement_figure(d)
        lat_ax = fig.axes[0]
        caps = [c for c in lat_ax.containers if type(c).__name__ == "ErrorbarContainer"]
        self.assertEqual(len(caps), 1)
        segments = caps[0].lines[2][0].get_segments()
        self.assertEqual(len(segments), len(rows))
        for seg, r in zip(segments, rows):
            ys = sorted(y for _, y in seg)
            self.assertAlmostEqual(ys[0], r["improvement_ci"]["low_pct"])
            self.assertAlmostEqual(ys[1], r["improvement_ci"]["high_pct"])
        texts = [t.get_text() for t in lat_ax.texts]
        self.assertEqual([t for t in texts if "n.s." in t], [f"{rows[3]['improvement_pct']:.1f}%"
                                                             " (n.s.) (!)"])
        medians = next(l for l in lat_ax.get_lines() if l.get_label() == "same, from medians")
        self.assertEqual(list(medians.get_ydata()), [r["median_improvement_pct"] for r in rows])

    def test_improvement_without_recorded_interval_draws_no_error_bars(self):
        d = doc.load(helpers.fixture("run-b"))
        for r in d["tables"]["latency"]:
            del r["improvement_ci"]
        fig, _ = figures.improvement_figure(d)
        self.assertFalse([c for c in fig.axes[0].containers
                          if type(c).__name__ == "ErrorbarContainer"])

    def test_tlb_cost_and_page_walks_are_the_records(self):
        d = doc.load(helpers.fixture("run-b"))
        # Values no chase pair could give: the figure draws what the records say.
        for i, rec in enumerate(d["tlb_cost"]):
            rec["tlb_cost_ns_per_load"] = 1000.0 + i
        d["page_walk"][1]["ns_per_load"] = 777.0
        d["latency"] = [p for p in d["latency"] if p["chain"] == "thrash"]
        fig, why = figures.tlb_figure(d)
        self.assertIsNotNone(fig, why)
        ax = fig.axes[-1]
        lines = {l.get_label(): list(l.get_ydata()) for l in ax.get_lines()}
        self.assertEqual(lines["4k"], [1000.0, 1002.0])
        self.assertEqual(lines["thp"], [1001.0, 1003.0])
        walk = lines["page walks: 4k cost - thp cost"]
        self.assertEqual(walk[1], 777.0)
        self.assertAlmostEqual(walk[0], d["page_walk"][0]["ns_per_load"])
        del d["tlb_cost"]
        d["latency"] = [dict(p, counters={"values": {}, "unavailable": {}})
                        for p in d["latency"]]
        fig, why = figures.tlb_figure(d)
        self.assertIsNone(fig)
        self.assertIn("no TLB cost records", why)

    def test_documents_from_before_the_records(self):
        # An older reproduce run: caches under system, TLB cost as separate chain runs.
        d = doc.load(helpers.fixture("run-b"))
        d["system"]["caches"] = d["placement"].pop("caches")
        fig, _ = figures.sweep_figure(d)
        self.assertEqual(sorted(t.get_text() for t in fig.axes[0].texts),
                         ["L1d 48K", "L2 1M", "L3 32M"])
        del d["tlb_cost"], d["page_walk"]
        d["runs"].append({"tool": "lat_mem_rd", "role": "tlb-cost"})
        fig, why = figures.tlb_figure(d)
        self.assertIsNone(fig)
        self.assertIn("predate those records: rerun pfnbench reproduce", why)

    def test_colours_follow_the_documents_order_of_mappings(self):
        d = doc.load(helpers.fixture("run-a"))
        fig, _ = figures.latency_figure(d)
        colours = {l.get_label().split(" ")[0]: l.get_color() for l in fig.axes[0].get_lines()}
        self.assertEqual(colours["device-pte"], "C0")  # the backend's without, then with
        self.assertEqual(colours["device-remap"], "C1")
        d["backend"]["without"], d["backend"]["with"] = "device-remap", "device-pte"
        fig, _ = figures.latency_figure(d)
        colours = {l.get_label().split(" ")[0]: l.get_color() for l in fig.axes[0].get_lines()}
        self.assertEqual(colours["device-remap"], "C0")

    def test_google_benchmark_json(self):
        d = doc.load(helpers.fixture("gbench.json"))
        files = self.drawn(figures.write_all(d, self.out))
        self.assertEqual(sorted(files), ["improvement", "latency", "tlb"])  # 3 sizes: no sweep
        fig, _ = figures.tlb_figure(d)  # the tlb_cost family's own counters
        self.assertEqual(list(fig.axes[0].get_lines()[0].get_ydata()), [30.0, 30.0])
        fig, _ = figures.latency_figure(d)  # the chase family only
        self.assertEqual(len(fig.axes[0].get_lines()), 6)

    def test_google_benchmark_improvement_is_the_compare_familys(self):
        with open(helpers.fixture("gbench.json")) as f:
            data = __import__("json").load(f)
        for bm in data["benchmarks"]:
            if bm["name"].startswith("compare_latency/") and "/bytes:67108864/" in bm["name"]:
                bm["improvement_pct"] = 61.0  # not what its columns would give
        d = doc.from_gbench(data)
        fig, _ = figures.improvement_figure(d)
        lat_ax, copy_ax = fig.axes
        self.assertEqual([b.get_height() for b in lat_ax.patches], [61.0, 31.5])
        self.assertEqual([b.get_height() for b in copy_ax.patches], [15.5])
        texts = [t.get_text() for t in copy_ax.texts]
        self.assertEqual(texts, ["15.5% (n.s.)"])  # its interval, -1..30 %, contains 0
        self.assertIn("measured: thp vs 4k",
                      [t.get_text() for t in lat_ax.get_legend().get_texts()])
        # Without the compare families there is nothing to draw, and nothing is derived.
        rows = [b for b in data["benchmarks"] if b["name"].startswith("compare_")]
        data["benchmarks"] = [b for b in data["benchmarks"] if b not in rows]
        fig, why = figures.improvement_figure(doc.from_gbench(data))
        self.assertIsNone(fig)
        self.assertIn("compare_latency", why)
        # A compare row lacking a counter (an older pfn_bench) is refused, not guessed.
        del rows[0]["improvement_low_pct"]
        data["benchmarks"].append(rows[0])
        with self.assertRaisesRegex(doc.DocError, "no improvement_low_pct counter"):
            doc.from_gbench(data)

    def test_plot_command(self):
        res = subprocess.run([helpers.PYTHON, helpers.ENTRY, "plot", helpers.fixture("run-b"),
                              "--out", self.out, "--reference", "cover-letter",
                              "--only", "latency,sweep"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(sorted(os.listdir(self.out)), ["latency.png", "sweep.png"])
        bad = subprocess.run([helpers.PYTHON, helpers.ENTRY, "plot", helpers.fixture("run-b"),
                              "--out", self.out, "--reference", "nope"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("unknown reference 'nope'", bad.stderr)


if __name__ == "__main__":
    unittest.main()
