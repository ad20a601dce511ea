"""pfnbench reproduce against stand-in programs (tests/plots/fake_tools): the orchestration,
the directory it writes, and what interruptions and failures leave behind. The real
programs are exercised by test_e2e.py."""

import json
import os
import re
import signal
import subprocess
import time
import unittest

import helpers
from pfnres import doc, figures, tables

EXPECTED_FILES = {"latency.txt", "memcpy.txt", "summary.md", "results.json", "latency.png",
                  "improvement.png", "tlb.png", "sweep.png", "sweep-4k.txt", "sweep-thp.txt",
                  "logs"}


def start(out, *extra, env=None, bin_dir=helpers.FAKE_TOOLS, test=None):
    cmd = [helpers.PYTHON, helpers.ENTRY, "reproduce", "--quick", "--out", out,
           "--bin-dir", bin_dir, "--build-dir", os.path.join(out, "no-build"), *extra]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, **(env or {})))
    if test:  # never leave a run behind when a test fails
        test.addCleanup(lambda: (p.poll() is None and p.kill(), p.communicate()))
    return p


def entries(out):
    return sorted(e for e in os.listdir(out) if e != "no-build")


def wait_for(pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def pids_in(log):
    with open(log) as f:
        return [int(m.group(1)) for m in re.finditer(r"^pid=(\d+)", f.read(), re.M)]


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


class Reproduce(helpers.RunDirCase):
    def run_ok(self, *extra, env=None, bin_dir=helpers.FAKE_TOOLS):
        p = start(self.out, *extra, env=dict(env or {}, FAKE_LOG=self.log), bin_dir=bin_dir,
                  test=self)
        stdout, stderr = p.communicate(timeout=120)
        self.assertEqual(p.returncode, 0, stderr)
        return stdout, stderr

    def test_complete_directory(self):
        stdout, stderr = self.run_ok()
        self.assertEqual(stderr, "")  # quiet when piped
        path = stdout.splitlines()[-1]
        # The tables as printed by the programs, then the directory (last line, for scripts).
        self.assertTrue(stdout.startswith("Latency (latency.txt):\nMemory Size (MB)"), stdout)
        self.assertIn("Copy time (memcpy.txt):\nMemory Size (MB)", stdout)
        self.assertEqual(os.path.dirname(path), self.out)
        self.assertRegex(os.path.basename(path), r"^[\w.-]+-\d{8}-\d{6}-thp-quick$")
        self.assertEqual(entries(self.out), [os.path.basename(path)])
        self.assertEqual(set(os.listdir(path)), EXPECTED_FILES)
        logs = sorted(os.listdir(os.path.join(path, "logs")))
        self.assertEqual(len(logs), 5)  # one per program run; their JSON is in results.json
        self.assertTrue(all(name.endswith(".log") for name in logs), logs)
        for name in logs:
            # What a reader can rerun: no absolute path, no temporary directory.
            with open(os.path.join(path, "logs", name)) as f:
                command = f.readline()
            self.assertTrue(command.startswith("$ tests/plots/fake_tools/"), command)
            self.assertNotIn(" /", command)
            self.assertIn(" --json\n" if name == "00-info.log" else " --json logs/", command)
            self.assertNotIn(".tmp-", command)

        d = doc.load(path)
        for name, kind, unit, n in (("latency.txt", "latency", "ns", 3),
                                    ("memcpy.txt", "copy", "ms", 2)):
            with open(os.path.join(path, name)) as f:
                t = tables.parse_table(f.read())
            self.assertEqual((t["unit"], len(t["rows"])), (unit, n))
            self.assertEqual(tables.differences(t, d["tables"][kind]), [])

        self.assertEqual(doc.schema_errors(d), [])
        self.assertEqual(d["tool"], "reproduce")
        self.assertEqual(d["backend"]["name"], "thp")
        self.assertEqual([r["role"] for r in d["runs"]],
                         ["info", "latency-compare", "copy-compare", "sweep", "sweep"])
        # The TLB cost and page walks are the compare run's records (--tlb-cost), one run.
        self.assertEqual(len(d["tlb_cost"]), 6)
        self.assertEqual(len(d["page_walk"]), 3)
        self.assertTrue(all(r["run"] == 1 for r in d["tlb_cost"] + d["page_walk"]))
        self.assertIn("--tlb-cost", d["runs"][1]["command_line"])
        self.assertEqual(len(d["tables"]["latency"]), 3)
        self.assertEqual(len(d["tables"]["copy"]), 2)
        self.assertTrue(all("run" in p for p in d["latency"] + d["copy"]))
        for png in ("latency", "improvement", "tlb", "sweep"):
            self.assertEqual(helpers.png_size(os.path.join(path, png + ".png")),
                             figures.PIXELS)

        with open(os.path.join(path, "summary.md")) as f:
            summary = f.read()
        for text in ("thp vs 4k", "Quick run", "Memory Size (MB) Without Huge Mapping",
                     "16.00 150.000 ns 100.000 ns 33.3%", "64.00 5.76 ms 4.80 ms 16.7%",
                     "6.1.0-fake", "Fake CPU", "enabled: madvise", "every row verified",
                     "| NUMA layout | node 0: CPUs 0-1, 3.9 GiB total, 1.2 GiB free |",
                     "PAPI_TLB_DM: fake: no PMU", "![latency](latency.png)",
                     "./pfnbench reproduce --quick",
                     "lat_mem_rd --compare --backend thp --tlb-cost --cpu",
                     "memcpy_test --compare --without 4k --with thp --cpu"):
            self.assertIn(text, summary)
        with open(os.path.join(path, "sweep-4k.txt")) as f:
            self.assertEqual(f.readline(), '"stride=64\n')

    def test_every_program_is_pinned_to_the_chosen_cpu(self):
        cpu = max(os.sched_getaffinity(0))
        stdout, _ = self.run_ok("--cpu", str(cpu))
        with open(self.log) as f:
            calls = f.read().splitlines()
        self.assertEqual(len(calls), 5)
        for call in calls:
            self.assertIn(f"--cpu {cpu}", call)
        d = doc.load(stdout.splitlines()[-1])
        self.assertEqual(d["placement"]["cpu"], cpu)

    def test_placement_and_caches_are_pfnbench_infos(self):
        # Whatever pfnbench_info says (here a node and caches no machine of ours has) is
        # what every program is pinned to and what the sweep marks: nothing read again.
        stdout, _ = self.run_ok(env={"FAKE_NODE": "7", "FAKE_CACHES": "L1d:12288,L2:3145728"})
        with open(self.log) as f:
            calls = f.read().splitlines()
        self.assertTrue(calls[0].split()[1].endswith("pfnbench_info"), calls[0])
        self.assertNotIn("--cpu", calls[0])  # the default CPU is pfnbench_info's choice
        cpu = min(os.sched_getaffinity(0))   # (the stand-in's choice, as the real one's)
        for call in calls[1:]:
            self.assertIn(f"--cpu {cpu} --node 7", call)
        d = doc.load(stdout.splitlines()[-1])
        self.assertEqual(d["placement"], {"cpu": cpu, "node": 7,
                                          "caches": {"L1d": 12288, "L2": 3145728}})
        fig, _ = figures.sweep_figure(d)
        self.assertEqual(sorted(t.get_text() for t in fig.axes[0].texts), ["L1d 12K", "L2 3M"])

    def test_backend_label_is_the_records(self):
        stdout, _ = self.run_ok(env={"FAKE_LABEL": "LABEL-FROM-THE-RECORD"})
        path = stdout.splitlines()[-1]
        d = doc.load(path)
        self.assertEqual(d["backend"]["label"], "LABEL-FROM-THE-RECORD")
        with open(os.path.join(path, "summary.md")) as f:
            self.assertIn("**Backend:** LABEL-FROM-THE-RECORD: fake: thp reads back", f.read())
        fig, _ = figures.latency_figure(d)
        self.assertIn("backend: LABEL-FROM-THE-RECORD", fig._suptitle.get_text())

    def test_every_step_follows_the_backend_pfnbench_info_chose(self):
        stdout, stderr = self.run_ok(env={"FAKE_BACKENDS": "device-fault,thp"})
        path = stdout.splitlines()[-1]
        self.assertTrue(path.endswith("-device-fault-quick"), path)
        with open(self.log) as f:
            calls = f.read().splitlines()
        self.assertNotIn("--backend", calls[0])  # auto: pfnbench_info chooses
        self.assertIn("lat_mem_rd --compare --backend device-fault --tlb-cost", calls[1])
        self.assertIn("memcpy_test --compare --without device-pte --with device-fault",
                      calls[2])
        self.assertEqual(sum("--mapping device-fault" in c for c in calls[3:]), 1)
        self.assertEqual(sum("--mapping device-pte" in c for c in calls[3:]), 1)
        with open(os.path.join(path, "summary.md")) as f:
            summary = f.read()
        self.assertIn("device-fault vs device-pte (kdriver, huge_fault", summary)
        self.assertIn("not used: device-remap: fake: missing", summary)

    def test_forced_backend(self):
        stdout, _ = self.run_ok("--backend", "hugetlb")
        self.assertTrue(stdout.splitlines()[-1].endswith("-hugetlb-quick"))
        with open(self.log) as f:
            calls = f.read().splitlines()
        self.assertIn("pfnbench_info --backend hugetlb", calls[0])
        self.assertIn("lat_mem_rd --compare --backend hugetlb", calls[1])
        p = start(self.out, "--backend", "device-remap", test=self)
        _, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertIn("unavailable: no backend gives huge pages here (device-remap", stderr)
        self.assertEqual(len(entries(self.out)), 1)  # only the first, complete run

    def test_rows_that_did_not_verify_are_kept_and_flagged(self):
        # THP comes back as 4 KiB pages: the programs mark the rows and exit non-zero.
        stdout, stderr = self.run_ok(env={"FAKE_NO_HUGE": "thp"})
        self.assertIn("warning: latency table and TLB cost, thp vs 4k: 3 row(s) did not get "
                      "the mapping", stderr)
        self.assertIn("warning: copy table, thp vs 4k: 2 row(s) did not get the mapping",
                      stderr)
        path = stdout.splitlines()[-1]
        with open(os.path.join(path, "summary.md")) as f:
            summary = f.read()
        self.assertIn("**rows that did not verify:** 16.00 MiB: with: 0.0% 2M", summary)
        d = doc.load(path)
        self.assertEqual([r["exit_code"] for r in d["runs"][:3]], [0, 1, 1])
        fig, _ = figures.improvement_figure(d)
        self.assertTrue(all(b.get_hatch() == "//" for b in fig.axes[0].patches))

    def test_bad_cpu_is_refused_before_anything_runs(self):
        p = start(self.out, "--cpu", "4096", test=self)
        _, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1)
        # pfnbench_info decides which CPUs exist and may be used, and says so.
        self.assertIn("pfnbench_info: error: CPU 4096 is outside this process's affinity",
                      stderr)
        self.assertEqual(stderr.count("\n"), 1)
        self.assertEqual(entries(self.out), [])

    def test_a_failing_program_leaves_only_its_log(self):
        # No run directory, complete-looking or not; the failing program's log, where the
        # one-line error says it is, outside the temporary directory that is removed.
        for role, tool in (("compare", "lat_mem_rd"), ("sweep", "lat_mem_rd"),
                           ("copy", "memcpy_test")):
            p = start(self.out, test=self, env={"FAKE_FAIL": role})
            _, stderr = p.communicate(timeout=60)
            self.assertEqual(p.returncode, 1, role)
            lines = stderr.splitlines()
            self.assertEqual(len(lines), 1, stderr)
            self.assertIn(f"{tool}: error: fake failure in the {role} run", lines[0])
            m = re.search(r"; no run directory was written; the failing program's log: "
                          r"(\S+)$", lines[0])
            self.assertTrue(m, lines[0])
            log = m.group(1)
            self.assertEqual(os.path.dirname(log), self.out)
            self.assertRegex(os.path.basename(log), r"^[\w.-]+-\d{8}-\d{6}-failed\.log$")
            self.assertEqual(entries(self.out), [os.path.basename(log)], role)
            with open(log) as f:
                text = f.read()
            self.assertTrue(text.startswith(f"$ tests/plots/fake_tools/{tool} "), text)
            self.assertIn(f"--- stderr\n{tool}: fake progress before the failure\n"
                          f"{tool}: error: fake failure in the {role} run\n", text)
            os.remove(log)

    def test_a_failure_said_in_one_line_leaves_nothing(self):
        # The stand-in pfnbench_info fails with its error line alone: a log would say no
        # more than the error, so none is kept (as for a refused --cpu).
        p = start(self.out, test=self, env={"FAKE_FAIL": "info"})
        _, stderr = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(stderr, "pfnbench reproduce: error: pfnbench_info failed (exit 1) "
                         "during placement and backend: pfnbench_info: error: fake failure "
                         "in the info run\n")
        self.assertEqual(entries(self.out), [])

    def test_interruption_leaves_no_directory_and_no_program(self):
        for sig, rc in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            if os.path.exists(self.log):
                os.remove(self.log)
            p = start(self.out, test=self, env={"FAKE_SLEEP": "60", "FAKE_LOG": self.log})
            wait_for(lambda: os.path.exists(self.log) and len(pids_in(self.log)) >= 1,
                     "the first measurement to start")
            self.assertTrue(any(e.startswith(".tmp-") for e in entries(self.out)))
            p.send_signal(sig)
            _, stderr = p.communicate(timeout=60)
            self.assertEqual(p.returncode, rc, stderr)
            self.assertIn("interrupted", stderr)
            self.assertEqual(entries(self.out), [], sig)
            for pid in pids_in(self.log):
                wait_for(lambda: not alive(pid), f"program {pid} to end", timeout=10)

    def test_interruption_while_plotting(self):
        # Every program done, the run is in its last step: still all or nothing.
        p = start(self.out, test=self)
        def last_program_done():
            for e in entries(self.out):
                try:
                    with open(os.path.join(self.out, e, "logs", "04-sweep.log")) as f:
                        if "--- stderr" in f.read():
                            return True
                except OSError:
                    pass
            return p.poll() is not None
        wait_for(last_program_done, "the last program to finish")
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=60)
        left = entries(self.out)
        if left:
            # The signal came after the rename (or during the interpreter's exit): the run
            # was complete, and so is its directory. The exit status may show the signal.
            self.assertEqual(len(left), 1, left)
            self.assertFalse(left[0].startswith(".tmp-"), left)
            self.assertEqual(set(os.listdir(os.path.join(self.out, left[0]))), EXPECTED_FILES)
            self.assertNotIn("Traceback", stderr)
        else:
            self.assertEqual(p.returncode, 130, stderr)

    def test_missing_memcpy_test_is_reported_not_hidden(self):
        bin_dir = os.path.join(self.out, "no-build", "bin")
        os.makedirs(bin_dir)
        for tool in ("lat_mem_rd", "pfnbench_info"):
            os.symlink(os.path.join(helpers.FAKE_TOOLS, tool), os.path.join(bin_dir, tool))
        stdout, stderr = self.run_ok(bin_dir=bin_dir)
        self.assertIn("warning: skipping the copy table", stderr)
        path = stdout.splitlines()[-1]
        self.assertNotIn("memcpy.txt", os.listdir(path))
        with open(os.path.join(path, "summary.md")) as f:
            self.assertIn("**Not run:** copy table, thp vs 4k: memcpy_test is not built", f.read())

    def test_stale_temporary_directory_is_removed(self):
        dead = subprocess.Popen(["true"])
        dead.wait()
        stale = os.path.join(self.out, f".tmp-reproduce-{dead.pid}")
        os.makedirs(os.path.join(stale, "logs"))
        self.run_ok()
        self.assertFalse(os.path.exists(stale))

    def test_plot_and_compare_on_reproduced_runs(self):
        a = self.run_ok()[0].splitlines()[-1]
        b = self.run_ok()[0].splitlines()[-1]
        self.assertNotEqual(a, b)
        os.remove(os.path.join(a, "latency.png"))
        res = subprocess.run([helpers.PYTHON, helpers.ENTRY, "plot", a],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(helpers.png_size(os.path.join(a, "latency.png")), figures.PIXELS)
        res = subprocess.run([helpers.PYTHON, helpers.ENTRY, "compare", a, b],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 0, res.stderr)
        row = next(l for l in res.stdout.splitlines() if l.strip().startswith("16.00"))
        self.assertIn("+0.0 pp", row)
        with open(os.path.join(a, "results.json")) as f:
            self.assertEqual(json.load(f)["plots"]["reference"], "cover-letter")


if __name__ == "__main__":
    unittest.main()
