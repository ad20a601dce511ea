"""End to end: `pfnbench reproduce --quick` with the real programs from the build tree
($PFNBENCH_BUILD or build/). Run with: unittest discover -s tests/plots -p "e2e_*.py".
Skipped when lat_mem_rd is not built, unless PFNBENCH_REQUIRE_E2E=1 (set by the ctest
registration, where a skip would hide a failure)."""

import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import helpers
from pfnres import doc, figures, reproduce, tables

LAT = reproduce.find_tool("lat_mem_rd")
MEMCPY = reproduce.find_tool("memcpy_test")
INFO = reproduce.find_tool("pfnbench_info")
REQUIRED = os.environ.get("PFNBENCH_REQUIRE_E2E") == "1"


def children(pid):
    """pids whose parent is pid (from /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(entry))
    return out


def gone(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@unittest.skipUnless(LAT or REQUIRED, "lat_mem_rd is not built (set PFNBENCH_BUILD)")
class EndToEnd(unittest.TestCase):
    def setUp(self):
        self.assertIsNotNone(LAT, "lat_mem_rd is not built but PFNBENCH_REQUIRE_E2E=1")
        self.assertIsNotNone(INFO, "pfnbench_info is not built")
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def start(self):
        p = subprocess.Popen([helpers.PYTHON, helpers.ENTRY, "reproduce", "--quick",
                              "--out", self.out], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (p.poll() is None and p.kill(), p.communicate()))
        return p

    def test_quick_run(self):
        p = self.start()
        stdout, stderr = p.communicate(timeout=600)
        self.assertEqual(p.returncode, 0, stderr)
        path = stdout.splitlines()[-1]
        self.assertEqual(os.listdir(self.out), [os.path.basename(path)])
        self.assertTrue(stdout.startswith("Latency (latency.txt):\nMemory Size (MB)"), stdout)
        if MEMCPY:
            self.assertIn("Copy time (memcpy.txt):\nMemory Size (MB)", stdout)
        files = set(os.listdir(path))
        expected = {"latency.txt", "summary.md", "results.json", "logs", "latency.png", "tlb.png",
                    "improvement.png", "sweep.png"}
        if MEMCPY:
            expected.add("memcpy.txt")
        self.assertLessEqual(expected, files)

        d = doc.load(path)
        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(doc.consistency_errors(d), [])
        # Every key the programs and reproduce wrote is documented in the schema.
        self.assertEqual(doc.undocumented_keys(d), [])
        # The backend and placement are pfnbench_info's, label and all.
        info = json.loads(subprocess.run([INFO, "--json"], capture_output=True, text=True,
                                         check=True).stdout)
        pairs = {b["name"]: b for b in info["backends"]}
        self.assertIn(d["backend"]["name"], pairs)
        self.assertEqual(d["backend"]["label"], pairs[d["backend"]["name"]]["label"])
        self.assertEqual(d["placement"], info["placement"])
        # The TLB cost of every size and mapping, and the page walks, from the compare run.
        self.assertEqual(len(d["tlb_cost"]), 6)
        self.assertEqual([w["range"] >> 20 for w in d["page_walk"]], [16, 32, 64])
        compare_run = next(i for i, r in enumerate(d["runs"]) if r["role"] == "latency-compare")
        self.assertTrue(all(r["run"] == compare_run for r in d["tlb_cost"] + d["page_walk"]))
        self.assertNotIn("tlb-cost", {r["role"] for r in d["runs"]})

        with open(os.path.join(path, "latency.txt")) as f:
            lat = tables.parse_table(f.read())
        self.assertEqual(lat["unit"], "ns")
        self.assertEqual([r["size_mib"] for r in lat["rows"]], [16.0, 32.0, 64.0])
        # The table prints its improvement from the values it prints, rounded to 3
        # decimals (core/output/report.cpp); the JSON's is of the unrounded minima.
        self.assertEqual(tables.differences(lat, d["tables"]["latency"], 0.06), [])
        # The file is the table exactly as the JSON has it (three decimals).
        for text_row, json_row in zip(lat["rows"], d["tables"]["latency"]):
            self.assertEqual(text_row["without"], round(json_row["without"], 3))
            self.assertEqual(text_row["with"], round(json_row["with"], 3))
            if not json_row["mismatch"]:
                self.assertGreaterEqual(json_row["with_report"]["fraction_huge"], 0.99)
                self.assertEqual(json_row["without_report"]["fraction_huge"], 0.0)
        if MEMCPY:
            with open(os.path.join(path, "memcpy.txt")) as f:
                cp = tables.parse_table(f.read())
            self.assertEqual(cp["unit"], "ms")
            # Rounded to 2 decimals of a few ms, the printed values move the printed
            # improvement by up to a few tenths of a point from the recorded one.
            self.assertEqual(tables.differences(cp, d["tables"]["copy"], 0.5), [])

        for name in files:
            if name.endswith(".png"):
                self.assertEqual(helpers.png_size(os.path.join(path, name)), figures.PIXELS)
        with open(os.path.join(path, "summary.md")) as f:
            summary = f.read()
        self.assertIn(d["system"]["kernel"], summary)
        # The machine's memory as lat_mem_rd read it before measuring, printed as recorded.
        self.assertIn(f"| NUMA layout | {d['system']['numa_layout']} |", summary)
        for node in d["system"]["numa_nodes"]:
            self.assertIn(f"node {node['node']}: CPUs {node['cpus']}, ", summary)
            self.assertGreater(node["total_bytes"], 0)
            self.assertLessEqual(node["free_bytes"], node["total_bytes"])
        self.assertIn("Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement",
                      summary)

    def test_interrupted_run_leaves_nothing(self):
        p = self.start()
        deadline = time.monotonic() + 120
        kids = []
        while time.monotonic() < deadline and p.poll() is None:
            tmp = [e for e in os.listdir(self.out) if e.startswith(".tmp-")]
            # Wait until a measurement (not the backend probe) is running.
            if tmp and os.path.isdir(os.path.join(self.out, tmp[0], "logs")) and \
                    any(n.endswith(".log") and not n.startswith("00-") for n in os.listdir(
                        os.path.join(self.out, tmp[0], "logs"))):
                kids = children(p.pid)
                if kids:
                    break
            time.sleep(0.02)
        self.assertIsNone(p.poll(), "the run ended before it could be interrupted")
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 130, stderr)
        self.assertEqual(os.listdir(self.out), [])
        for kid in kids:
            self.assertTrue(gone(kid), f"lat_mem_rd {kid} still running")


if __name__ == "__main__":
    unittest.main()
