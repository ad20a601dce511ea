"""Guest runs broken on purpose, which the verdict must fail, each for its own reason.

Boots kernels through vm/run-vm-tests:
- exit: Debian's 6.12 (the quickest guest), the behaviour tests stop with exit 1 after
  three of their tests;
- warn: 6.12, a WARNING line lands in the kernel log;
- expect-pmd: 6.12 and the stock kernel built from source, remap PMD leaves expected of
  stock kernels, which give PTEs (each of the two verdicts must fail);
- fixture-bug: the remap-PMD fixture kernel with its planted fork bug (fork gives the
  child no deposited page table), which the lifecycle tests and the kernel's checks catch.

usage: planted_runs.py --work DIR [--cases exit,warn,expect-pmd,fixture-bug]
"""
import argparse
import os
import subprocess
import sys

RUN_VM_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "run-vm-tests")

# name: (what the verdict must fail, run-vm-tests arguments, text the output must hold)
CASES = {
    "exit": ("a test program that exits mid-run", ["--kernels", "6.12", "--plant", "exit"],
             ["behaviour_tests: not ok", "3 of "]),
    "warn": ("a WARNING in the kernel log", ["--kernels", "6.12", "--plant", "warn"],
             ["WARNING: planted by run-vm-tests"]),
    "expect-pmd": ("remap PMD leaves expected of stock kernels",
                   ["--kernels", "6.12 source", "--expect-remap", "pmd"],
                   ["maps_reads_and_writes_remap: not ok", "remap-expected: pmd"]),
    "fixture-bug": ("the fixture kernel whose fork deposits no table for the child",
                    ["--kernels", "fixture-bug"],
                    ["remap-expected: pmd", " fork_child_reads_and_writes_remap): "]),
}
DEFAULT_CASES = "exit,warn,expect-pmd"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", required=True, help="a directory for the runs' logs")
    parser.add_argument("--cases", default=DEFAULT_CASES,
                        help=f"comma-separated, of {', '.join(CASES)} (default {DEFAULT_CASES})")
    args = parser.parse_args()
    names = args.cases.split(",")
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}")
    passed = failed = 0
    for number, name in enumerate(names, 1):
        what, run_args, expected = CASES[name]
        work = os.path.join(args.work, name)
        out = subprocess.run([RUN_VM_TESTS, "--work", work] + run_args,
                             capture_output=True, text=True, stdin=subprocess.DEVNULL)
        verdicts = [line for line in out.stdout.splitlines() if line.startswith("verdict:")]
        kernels = len(run_args[run_args.index("--kernels") + 1].split())
        missing = [e for e in expected if out.stdout.count(e) < kernels]
        if out.returncode == 1 and verdicts == ["verdict: failed"] * kernels and not missing:
            passed += 1
            print("\n".join(line for line in out.stdout.splitlines()
                            if line.startswith("not ok ")))
            print(f"ok {number} the verdict fails {what}")
        else:
            failed += 1
            print(out.stdout[-4000:] + out.stderr[-2000:])
            print(f"not ok {number} the verdict fails {what} (exit {out.returncode}, "
                  f"verdicts {verdicts}, not found: {missing})")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
