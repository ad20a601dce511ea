"""A python3 without matplotlib (a bundle's target machine): reproduce says once that it
draws no plots and still writes the tables, results.json and summary.md; plot and check
say in one line what is missing."""

import json
import os
import subprocess
import unittest

import helpers

# Runs the entry point with the named modules made unimportable.
WITHOUT = ("import runpy, sys\n"
           "for m in sys.argv[1].split(','):\n"
           "    sys.modules[m] = None\n"
           "sys.argv = sys.argv[2:]\n"
           "runpy.run_path(sys.argv[0], run_name='__main__')\n")


def run_without(modules, *args, env=None):
    return subprocess.run([helpers.PYTHON, "-c", WITHOUT, modules, helpers.ENTRY, *args],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})))


class WithoutMatplotlib(helpers.RunDirCase):
    def test_reproduce_keeps_tables_and_json(self):
        p = run_without("matplotlib", "reproduce", "--quick", "--out", self.out,
                        "--bin-dir", helpers.FAKE_TOOLS,
                        "--build-dir", os.path.join(self.out, "no-build"),
                        env={"FAKE_LOG": self.log})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr.count("cannot import matplotlib"), 1, p.stderr)
        self.assertIn("Memory Size (MB)", p.stdout)
        run = p.stdout.strip().splitlines()[-1]
        files = set(os.listdir(run))
        self.assertTrue({"latency.txt", "memcpy.txt", "results.json", "summary.md"} <= files)
        self.assertFalse([f for f in files if f.endswith(".png")], files)
        with open(os.path.join(run, "results.json")) as f:
            doc = json.load(f)
        self.assertEqual(set(doc["plots"]["figures"].values()), {None})
        self.assertEqual(sorted(doc["plots"]["not_drawn"]),
                         sorted(("latency", "improvement", "tlb", "sweep")))
        with open(os.path.join(run, "summary.md")) as f:
            self.assertIn("not drawn (", f.read())

    def test_plot_and_check_say_what_is_missing(self):
        fixture = helpers.fixture("run-a")
        p = run_without("matplotlib", "plot", fixture, "--out", self.out)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("python3-matplotlib", p.stderr)
        p = run_without("jsonschema", "check", os.path.join(fixture, "results.json"))
        self.assertEqual(p.returncode, 1)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
        self.assertIn("python3-jsonschema", p.stderr)


if __name__ == "__main__":
    unittest.main()
