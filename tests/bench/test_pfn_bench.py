"""pfn_bench as a user runs it, on small sizes with two repetitions: every family it
registers is in the JSON, each row's counters say what the family promises (bench/README.md),
the aggregate rows are pfn::Summary's, and plots/ reads those instead of computing its own.
No timing is checked, only relations that hold whatever the machine's speed."""

import json
import os
import subprocess
import sys
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "plots"))
from pfnres import doc  # noqa: E402

BUILD = os.environ.get("PFNBENCH_BUILD", os.path.join(REPO, "build"))
PFN_BENCH = os.path.join(BUILD, "bench", "pfn_bench")

MAPPINGS = ("4k", "thp")
CHAINS = ("stride", "thrash", "random", "page-local")
CHASE, COPY, TLB = (256 << 10, 1 << 20), 1 << 20, 2 << 20  # as passed below (K, M)
# Families that run once whatever --benchmark_repetitions says.
ONCE = ("compare_", "steady_state/")
REPS = 2
AGGREGATES = ("mean", "median", "stddev", "cv", "min", "p10", "p90", "max", "spread")


def run(*args):
    return subprocess.run([PFN_BENCH, *args], capture_output=True, text=True, timeout=600)


class PfnBench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.done = run("--benchmark_min_time=0.01", "--benchmark_format=json",
                      f"--benchmark_repetitions={REPS}",
                      "--chase_sizes=256K,1M", "--copy_sizes=1M", "--tlb_sizes=2M")
        cls.data = json.loads(cls.done.stdout) if cls.done.returncode == 0 else None
        rows = cls.data["benchmarks"] if cls.data else []
        cls.iterations, cls.aggregates = {}, {}
        for r in rows:
            name = r["run_name"]
            if r["run_type"] == "aggregate":
                cls.aggregates.setdefault(name, {})[r["aggregate_name"]] = r
            else:
                cls.iterations.setdefault(name, []).append(r)

    def setUp(self):
        self.assertEqual(self.done.returncode, 0, self.done.stderr)

    def expected_names(self):
        """Every run's name, each part key:value (bench/families.h), and Google Benchmark's
        own: chase/ and copy/ timed by their iterations (manual_time), tlb_cost/ one
        iteration, the compare families and steady_state/ one iteration of one repetition."""
        kernels = self.data["context"]["pfn_copy_kernels"].split(",")
        names = {"chase_overhead/chain:random/mapping:4k/bytes:16384/manual_time"}
        names |= {f"chase/chain:{c}/mapping:{m}/bytes:{s}/manual_time"
                  for c in CHAINS for m in MAPPINGS for s in CHASE}
        names |= {f"tlb_cost/mapping:{m}/bytes:{TLB}/iterations:1/real_time" for m in MAPPINGS}
        names |= {f"copy/kernel:{k}/mapping:{m}/bytes:{COPY}/manual_time"
                  for k in kernels for m in MAPPINGS}
        names |= {f"copy_vs_libc/kernel:{k}/mapping:{MAPPINGS[0]}/bytes:{COPY}/real_time"
                  for k in kernels if k != "libc"}
        names |= {f"compare_latency/chain:thrash/without:4k/with:thp/bytes:{s}"
                  "/iterations:1/repeats:1/real_time" for s in CHASE}
        names |= {f"compare_copy/kernel:libc/without:4k/with:thp/bytes:{COPY}"
                  "/iterations:1/repeats:1/real_time"}
        names |= {f"steady_state/chain:thrash/without:4k/with:thp/bytes:{s}"
                  "/iterations:1/repeats:1/real_time" for s in CHASE}
        return names, kernels

    def rows(self, family):
        """name -> (its parts by key, its repetitions) for one family."""
        out = {}
        for n, rs in self.iterations.items():
            fam, fields = doc.split_name(n)
            if fam == family:
                out[n] = (fields, rs)
        return out

    def test_every_family_ran_without_error(self):
        names, kernels = self.expected_names()
        self.assertEqual(kernels[0], "libc")
        self.assertEqual(set(self.iterations), names)
        for name, rows in self.iterations.items():
            # The compare families and steady_state/ run once: their samples are their own.
            self.assertEqual(len(rows), 1 if name.startswith(ONCE) else REPS, name)
            for r in rows:
                self.assertFalse(r.get("error_occurred"), f"{name}: {r.get('error_message')}")
                self.assertGreaterEqual(r["iterations"], 1, name)
        ctx = self.data["context"]
        for key in ("pfn_cpu", "pfn_node", "pfn_tsc_ghz", "pfn_core_ghz", "pfn_counters"):
            self.assertIn(key, ctx)

    def check_mapping(self, name, mapping, r):
        self.assertGreaterEqual(r["huge_fraction"], 0.0, name)
        self.assertLessEqual(r["huge_fraction"], 1.0, name)
        if mapping == "4k":  # MADV_NOHUGEPAGE, read back
            self.assertEqual(r["huge_fraction"], 0.0, name)
        self.assertIn("node", r["label"], name)  # the whole mapping report

    def test_chase_rows(self):
        rows = self.rows("chase")
        self.assertEqual(len(rows), len(CHAINS) * len(MAPPINGS) * len(CHASE))
        for name, (f, rs) in rows.items():
            for r in rs:
                self.assertGreater(r["ns_per_load_min"], 0, name)
                # The fastest iteration cannot be slower than the mean over all of them
                # (Google Benchmark's rate of the iterations' own times, inverted).
                self.assertLessEqual(r["ns_per_load_min"], r["ns_per_load"] * (1 + 1e-9), name)
                self.check_mapping(name, f["mapping"], r)

    def test_tlb_cost_rows(self):
        rows = self.rows("tlb_cost")
        self.assertEqual(len(rows), len(MAPPINGS))
        for name, (f, rs) in rows.items():
            for r in rs:
                self.assertEqual(r["iterations"], 1, name)
                self.assertAlmostEqual(r["tlb_cost_ns"], r["random_ns"] - r["page_local_ns"],
                                       delta=1e-6 * r["random_ns"])
                self.assertAlmostEqual(r["tlb_cost_pct"],
                                       r["tlb_cost_ns"] / r["random_ns"] * 100, delta=1e-6)
                self.check_mapping(name, f["mapping"], r)

    def test_copy_rows(self):
        rows = self.rows("copy")
        for name, (f, rs) in rows.items():
            self.assertEqual(int(f["bytes"]), COPY, name)
            for r in rs:
                self.assertLessEqual(r["ms_per_copy_min"], r["ms_per_copy"] * (1 + 1e-9), name)
                self.assertGreaterEqual(r["GB_per_s_best"] * (1 + 1e-9), r["GB_per_s"], name)
                # Best throughput and fastest copy are one measurement.
                self.assertAlmostEqual(r["GB_per_s_best"] * r["ms_per_copy_min"] * 1e6, COPY,
                                       delta=1e-6 * COPY)
                # Google Benchmark's rates of the iterations' own times: the same mean.
                self.assertAlmostEqual(r["GB_per_s"] * r["ms_per_copy"] * 1e6, COPY,
                                       delta=1e-6 * COPY)
                self.assertAlmostEqual(r["bytes_per_second"], r["GB_per_s"] * 1e9,
                                       delta=1e-6 * r["bytes_per_second"])
                self.check_mapping(name, f["mapping"], r)
        for name, (f, rs) in self.rows("copy_vs_libc").items():
            for r in rs:
                self.assertGreater(r["kernel_GB_per_s"], 0, name)
                self.assertAlmostEqual(r["speedup_vs_libc"],
                                       r["kernel_GB_per_s"] / r["libc_GB_per_s"], delta=1e-9)

    def test_compare_rows_are_the_cores(self):
        rows = {**self.rows("compare_latency"), **self.rows("compare_copy")}
        self.assertEqual(len(rows), len(CHASE) + 1)
        for name, (f, (r,)) in rows.items():
            unit = "ns_per_load" if name.startswith("compare_latency/") else "ms_per_copy"
            self.assertEqual((f["without"], f["with"]), ("4k", "thp"), name)
            self.assertGreater(r[f"without_{unit}"], 0, name)
            self.assertGreater(r[f"with_{unit}"], 0, name)
            self.assertLessEqual(r["improvement_low_pct"], r["improvement_high_pct"], name)
            self.assertEqual(r["improvement_level"], 0.95, name)
            self.assertEqual(r["improvement_significant"],
                             1 if r["improvement_low_pct"] > 0 or r["improvement_high_pct"] < 0
                             else 0, name)
            self.assertEqual(r["without_huge_fraction"], 0.0, name)  # 4k, read back
            # Verified exactly when the huge column read back huge; the label says why not.
            self.assertEqual(r["verified"], 1 if r["with_huge_fraction"] >= 0.99 else 0, name)
            self.assertIn("without: " if r["verified"] else "read back as", r["label"], name)
        d = doc.from_gbench(self.data)
        drawn = d["tables"]["latency"] + d["tables"]["copy"]
        self.assertEqual(len(drawn), len(rows))
        for row in drawn:
            r = rows[row["benchmark"]][1][0]
            self.assertEqual(row["improvement_pct"], r["improvement_pct"])
            self.assertEqual(row["improvement_ci"]["low_pct"], r["improvement_low_pct"])

    def test_steady_state_rows(self):
        rows = self.rows("steady_state")
        self.assertEqual(len(rows), len(CHASE))
        for name, (f, (r,)) in rows.items():
            self.assertEqual((f["without"], f["with"]), ("4k", "thp"), name)
            for col in ("without", "with"):
                other, own = r[f"{col}_after_other_ns"], r[f"{col}_after_self_ns"]
                self.assertGreater(other, 0, name)
                self.assertGreater(own, 0, name)
                self.assertAlmostEqual(r[f"{col}_ratio"], other / own, delta=1e-9, msg=name)
                self.assertGreater(r[f"{col}_paired_ratio"], 0, name)
            self.assertEqual(r["without_huge_fraction"], 0.0, name)  # 4k, read back
            self.assertGreaterEqual(r["with_huge_fraction"], 0.0, name)
            self.assertLessEqual(r["with_huge_fraction"], 1.0, name)

    def test_aggregates_are_pfn_summaries_of_the_repetitions(self):
        self.assertEqual(set(self.aggregates),
                         {n for n in self.iterations if not n.startswith(ONCE)})
        for name, aggs in self.aggregates.items():
            self.assertEqual(set(aggs), set(AGGREGATES), name)
            key = next(k for k in ("ns_per_load_min", "ms_per_copy_min", "random_ns",
                                   "kernel_GB_per_s") if k in aggs["min"])
            values = sorted(r[key] for r in self.iterations[name])
            a = {n: aggs[n][key] for n in AGGREGATES}
            self.assertEqual(a["min"], values[0], name)
            self.assertEqual(a["max"], values[-1], name)
            self.assertTrue(a["min"] <= a["p10"] <= a["median"] <= a["p90"] <= a["max"], a)
            self.assertEqual(aggs["spread"]["aggregate_unit"], "percentage", name)
            # pfn::Summary's spread: (p90 - p10) / median, not (max - min) / median.
            self.assertAlmostEqual(a["spread"], (a["p90"] - a["p10"]) / a["median"],
                                   delta=1e-9, msg=name)

    def test_plots_read_the_summaries_pfn_bench_wrote(self):
        d = doc.from_gbench(self.data)
        points = [p for p in d["latency"] if p["chain"] in CHAINS and p["run"] == 0]
        self.assertEqual(len(points), len(CHAINS) * len(MAPPINGS) * len(CHASE))
        for p in points + d["copy"]:
            name = p["benchmark"]
            key = "ms_per_copy_min" if "bytes" in p else "ns_per_load_min"
            aggs = self.aggregates[name]
            s = p["summary"]
            self.assertEqual(s["n"], REPS)
            for agg, field in (("min", "min"), ("p10", "p10"), ("median", "median"),
                               ("p90", "p90"), ("max", "max"), ("stddev", "stddev")):
                self.assertEqual(s[field], aggs[agg][key], f"{name} {field}")
            self.assertAlmostEqual(s["spread_pct"], aggs["spread"][key] * 100, delta=1e-9)
        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(doc.undocumented_keys(d), [])
        self.assertEqual(doc.consistency_errors(d), [])

    def test_bad_input_is_one_clear_line(self):
        for args, needle in ((["--mappings=tiny"], "--mappings: tiny not in {4k,"),
                             (["--mappings=4k,tiny"], "tiny not in"),
                             (["--chains=spiral"], "--chains: spiral not in {stride,"),
                             (["--chase_sizes=1M,lots"], "--chase_sizes: invalid size 'lots'"),
                             (["--tlb_sizes=lots"], "--tlb_sizes: invalid size 'lots'"),
                             (["--kernels=libc,warp"], "--kernels: warp not in {libc,"),
                             (["--first_touch=later"], "later not in {address,chain}"),
                             (["--chase_sizes=1M,,64M"], "--chase_sizes: empty item in list"),
                             (["--mappings", ",thp"], "--mappings: empty item in list"),
                             (["--tlb_sizes=1G,"], "--tlb_sizes: empty item in list"),
                             (["--kernels=libc,,all"], "--kernels: empty item in list")):
            r = run(*args, "--benchmark_list_tests")
            self.assertNotEqual(r.returncode, 0, args)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertTrue(lines[0].startswith("pfn_bench: "), lines[0])
            self.assertIn(needle, lines[0])


if __name__ == "__main__":
    unittest.main()
