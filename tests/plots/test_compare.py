import subprocess
import unittest

import helpers
from pfnres import compare


def run(*args):
    return subprocess.run([helpers.PYTHON, helpers.ENTRY, "compare", *args],
                          capture_output=True, text=True)


class Compare(unittest.TestCase):
    def test_two_fixture_runs(self):
        res = run(helpers.fixture("run-a"), helpers.fixture("run-b"))
        self.assertEqual(res.returncode, 0, res.stderr)
        out = res.stdout
        self.assertIn("== Latency, ns per dependent load", out)
        self.assertIn("== Copy time, ms per copy", out)
        row = next(l for l in out.splitlines() if l.strip().startswith("64.00"))
        # A = published numbers, B = 1.4x / 1.25x of them in the fixture
        self.assertIn("148.858 ns", row)
        self.assertIn("+40.0%", row)
        self.assertIn("+25.0%", row)
        self.assertIn("! B 512.00 MiB: with: 62.0% 2M", out)
        self.assertIn("kernel: A 7.1.0-rc2-pmdpfnmap+ | B 6.18.44-fc-v657", out)
        # sizes only in A are listed with dashes for B
        row4g = next(l for l in out.splitlines() if l.strip().startswith("4096.00") and "ns" in l)
        self.assertIn(" - ", row4g)

    def test_against_the_published_reference(self):
        res = run("cover-letter", helpers.fixture("run-a", "results.json"))
        self.assertEqual(res.returncode, 0, res.stderr)
        row = next(l for l in res.stdout.splitlines() if l.strip().startswith("1024.00")
                   and "ms" in l)
        self.assertIn("+0.0%", row)  # run A holds the published numbers

    def test_falls_back_to_the_text_tables(self):
        import json
        import os
        import shutil
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            d = os.path.join(tmp, "old-run")
            shutil.copytree(helpers.fixture("run-b"), d)
            with open(os.path.join(d, "results.json")) as f:
                data = json.load(f)
            del data["tables"]
            with open(os.path.join(d, "results.json"), "w") as f:
                json.dump(data, f)
            r = compare.load_run(d)
            self.assertEqual(len(r.rows["latency"]), 5)
            self.assertEqual(r.rows["copy"][0]["without"], 105.34)

    def test_bad_arguments(self):
        res = run("/nonexistent/run", helpers.fixture("run-a"))
        self.assertEqual(res.returncode, 1)
        self.assertIn("no such file", res.stderr)
        res = run("not-a-reference", helpers.fixture("run-a"))
        self.assertEqual(res.returncode, 1)
        self.assertIn("not a known reference", res.stderr)


if __name__ == "__main__":
    unittest.main()
