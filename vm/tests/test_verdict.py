"""The verdict of a guest run: it passes a clean run and fails each kind of broken one."""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import tempfile
import unittest

VERDICT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "verdict")
_loader = importlib.machinery.SourceFileLoader("verdict", VERDICT)
_spec = importlib.util.spec_from_loader("verdict", _loader)
verdict = importlib.util.module_from_spec(_spec)
_loader.exec_module(verdict)

BEHAVIOUR = """\
    KTAP version 1
    1..3
    ok 1 maps_reads_and_writes_pte
    ok 2 maps_reads_and_writes_remap
    ok 3 maps_reads_and_writes_fault # SKIP no huge PFNMAP faults here
    # Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
"""
GOOD_RESULTS = f"""\
KTAP version 1
1..3
# kernel: 7.2.13-pfnbench-debug
# tainted-before: 0
ok 1 module_loads
{BEHAVIOUR}ok 2 behaviour_tests
ok 3 module_unloads
# tainted-after: 12288
"""
GOOD_CONSOLE = """\
[    0.000000] Linux version 7.2.13-pfnbench-debug
[    0.010000] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT
[    1.000000] pfnbench: loading out-of-tree module taints kernel.
PFNBENCH-VM: ok 1 module_loads
PFNBENCH-DMESG-BEGIN
[    0.000000] Linux version 7.2.13-pfnbench-debug
PFNBENCH-DMESG-END
"""


def run(results=GOOD_RESULTS, console=GOOD_CONSOLE, qemu_rc=0):
    findings, _, _ = verdict.judge(results, console, qemu_rc)
    return findings


class CleanRun(unittest.TestCase):
    def test_a_clean_run_passes(self):
        self.assertEqual(run(), [])

    def test_an_out_of_tree_module_may_taint_the_kernel(self):
        self.assertEqual(run(results=GOOD_RESULTS.replace("after: 12288", "after: 4096")), [])


class BrokenResults(unittest.TestCase):
    def assertFails(self, findings, *words):
        self.assertTrue(findings, "the verdict passed a broken run")
        text = "\n".join(findings)
        for word in words:
            self.assertIn(word, text)

    def test_a_test_program_killed_mid_run_fails_although_its_parent_said_ok(self):
        killed = BEHAVIOUR.split("    ok 2")[0]
        results = GOOD_RESULTS.replace(BEHAVIOUR, killed)
        self.assertFails(run(results=results), "1 of 3 planned",
                         "reported ok although its subtests failed")

    def test_a_crash_inside_a_test_program_names_the_running_test(self):
        started = BEHAVIOUR.replace("    ok 2 maps", "    # 2 maps_reads_and_writes_remap\n    ok 2 maps")
        crashed = started.split("    ok 2")[0]
        results = GOOD_RESULTS.replace(BEHAVIOUR, crashed).split("ok 2 behaviour_tests")[0]
        self.assertFails(run(results=results), "1 of 3 planned",
                         "2 (unfinished) subtests: 1 of 3 planned results "
                         "(the run stopped in 2 maps_reads_and_writes_remap)")

    def test_a_program_exiting_non_zero_fails(self):
        results = GOOD_RESULTS.replace("ok 2 behaviour_tests", "not ok 2 behaviour_tests")
        self.assertFails(run(results=results), "2 behaviour_tests: not ok")

    def test_a_failed_subtest_fails(self):
        results = GOOD_RESULTS.replace("    ok 2 maps", "    not ok 2 maps").replace(
            "pass:2 fail:0", "pass:1 fail:1")
        self.assertFails(run(results=results), "maps_reads_and_writes_remap: not ok")

    def test_a_guest_that_stopped_early_fails(self):
        results = GOOD_RESULTS.split("ok 3 module_unloads")[0]
        self.assertFails(run(results=results), "2 of 3 planned")

    def test_results_without_a_plan_fail(self):
        self.assertFails(run(results=GOOD_RESULTS.replace("\n1..3\n", "\n")), "no plan")

    def test_results_out_of_order_fail(self):
        results = GOOD_RESULTS.replace("ok 3 module_unloads", "ok 4 module_unloads")
        self.assertFails(run(results=results), "numbered")

    def test_a_totals_line_that_disagrees_fails(self):
        results = GOOD_RESULTS.replace("pass:2 fail:0", "pass:3 fail:0")
        self.assertFails(run(results=results), "totals line")

    def test_no_results_at_all_fail(self):
        self.assertFails(run(results=""), "no KTAP document")

    def test_a_restarted_guest_fails(self):
        self.assertFails(run(results=GOOD_RESULTS + GOOD_RESULTS), "more than one")

    def test_a_new_taint_fails(self):
        results = GOOD_RESULTS.replace("after: 12288", f"after: {12288 | 1 << 9}")
        self.assertFails(run(results=results), "tainted during the tests with W")

    def test_an_unrecorded_taint_fails(self):
        results = GOOD_RESULTS.replace("# tainted-after: 12288\n", "")
        self.assertFails(run(results=results), "taint")


class BrokenConsole(unittest.TestCase):
    def assertConsoleFails(self, line, what):
        console = GOOD_CONSOLE.replace("PFNBENCH-VM:", line + "\nPFNBENCH-VM:")
        findings = run(console=console)
        self.assertTrue(any(what in f for f in findings), findings)

    def test_a_warning_fails(self):
        self.assertConsoleFails("[    2.0] WARNING: CPU: 1 PID: 80 at mm/memory.c:123", "WARNING")

    def test_a_bug_fails(self):
        self.assertConsoleFails("[    2.0] BUG: Bad page map in process t", "BUG")

    def test_a_splat_names_the_test_that_ran(self):
        console = GOOD_CONSOLE.replace(
            "PFNBENCH-VM:", "# 16 fork_pte\n# 17 fork_remap\n[    5.7] BUG: kernel NULL pointer "
            "dereference\nPFNBENCH-VM:")
        self.assertIn("BUG (during test 17 fork_remap)", "\n".join(run(console=console)))

    def test_a_page_table_check_bug_on_fails(self):
        self.assertConsoleFails("[    2.0] kernel BUG at mm/page_table_check.c:87!", "BUG")

    def test_a_kasan_report_fails(self):
        self.assertConsoleFails("[    2.0] BUG: KASAN: slab-use-after-free in zap_huge_pmd",
                                "BUG")

    def test_a_lockdep_splat_fails(self):
        self.assertConsoleFails("[    2.0] inconsistent lock state", "lockdep")
        self.assertConsoleFails("[    2.0] WARNING: possible circular locking dependency "
                                "detected", "WARNING")

    def test_a_pat_error_fails(self):
        self.assertConsoleFails("[    2.0] x86/PAT: t:80 map pfn RAM range req write-combining "
                                "for [mem 0x1000-0x1fff], got write-back", "x86/PAT error")

    def test_an_oops_and_a_panic_fail(self):
        self.assertConsoleFails("[    2.0] Oops: general protection fault", "oops")
        self.assertConsoleFails("[    2.0] Kernel panic - not syncing: panic_on_warn set",
                                "panic")

    def test_a_guest_that_never_powered_off_fails(self):
        console = GOOD_CONSOLE.split("PFNBENCH-DMESG-END")[0]
        self.assertTrue(any("power-off" in f for f in run(console=console)))

    def test_a_timeout_and_a_qemu_failure_fail(self):
        self.assertTrue(any("ran out of time" in f for f in run(qemu_rc=124)))
        self.assertTrue(any("status 1" in f for f in run(qemu_rc=1)))

    def test_the_old_harness_blind_spot_fails(self):
        # A test program killed mid-run plus a PAT error, which the old harness judged
        # "5 passed, 0 failed".
        results = GOOD_RESULTS.replace(BEHAVIOUR, BEHAVIOUR.split("    ok 2")[0])
        console = GOOD_CONSOLE.replace(
            "PFNBENCH-VM:", "x86/PAT: t:9 freeing invalid memtype [mem 0x0-0xfff]\nPFNBENCH-VM:")
        findings = run(results=results, console=console)
        self.assertTrue(any("planned" in f for f in findings))
        self.assertTrue(any("x86/PAT" in f for f in findings))


# The kernel's selftests/mm/pfnmap run as vm/guest-init nests it: kselftest's TAP with its
# "TAP version" line made a KTAP one, its own "#" diagnostics left as they are.
PFNMAP = """\
    KTAP version 1
    1..3
    # Starting 3 tests from 1 test cases.
    #  RUN           pfnmap.madvise_disallowed ...
    #            OK  pfnmap.madvise_disallowed
    ok 1 pfnmap.madvise_disallowed
    #  RUN           pfnmap.munmap_split ...
    #            OK  pfnmap.munmap_split
    ok 2 pfnmap.munmap_split
    #  RUN           pfnmap.fork ...
    #            OK  pfnmap.fork
    ok 3 pfnmap.fork
    # PASSED: 3 / 3 tests passed.
    # Totals: pass:3 fail:0 xfail:0 xpass:0 skip:0 error:0
"""
PFNMAP_RESULTS = GOOD_RESULTS.replace("ok 3 module_unloads", f"{PFNMAP}ok 3 pfnmap_remap")


class NestedKselftest(unittest.TestCase):
    def test_a_passing_kselftest_passes(self):
        self.assertEqual(run(results=PFNMAP_RESULTS), [])

    def test_a_kselftest_failure_fails_although_its_parent_said_ok(self):
        failed = PFNMAP_RESULTS.replace(
            "    #            OK  pfnmap.munmap_split\n    ok 2",
            "    # pfnmap.c:213:munmap_split:Expected self->addr2 != MAP_FAILED\n"
            "    # munmap_split: Test failed\n"
            "    #          FAIL  pfnmap.munmap_split\n    not ok 2").replace(
            "# PASSED: 3 / 3", "# FAILED: 2 / 3").replace("pass:3 fail:0", "pass:2 fail:1")
        findings = run(results=failed)
        self.assertTrue(any("pfnmap.munmap_split: not ok" in f for f in findings), findings)
        self.assertTrue(any("reported ok although its subtests failed" in f for f in findings))

    def test_a_kselftest_that_skipped_everything_fails(self):
        skipped = PFNMAP_RESULTS.replace(PFNMAP, "    KTAP version 1\n    1..0\n"
                                         "    # pfnmap skipped the whole suite: Cannot mmap\n")
        # "1..0" is a plan met: the step's own "not ok" (guest-init's) is what fails it.
        self.assertEqual(run(results=skipped), [])
        findings = run(results=skipped.replace("ok 3 pfnmap_remap", "not ok 3 pfnmap_remap"))
        self.assertTrue(any("pfnmap_remap: not ok" in f for f in findings), findings)


class CommandLine(unittest.TestCase):
    def test_the_program_says_failed_and_exits_non_zero(self):
        with tempfile.TemporaryDirectory() as tmp:
            res, con = os.path.join(tmp, "r"), os.path.join(tmp, "c")
            with open(res, "w") as f:
                f.write(GOOD_RESULTS)
            with open(con, "w") as f:
                f.write(GOOD_CONSOLE.replace("PFNBENCH-VM:", "WARNING: x\nPFNBENCH-VM:"))
            out = subprocess.run([sys.executable, VERDICT, "--results", res, "--console", con],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 1)
            self.assertEqual(out.stdout.splitlines()[-1], "verdict: failed")
            with open(con, "w") as f:
                f.write(GOOD_CONSOLE)
            out = subprocess.run([sys.executable, VERDICT, "--results", res, "--console", con],
                                 capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout)
            self.assertEqual(out.stdout.splitlines()[-1], "verdict: passed")


if __name__ == "__main__":
    unittest.main()
