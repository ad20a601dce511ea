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
        d["latency"] = [dict(p, counters={"values": {}, "unavailable": {
            "PAPI_TLB_DM": "PAPI_ENOEVNT"}}) for p in d["latency"]]
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

    def test_tlb_cost_by_timing(self):
        d = doc.load(helpers.fixture("run-b"))
        cost = figures.tlb_cost(d["latency"])
        self.assertEqual(sorted(cost), ["4k", "thp"])
        self.assertAlmostEqual(cost["4k"][0][1], 41.0)  # 100 + 40 + 64/64 - 100

    def test_google_benchmark_json(self):
        d = doc.load(helpers.fixture("gbench.json"))
        files = self.drawn(figures.write_all(d, self.out))
        self.assertIn("latency", files)
        self.assertIn("improvement", files)
        self.assertIn("tlb", files)
        tlb = [p for p in d["latency"] if p["run"] == 1]
        self.assertEqual(figures.tlb_cost(tlb)["4k"][0], (64 << 20, 30.0))
        fig, _ = figures.tlb_figure(d)  # uses the tlb_cost family, not the chase pairs
        self.assertEqual(list(fig.axes[0].get_lines()[0].get_ydata()), [30.0, 30.0])
        rows = figures.derived_rows([p for p in d["latency"] if p["run"] == 0], "range_bytes")
        self.assertEqual(len(rows), 3)
        self.assertAlmostEqual(rows[0]["improvement_pct"], (140 - 100) / 140 * 100)
        fig, _ = figures.latency_figure(d)  # the chase family only
        self.assertEqual(len(fig.axes[0].get_lines()), 6)

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
