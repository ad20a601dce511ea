import copy
import glob
import json
import os
import subprocess
import unittest

import helpers
from pfnres import doc


def load_fixture(name):
    with open(helpers.fixture(name, "results.json")) as f:
        return json.load(f)


def documents():
    """(name, document) of every results document in the tree: the fixtures (written by
    make_fixtures.py with every key the current programs write), the committed reference
    runs (written by the real programs), and pfn_bench JSON as plots/ converts it. The
    e2e tests (e2e_reproduce.py, tests/bench) walk what the programs write now."""
    paths = [helpers.fixture(n, "results.json") for n in ("run-a", "run-b")]
    paths += sorted(glob.glob(os.path.join(helpers.REPO, "results", "*", "results.json")))
    paths.append(helpers.fixture("gbench.json"))
    return [(os.path.relpath(p, helpers.REPO), doc.load(p)) for p in paths]


class EveryKeyDocumented(unittest.TestCase):
    """Issue 13: the schema documents every field, derived ones with how and by which C++
    function. A key a program writes that the schema lacks, or an entry without a
    description, fails here by name."""

    def test_every_schema_entry_has_a_description(self):
        self.assertEqual(doc.undescribed_properties(), [])

    def test_documents_have_no_key_the_schema_lacks(self):
        docs = documents()
        self.assertGreaterEqual(len(docs), 4)
        for name, d in docs:
            with self.subTest(name):
                self.assertEqual(doc.undocumented_keys(d), [])

    def test_a_key_the_schema_lacks_is_named_wherever_it_is(self):
        d = load_fixture("run-b")
        d["made_up"] = 1
        d["latency"][3]["report"]["layout"]["made_up_fraction"] = 0.5
        d["tables"]["latency"][0]["improvement_ci"]["made_up_width"] = 4.0
        d["tlb_cost"][1]["random"]["summary"]["p99"] = 1.0
        d["runs"][2]["made_up_pid"] = 42
        d["system"]["driver"] = {"abi": 1}
        # Maps whose keys are data are walked by value, not looked up by key.
        d["latency"][0]["counters"]["values"]["MADE_UP_EVENT"] = 3
        d["latency"][0]["report"]["node_bytes"]["7"] = 0
        d["placement"]["caches"]["L4"] = 1 << 30
        self.assertEqual(doc.schema_errors(d), [])  # the schema itself lets them through
        self.assertEqual(sorted(doc.undocumented_keys(d)), sorted([
            "(top): 'made_up' has no schema entry",
            "latency/3/report/layout: 'made_up_fraction' has no schema entry",
            "tables/latency/0/improvement_ci: 'made_up_width' has no schema entry",
            "tlb_cost/1/random/summary: 'p99' has no schema entry",
            "runs/2: 'made_up_pid' has no schema entry",
            "system/driver: 'abi' has no schema entry"]))

    def test_an_entry_without_description_is_named(self):
        schema = doc.load_schema()
        del schema["$defs"]["report"]["properties"]["fraction_huge"]["description"]
        schema["$defs"]["layout"]["properties"]["made_up"] = {"type": "number"}
        schema["properties"]["tables"]["properties"]["latency"]["description"] = ""
        self.assertEqual(sorted(doc.undescribed_properties(schema)), [
            "#/$defs/layout/properties/made_up",
            "#/$defs/report/properties/fraction_huge",
            "#/properties/tables/properties/latency"])


class Schema(unittest.TestCase):
    def test_fixtures_are_valid(self):
        for name in ("run-a", "run-b"):
            self.assertEqual(doc.schema_errors(load_fixture(name)), [], name)

    def test_missing_and_wrong_fields_are_named(self):
        d = load_fixture("run-b")
        bad = copy.deepcopy(d)
        del bad["system"]["kernel"]
        bad["latency"][0]["mapping"] = "2m"
        bad["latency"][1]["report"]["fraction_huge"] = 1.5
        bad["tables"]["copy"][0].pop("mismatch")
        bad["backend"]["with"] = "huge"
        del bad["tlb_cost"][0]["tlb_cost_ns_per_load"]
        bad["page_walk"][0]["with"] = "big"
        bad["placement"]["caches"]["L2"] = "1M"
        errors = "\n".join(doc.schema_errors(bad))
        self.assertIn("system: 'kernel' is a required property", errors)
        self.assertIn("latency/0/mapping: '2m' is not one of", errors)
        self.assertIn("latency/1/report/fraction_huge", errors)
        self.assertIn("tables/copy/0: 'mismatch' is a required property", errors)
        self.assertIn("backend/with: 'huge' is not one of", errors)
        self.assertIn("tlb_cost/0: 'tlb_cost_ns_per_load' is a required property", errors)
        self.assertIn("page_walk/0/with: 'big' is not one of", errors)
        self.assertIn("placement/caches/L2: '1M' is not of type 'integer'", errors)

    def test_parallel_points_carry_each_threads_counters(self):
        d = load_fixture("run-b")
        point = d["latency"][0]
        point["thread_counters"] = [
            {"cpu": cpu, "loads": 5000000, "counters": {"values": {"perf::PAGE-FAULTS": 0},
                                                        "unavailable": {}}}
            for cpu in (0, 1)]
        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(doc.undocumented_keys(d), [])
        del point["thread_counters"][1]["loads"]
        point["thread_counters"][0]["cpu"] = -1
        errors = "\n".join(doc.schema_errors(d))
        self.assertIn("latency/0/thread_counters/1: 'loads' is a required property", errors)
        self.assertIn("latency/0/thread_counters/0/cpu", errors)

    def test_three_column_rows_carry_the_1g_column_whole(self):
        d = load_fixture("run-b")
        row = d["tables"]["latency"][0]
        row["with_1g"] = row["with"] * 0.9
        row["improvement_1g_pct"] = (row["without"] - row["with_1g"]) / row["without"] * 100
        row["with_1g_summary"] = dict(row["with_summary"], min=row["with_1g"])
        row["with_1g_report"] = dict(row["with_report"], bytes_2m=0,
                                     bytes_1g=row["with_report"]["bytes_2m"])
        d["latency"][0]["mapping"] = "device-fault-1g"
        d["backend"]["with_1g"] = "hugetlb-1g"
        row["with_1g_mapping"] = "hugetlb-1g"
        imp = row["improvement_1g_pct"]
        row["improvement_1g_ci"] = dict(row["improvement_ci"], low_pct=imp - 1, high_pct=imp + 1)
        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(doc.consistency_errors(d), [])
        self.assertEqual(doc.undocumented_keys(d), [])
        row["improvement_1g_ci"].update(low_pct=imp + 1, high_pct=imp - 1)
        self.assertIn("tables/latency/0: improvement_1g_ci low",
                      "\n".join(doc.consistency_errors(d)))
        del row["improvement_1g_ci"]["seed"]
        self.assertIn("'seed' is a required property", "\n".join(doc.schema_errors(d)))
        del row["with_1g_report"]
        self.assertIn("'with_1g_report' is a dependency of 'with_1g'",
                      "\n".join(doc.schema_errors(d)))

    def test_three_column_copy_rows_are_described_and_checked_alike(self):
        # memcpy_test --with A,B: the same fields on a copy row, in ms per copy.
        d = load_fixture("run-b")
        row = d["tables"]["copy"][0]
        row["with_1g"] = row["with"] * 0.9
        row["with_1g_mapping"] = "hugetlb-1g"
        row["improvement_1g_pct"] = (row["without"] - row["with_1g"]) / row["without"] * 100
        row["improvement_1g_ci"] = dict(row["improvement_ci"])
        row["with_1g_summary"] = dict(row["with_summary"], min=row["with_1g"])
        row["with_1g_report"] = dict(row["with_report"], bytes_2m=0,
                                     bytes_1g=row["with_report"]["bytes_2m"])
        d["backend"]["with_1g"] = "hugetlb-1g"
        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(doc.consistency_errors(d), [])
        self.assertEqual(doc.undocumented_keys(d), [])
        row["with_1g_summary"]["min"] = row["with_1g"] * 2
        self.assertIn("tables/copy/0: with_1g", "\n".join(doc.consistency_errors(d)))

    def test_empty_samples_and_wrong_schema_id(self):
        bad = load_fixture("run-a")
        bad["latency"][0]["samples_ns"] = []
        bad["schema"] = "pfnbench-results/2"
        errors = "\n".join(doc.schema_errors(bad))
        self.assertIn("latency/0/samples_ns", errors)
        self.assertIn("schema", errors)

    def test_load_refuses_foreign_json(self):
        import os
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            for content, msg in (("[1, 2]", "JSON object"), ("{\"schema\": \"x\"}", "is not"),
                                 ("{\"a\": 1}", "neither"), ("{", "not valid JSON")):
                path = os.path.join(tmp, "x.json")
                with open(path, "w") as f:
                    f.write(content)
                with self.assertRaisesRegex(doc.DocError, msg):
                    doc.load(path)
            with self.assertRaisesRegex(doc.DocError, "no results.json"):
                doc.load(tmp)

    def test_check_command(self):
        ok = subprocess.run([helpers.PYTHON, helpers.ENTRY, "check",
                             helpers.fixture("run-a", "results.json")],
                            capture_output=True, text=True)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        self.assertIn("valid pfnbench-results/1", ok.stdout)
        bad = subprocess.run([helpers.PYTHON, helpers.ENTRY, "check",
                              helpers.fixture("gbench.json"), helpers.FIXTURES + "/nope.json"],
                             capture_output=True, text=True)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("no such file", bad.stdout)


class GoogleBenchmark(unittest.TestCase):
    def test_conversion(self):
        d = doc.load(helpers.fixture("gbench.json"))
        self.assertEqual(d["tool"], "bench")
        chase = d["latency"]
        # 3 chains x 2 mappings x 3 sizes; aggregates and chase_overhead dropped,
        # repetitions kept as samples
        self.assertEqual(len(chase), 18)
        p = next(p for p in chase if p["mapping"] == "thp" and p["chain"] == "thrash"
                 and p["range_bytes"] == 64 << 20)
        self.assertEqual(len(p["samples_ns"]), 3)
        self.assertAlmostEqual(p["summary"]["min"], 100.0)  # ns_per_load_min, not the mean
        # The summary is pfn_bench's (its aggregate rows), not computed here: spread_pct is
        # (p90 - p10) / median as in every C++ record, not (max - min) / median.
        self.assertEqual(p["summary"]["n"], 3)
        self.assertAlmostEqual(p["summary"]["p10"], 100.2)
        self.assertAlmostEqual(p["summary"]["p90"], 101.8)
        self.assertAlmostEqual(p["summary"]["median"], 101.0)
        self.assertAlmostEqual(p["summary"]["spread_pct"], 1.6 / 1.01)
        self.assertEqual(p["report"]["fraction_huge"], 1.0)
        self.assertEqual(p["counters_per_load"], {"perf::PAGE-FAULTS": 0.0})
        # tlb_cost/mapping:M/bytes:N -> a TLB cost record of its counters each
        self.assertEqual([(t["mapping"], t["range"] >> 20, t["tlb_cost_ns_per_load"])
                          for t in d["tlb_cost"]],
                         [("4k", 64, 30.0), ("4k", 1024, 30.0), ("thp", 64, 3.0),
                          ("thp", 1024, 3.0)])
        # copy/kernel:K/mapping:M/bytes:N; copy_vs_libc is not a copy point
        self.assertEqual(len(d["copy"]), 4)
        c = next(c for c in d["copy"] if c["mapping"] == "4k" and c["bytes"] == 1 << 30)
        self.assertAlmostEqual(c["summary"]["min"], 96.0)
        self.assertEqual(c["summary"]["n"], 1)  # one repetition: the sample itself
        self.assertEqual(c["summary"]["spread_pct"], 0.0)
        self.assertAlmostEqual(c["gb_per_s"], (1 << 30) / 96e6)  # its GB_per_s_best counter
        # compare_latency/compare_copy -> the tables' rows, every figure a counter
        rows = d["tables"]["latency"]
        self.assertEqual([(r["bytes"] >> 20, r["without_mapping"], r["with_mapping"],
                           r["without"], r["with"], r["improvement_pct"]) for r in rows],
                         [(64, "4k", "thp", 140.0, 100.0, 27.5),
                          (1024, "4k", "thp", 150.0, 101.0, 31.5)])
        self.assertEqual(rows[0]["improvement_ci"], {
            "level": 0.95, "low_pct": 24.0, "high_pct": 31.0, "resamples": 2000, "seed": 1,
            "significant": True})
        self.assertEqual(rows[0]["mismatch"], "")
        self.assertEqual(d["tables"]["copy"][0]["improvement_ci"]["significant"], False)
        self.assertEqual(d["placement"], {"cpu": 1, "node": 0, "caches": {
            "L1d": 49152, "L2": 1 << 20, "L3": 32 << 20}})
        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(doc.consistency_errors(d), [])

    def test_repetitions_without_pfn_bench_statistics_are_refused(self):
        with open(helpers.fixture("gbench.json")) as f:
            data = json.load(f)
        data["benchmarks"] = [b for b in data["benchmarks"] if b.get("aggregate_name") != "p10"]
        with self.assertRaisesRegex(doc.DocError, "no p10 aggregate of ns_per_load_min"):
            doc.from_gbench(data)

    def test_name_parsing(self):
        fam, f = doc.split_name("chase/chain:random/mapping:device-fault/bytes:1073741824"
                                "/repeats:3/manual_time")
        self.assertEqual((fam, f), ("chase", {"chain": "random", "mapping": "device-fault",
                                              "bytes": "1073741824"}))
        fam, f = doc.split_name("tlb_cost/mapping:4k/bytes:67108864/iterations:1/real_time")
        self.assertEqual((fam, f), ("tlb_cost", {"mapping": "4k", "bytes": "67108864"}))
        # A compare family's columns by their keys, whatever the names are (no list of
        # mappings or chains here).
        fam, f = doc.split_name("compare_latency/chain:zigzag/without:tiny/with:huge"
                                "/bytes:4194304/iterations:1/real_time")
        self.assertEqual(f, {"chain": "zigzag", "without": "tiny", "with": "huge",
                             "bytes": "4194304"})

    def test_names_without_keys_are_refused_not_guessed(self):
        with self.assertRaisesRegex(doc.DocError, "part 'thrash' is not key:value"):
            doc.split_name("chase/thrash/4k/67108864")
        with open(helpers.fixture("gbench.json")) as f:
            data = json.load(f)
        for b in data["benchmarks"]:
            for k in ("name", "run_name"):
                b[k] = b[k].replace("/mapping:", "/")
        with self.assertRaisesRegex(doc.DocError, "is not key:value"):
            doc.from_gbench(data)


if __name__ == "__main__":
    unittest.main()
