"""Guest runs broken on purpose, which the verdict must fail, each for its own reason.

Boots Debian's 6.12 kernel (the quickest of the matrix) through vm/run-vm-tests:
- --plant exit: the behaviour tests stop with exit 1 after three of their tests;
- --plant warn: a WARNING line lands in the kernel log;
- --expect-remap pmd: the stock kernel gives remap PTEs, which the tests must refuse.

usage: planted_runs.py --work DIR
"""
import argparse
import os
import subprocess
import sys

RUN_VM_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "run-vm-tests")

CASES = [
    ("a test program that exits mid-run", ["--plant", "exit"],
     ["behaviour_tests: not ok", "3 of "]),
    ("a WARNING in the kernel log", ["--plant", "warn"],
     ["WARNING: planted by run-vm-tests"]),
    ("remap PMD leaves expected of a stock kernel", ["--expect-remap", "pmd"],
     ["maps_reads_and_writes_remap: not ok", "remap-expected: pmd"]),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, help="a directory for the runs' logs")
    args = parser.parse_args()
    passed = failed = 0
    for number, (what, extra, expected) in enumerate(CASES):
        work = os.path.join(args.work, str(number))
        out = subprocess.run([RUN_VM_TESTS, "--kernels", "6.12", "--work", work] + extra,
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
        verdicts = [line for line in out.stdout.splitlines() if line.startswith("verdict:")]
        missing = [e for e in expected if e not in out.stdout]
        if out.returncode == 1 and verdicts == ["verdict: failed"] and not missing:
            passed += 1
            print(f"ok {number + 1} the verdict fails {what}")
        else:
            failed += 1
            print(out.stdout[-4000:] + out.stderr[-2000:])
            print(f"not ok {number + 1} the verdict fails {what} (exit {out.returncode}, "
                  f"verdicts {verdicts}, not found: {missing})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
