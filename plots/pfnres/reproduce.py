"""`pfnbench reproduce`: runs the cover letter's two tables (and the curves around them) on
this machine and writes one self-contained, atomic result directory.

All measuring and every decision about the machine is done by the C++ programs:
pfnbench_info --json says where to run (CPU, node, that CPU's caches) and which backend
to compare, and lat_mem_rd and memcpy_test measure on it. This module runs them in turn,
every one pinned alike, shows progress, merges their JSON documents, and writes
latency.txt, memcpy.txt, summary.md, results.json and the plots into
<out>/<host>-<date>-<backend>[-quick]/ through a temporary directory that is renamed into
place only when everything is written. SIGINT/SIGTERM/SIGHUP stop the running program and
remove the temporary directory, so an interrupted run leaves nothing behind. A program that
fails ends the run the same way, except that its log is kept, as
<out>/<host>-<date>-failed.log, and the error names it (unless the error line says it all).
"""

import argparse
import datetime
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from . import backend as backendmod
from . import doc as docmod
from . import summary as summarymod
from .progress import Progress

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMP_PREFIX = ".tmp-"
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

# The runs, full and --quick. Sizes follow the cover letter: latency 64M..4096M (the
# defaults of lat_mem_rd --compare, each size's TLB cost measured in the same regions),
# copy 1024M..4096M (memcpy_test's defaults), and the published sweep command
# `lat_mem_rd -t 4096M` once per mapping.
FULL = {"lat_sizes": None, "copy_sizes": None, "sweep_size": "4096M", "reps": None,
        "sample_ms": None}
QUICK = {"lat_sizes": "16M,32M,64M", "copy_sizes": "64M,128M", "sweep_size": "64M",
         "reps": "3", "sample_ms": "1"}
# Rough seconds per step on the development machine, only for "time left".
ESTIMATES = {False: {"info": 0.5, "latency-compare": 40, "copy-compare": 25, "sweep": 50,
                     "finish": 6},
             True: {"info": 0.5, "latency-compare": 3, "copy-compare": 2, "sweep": 4,
                    "finish": 2}}


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class StopFlag:
    """SIGINT/SIGTERM/SIGHUP handling. The handler only records the signal and stops the
    running program (its own process group); the run notices at its check points
    (after each program, between figures, before the final rename) and unwinds from there.
    Raising from the handler instead could surface anywhere, even wrapped in a library's
    exception halfway through an import."""

    def __init__(self):
        self.signum = None
        self.runner = None
        self.saved = {}

    def install(self):
        self.saved = {s: signal.getsignal(s) for s in SIGNALS}
        for s in SIGNALS:
            signal.signal(s, self._handler)

    def restore(self):
        """With signals blocked: deliver any pending one to a no-op, then restore."""
        for s in SIGNALS:
            signal.signal(s, lambda *_: None)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
        for s, h in self.saved.items():
            signal.signal(s, h)

    def _handler(self, signum, _frame):
        if self.signum is None:
            self.signum = signum
        if self.runner:
            self.runner.signal_child(signal.SIGINT)

    def check(self):
        if self.signum is not None:
            raise Interrupted(self.signum)


class RunError(Exception):
    """A run that cannot go on. log: the failing program's log in the temporary directory,
    which main() keeps (keep_log) before removing the rest, or None."""

    def __init__(self, message, log=None):
        super().__init__(message)
        self.log = log


class Step:
    def __init__(self, role, tool, args, what, table=None, stderr_file=None, required=True,
                 json_stdout=False):
        self.role, self.tool, self.args, self.what = role, tool, args, what
        self.table = table              # file name in the run dir for --table
        self.stderr_file = stderr_file  # keep the program's stderr (lmbench text) here
        self.required = required
        self.json_stdout = json_stdout  # --json prints the document (pfnbench_info)


# --- where things are ---------------------------------------------------------------

def find_tool(name, bin_dir=None, build_dir=None):
    """Path of a built program, or None. bin_dir first (tests), then the build tree."""
    candidates = []
    if bin_dir:
        candidates.append(os.path.join(bin_dir, name))
    build = build_dir or os.environ.get("PFNBENCH_BUILD") or os.path.join(REPO, "build")
    candidates += [os.path.join(build, name, name), os.path.join(build, "tools", name),
                   os.path.join(build, "bin", name), os.path.join(build, name)]
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def run_name(host, when):
    """<host>-<YYYYmmdd-HHMMSS>, what a run directory's (and a failed run's log's) name
    starts with."""
    host = "".join(c if c.isalnum() or c in "-_." else "_" for c in host) or "host"
    return f"{host}-{when.strftime('%Y%m%d-%H%M%S')}"


def run_dir_name(host, when, backend_name, quick):
    return f"{run_name(host, when)}-{backend_name}" + ("-quick" if quick else "")


def keep_log(log, out_dir):
    """Moves the failing program's log (its command line, stdout and stderr) out of the
    temporary directory, which is removed, to <out>/<host>-<date>-failed.log: one file,
    which no one can take for a run directory. Says where it went, or why not."""
    when = datetime.datetime.now(datetime.timezone.utc)
    path = unique_path(os.path.join(out_dir, run_name(socket.gethostname(), when) + "-failed"),
                       ".log")
    try:
        os.rename(log, path)
    except OSError as e:
        return f"the failing program's log could not be kept: {e}"
    return f"the failing program's log: {path}"


def clean_stale(out_dir):
    """Removes temporary directories of earlier runs that were killed (SIGKILL, power)."""
    try:
        entries = os.listdir(out_dir)
    except OSError:
        return
    for entry in entries:
        if not entry.startswith(TMP_PREFIX):
            continue
        pid = entry.rsplit("-", 1)[-1]
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                continue  # that run is still going
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
        shutil.rmtree(os.path.join(out_dir, entry), ignore_errors=True)


# --- the plan ------------------------------------------------------------------------

def _common(quick, cpu, node):
    p = QUICK if quick else FULL
    place = ["--cpu", str(cpu)] + (["--node", str(node)] if node is not None else [])
    reps = (["-N", p["reps"]] if p["reps"] else []) + \
        (["--sample-ms", p["sample_ms"]] if p["sample_ms"] else [])
    return p, place, reps


def info_step(cpu, forced):
    """What the machine gives: the placement every program is pinned to (the first
    allowed CPU unless --cpu, its node, its caches) and the backend (probed by mapping
    memory, or the forced one checked), all decided by the core."""
    return Step("info", "pfnbench_info",
                (["--cpu", str(cpu)] if cpu is not None else [])
                + (["--backend", forced] if forced else []),
                "placement and backend", json_stdout=True)


def latency_step(backend, quick, cpu, node):
    """The latency table on the backend pfnbench_info chose (lat_mem_rd checks that its
    mappings read back as promised), with each size's TLB cost measured in the same
    regions (--tlb-cost: the TLB cost and page-walk records)."""
    p, place, reps = _common(quick, cpu, node)
    return Step("latency-compare", "lat_mem_rd",
                ["--compare", "--backend", backend["name"], "--tlb-cost"] + place + reps
                + (["--sizes", p["lat_sizes"]] if p["lat_sizes"] else []),
                f"latency table and TLB cost, {backend['with']} vs {backend['without']}",
                table="latency.txt")


def later_steps(backend, quick, cpu, node):
    """Everything after the latency table, on the backend's two mappings."""
    p, place, reps = _common(quick, cpu, node)
    wo, wi = backend["without"], backend["with"]
    steps = [Step("copy-compare", "memcpy_test",
                  ["--compare", "--without", wo, "--with", wi] + place
                  + (["--reps", p["reps"]] if p["reps"] else [])
                  + (["--sizes", p["copy_sizes"]] if p["copy_sizes"] else []),
                  f"copy table, {wi} vs {wo}", table="memcpy.txt", required=False)]
    for mapping in (wo, wi):
        steps.append(Step("sweep", "lat_mem_rd",
                          ["-t", "--mapping", mapping] + place + reps + [p["sweep_size"]],
                          f"sweep lat_mem_rd -t {p['sweep_size']} on {mapping}",
                          stderr_file=f"sweep-{mapping}.txt"))
    return steps


# --- running -------------------------------------------------------------------------

class Runner:
    def __init__(self, tmp, progress, stop):
        self.tmp, self.progress, self.stop = tmp, progress, stop
        self.child = None
        os.makedirs(os.path.join(tmp, "logs"), exist_ok=True)

    def run(self, index, step, binary):
        json_path = os.path.join(self.tmp, "logs", f"{index:02d}-{step.role}.json")
        cmd = [binary] + step.args + (["--json"] if step.json_stdout else ["--json", json_path])
        if step.table:
            cmd += ["--table", os.path.join(self.tmp, step.table)]
        log_path = os.path.join(self.tmp, "logs", f"{index:02d}-{step.role}.log")
        started = time.monotonic()
        with open(log_path, "w", encoding="utf-8") as log:
            # The outputs named relative to the run directory: a committed run names no
            # path of the machine it ran on, nor the temporary directory it was written in.
            shown = cmd_for_humans(binary, step) + (
                ["--json"] if step.json_stdout else ["--json", os.path.relpath(json_path,
                                                                                self.tmp)])
            if step.table:
                shown += ["--table", step.table]
            log.write("$ " + shlex.join(shown) + "\n")
            log.flush()
            self.stop.check()
            # Its own session: a terminal's Ctrl-C reaches us, and we stop the program.
            # (Signals are not blocked around this: the program would inherit the mask.)
            self.child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True, start_new_session=True)
            if self.stop.signum is not None:  # came before self.child was known
                self.signal_child(signal.SIGINT)
            err_lines = []
            reader = threading.Thread(target=self._pump, args=(self.child.stderr, err_lines))
            reader.daemon = True
            reader.start()
            out = self.child.stdout.read()
            rc = self.child.wait()
            reader.join()
            self.child = None
            log.write("--- stdout\n" + out + "--- stderr\n" + "".join(err_lines))
        self.stop.check()  # the program was stopped by a signal: its results do not count
        if step.stderr_file:
            with open(os.path.join(self.tmp, step.stderr_file), "w", encoding="utf-8") as f:
                f.write("".join(err_lines))
        last = [ln.strip() for ln in err_lines if ln.strip()]
        # A failure keeps the log (see keep_log) only when it says more than the error
        # line will: a refused --cpu says all in one line, a run that died midway does not.
        log_if_more = log_path if out.strip() or len(last) > 1 else None
        result = None
        if step.json_stdout and rc == 0:
            try:
                result = json.loads(out)
            except ValueError as e:
                raise RunError(f"{step.tool} --json printed no JSON: {e}", log_if_more) from None
            out = ""  # the log keeps it; the results document keeps what was taken from it
        elif os.path.exists(json_path):
            try:
                with open(json_path, encoding="utf-8") as f:
                    result = json.load(f)
            except (OSError, ValueError) as e:
                raise RunError(f"{step.tool} wrote an unreadable --json file: {e}",
                               log_if_more) from None
        warning = ""
        if rc != 0:
            # A compare run whose rows did not all verify still writes its table (the rows
            # marked) and its JSON, then exits non-zero: keep it, and say so loudly.
            mismatched = [r for rows in (result or {}).get("tables", {}).values()
                          for r in rows if r.get("mismatch")]
            if not (step.table and mismatched):
                raise RunError(f"{step.tool} failed (exit {rc}) during {step.what}: "
                               f"{last[-1] if last else 'no message'}", log_if_more)
            warning = (f"{step.what}: {len(mismatched)} row(s) did not get the mapping "
                       f"their column claims ({last[-1] if last else 'see the table'})")
        if result is None:
            raise RunError(f"{step.tool} wrote no --json file during {step.what}", log_if_more)
        if os.path.exists(json_path):
            os.remove(json_path)  # merged into results.json; the log keeps the command line
        return {"tool": step.tool, "role": step.role, "what": step.what,
                "command_line": cmd_for_humans(binary, step) + (["--json"] if step.json_stdout
                                                                else []), "exit_code": rc,
                "warning": warning, "stdout": out,
                "seconds": round(time.monotonic() - started, 2)}, result

    def _pump(self, stream, lines):
        for line in stream:
            lines.append(line)
            if line.strip():
                self.progress.note(line)

    def signal_child(self, sig):
        child = self.child
        if child is not None and child.returncode is None:
            try:
                os.killpg(child.pid, sig)
            except ProcessLookupError:
                pass

    def stop_child(self):
        """Makes sure no program of ours outlives the run: SIGINT, then SIGKILL."""
        child = self.child
        if child is None or child.poll() is not None:
            return
        for sig in (signal.SIGINT, signal.SIGKILL):
            self.signal_child(sig)
            try:
                child.wait(5)
                return
            except subprocess.TimeoutExpired:
                continue


def cmd_for_humans(binary, step):
    """The command a reader can rerun: repo-relative binary, no temporary output files."""
    rel = os.path.relpath(binary, REPO)
    shown = rel if not rel.startswith("..") else binary
    return [shown] + step.args


# --- merging -------------------------------------------------------------------------

# What the programs' documents list, merged: every point and record, tagged with its run.
RECORDS = ("latency", "copy", "tlb_cost", "page_walk")


def merge(docs, runs, backend, argv, quick, reference, placement):
    """One results document from the programs' documents (every point and record, tagged
    with the index of the run that measured it in "runs"). The placement (with its CPU's
    caches) and the backend are pfnbench_info's, which every run followed."""
    base = next((d for d, r in zip(docs, runs) if r["role"] == "latency-compare"), None)
    merged = {"schema": docmod.SCHEMA_ID, "tool": "reproduce", "command_line": argv,
              "system": dict((base or {}).get("system", {})), "placement": placement,
              "backend": backend, "quick": quick, "runs": runs,
              **{kind: [] for kind in RECORDS}, "tables": {},
              "plots": {"reference": reference}}
    for i, d in enumerate(docs):
        if d is None or runs[i]["role"] == "info":
            continue
        for kind in RECORDS:
            for point in d.get(kind, []):
                merged[kind].append(dict(point, run=i))
        for kind, rows in d.get("tables", {}).items():
            merged["tables"].setdefault(kind, []).extend(rows)
    return merged


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)


# --- the command ---------------------------------------------------------------------

def add_arguments(ap):
    ap.add_argument("--quick", action="store_true",
                    help="reduced run (small sizes, few repetitions), under a minute")
    ap.add_argument("--cpu", type=int, default=None,
                    help="CPU to pin every measurement to (default: the first allowed CPU, "
                         "as pfnbench_info resolves it)")
    ap.add_argument("--backend", default="auto", metavar="NAME",
                    help="mappings to compare: auto (default: the best one available, see "
                         "results/README.md) or one of the backends `./pfnbench info "
                         "--json` lists")
    ap.add_argument("--out", default=os.path.join(REPO, "results"),
                    help="directory the run directory is created in (default: results/)")
    ap.add_argument("--reference", default="cover-letter",
                    help="published curve to overlay on the plots, or 'none'")
    ap.add_argument("--build-dir", default=None,
                    help="build tree holding lat_mem_rd and memcpy_test "
                         "(default: $PFNBENCH_BUILD or build/)")
    ap.add_argument("--bin-dir", default=None, help=argparse.SUPPRESS)  # tests: fake tools


def main(args, argv):
    stop = StopFlag()
    stop.install()
    tmp = None
    runner = None
    progress = Progress([])
    try:
        try:
            info = find_tool("pfnbench_info", args.bin_dir, args.build_dir)
            if not info:
                raise RunError("pfnbench_info is not built (run ./pfnbench build, or pass "
                               "--build-dir)")
            if not find_tool("lat_mem_rd", args.bin_dir, args.build_dir):
                raise RunError("lat_mem_rd is not built (run ./pfnbench build, or pass "
                               "--build-dir)")
            reference = None if args.reference == "none" else args.reference
            if reference:
                docmod.load_reference(reference)  # fail early on a typo
            os.makedirs(args.out, exist_ok=True)
            clean_stale(args.out)
            tmp = os.path.join(args.out, f"{TMP_PREFIX}reproduce-{os.getpid()}")
            os.mkdir(tmp)

            forced = None if args.backend == "auto" else args.backend
            first = info_step(args.cpu, forced)
            # The later steps' shape does not depend on the placement or backend.
            any_pair = {"name": "?", "without": "?", "with": "?"}
            shape = [latency_step(any_pair, args.quick, 0, 0)] + \
                later_steps(any_pair, args.quick, 0, 0)
            built = {t: find_tool(t, args.bin_dir, args.build_dir)
                     for t in {s.tool for s in [first] + shape}}
            progress = Progress([ESTIMATES[args.quick][s.role] for s in [first] + shape
                                 if built[s.tool]] + [ESTIMATES[args.quick]["finish"]])
            with progress:
                runner = stop.runner = Runner(tmp, progress, stop)
                docs, runs, skipped = measure(runner, progress, [first], [info])
                facts = docs[0]
                placement = facts.get("placement") or {}
                if not isinstance(placement.get("cpu"), int) or \
                        not isinstance(placement.get("node"), int):
                    raise RunError("pfnbench_info --json gave no placement (cpu, node)")
                cpu, node = placement["cpu"], placement["node"]
                backend = backendmod.from_record(facts.get("backend"))
                progress.message(f"backend: {backendmod.describe(backend)}")
                steps = [latency_step(backend, args.quick, cpu, node)] + \
                    later_steps(backend, args.quick, cpu, node)
                more = measure(runner, progress, steps, [built[s.tool] for s in steps],
                               first_index=len(runs))
                docs, runs, skipped = docs + more[0], runs + more[1], skipped + more[2]
                progress.step("results.json, plots, summary.md")
                merged = merge(docs, runs, backend, argv, args.quick, reference, placement)
                merged["skipped"] = skipped
                when = datetime.datetime.now(datetime.timezone.utc)
                final = unique_path(os.path.join(args.out, run_dir_name(
                    socket.gethostname(), when, backend["name"], args.quick)))
                no_plots = plots_unavailable()
                if no_plots:
                    progress.message(f"warning: no plots: {no_plots}; the tables, "
                                     "results.json and summary.md are written", always=True)
                write_outputs(tmp, merged, reference, argv, os.path.basename(final), stop,
                              no_plots)
                progress.finish()
            finalize(tmp, final, stop)
            tmp = None
            print_results(final)
            return 0
        except Interrupted as e:
            signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
            progress.close()
            print(f"pfnbench reproduce: interrupted ({e}); nothing was written",
                  file=sys.stderr)
            return 128 + e.signum
        except (RunError, backendmod.BackendError, docmod.DocError, OSError) as e:
            signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
            progress.close()
            if stop.signum is not None:  # e.g. the probe died of the same Ctrl-C
                print(f"pfnbench reproduce: interrupted ({signal.Signals(stop.signum).name});"
                      " nothing was written", file=sys.stderr)
                return 128 + stop.signum
            kept = ""
            if isinstance(e, RunError) and e.log:
                kept = "; no run directory was written; " + keep_log(e.log, args.out)
            print(f"pfnbench reproduce: error: {e}{kept}", file=sys.stderr)
            return 1
        finally:
            # No second signal may cut the cleanup short.
            signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
            if runner:
                runner.stop_child()
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        stop.restore()


def print_results(final):
    """The tables on stdout, then the run directory as the last line (for scripts)."""
    for name, title in (("latency.txt", "Latency"), ("memcpy.txt", "Copy time")):
        path = os.path.join(final, name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                print(f"{title} ({name}):\n{f.read().rstrip()}\n")
    print(final, flush=True)


def measure(runner, progress, steps, binaries, first_index=0):
    """Runs every step whose program is built. Returns (documents, runs, skipped)."""
    docs, runs, skipped = [], [], []
    for step, binary in zip(steps, binaries):
        if not binary:
            if step.required:
                raise RunError(f"{step.tool} is not built")
            skipped.append(f"{step.what}: {step.tool} is not built")
            progress.message(f"warning: skipping the {step.what}: {step.tool} is not built",
                             always=True)
            continue
        progress.step(step.what)
        run, result = runner.run(first_index + len(runs), step, binary)
        if run["warning"]:
            progress.message(f"warning: {run['warning']}", always=True)
        runs.append(run)
        docs.append(result)
    return docs, runs, skipped


# The figures write_outputs draws (figures.FIGURES, named here so that a machine without
# matplotlib can still say which were not drawn).
FIGURE_NAMES = ("latency", "improvement", "tlb", "sweep")


def plots_unavailable():
    """Why this python cannot draw (matplotlib missing), or "" when it can. A bundle
    (tools/bundle) may run on a machine whose python3 has no matplotlib."""
    try:
        from . import figures  # noqa: F401  (matplotlib only when needed)
    except ImportError as e:
        return (f"{sys.executable} cannot import matplotlib ({e}; Debian: apt-get install "
                "python3-matplotlib)")
    return ""


def write_outputs(tmp, merged, reference, argv, name, stop, no_plots=""):
    """The plots (unless no_plots says why not), results.json and summary.md of a run,
    into its temporary directory."""
    ref = docmod.load_reference(reference) if reference else None
    drawn = []
    if no_plots:
        drawn = [(figure, None, no_plots) for figure in FIGURE_NAMES]
    else:
        from . import figures
        for figure in figures.FIGURES:
            stop.check()
            drawn += figures.write_all(merged, tmp, ref, only=(figure,))
    stop.check()
    merged["plots"]["figures"] = {n: (os.path.basename(p) if p else None) for n, p, _ in drawn}
    merged["plots"]["not_drawn"] = {n: why for n, p, why in drawn if not p}
    write_json(os.path.join(tmp, "results.json"), merged)
    summarymod.write(tmp, merged, argv, name)


def finalize(tmp, final, stop):
    """Renames the complete temporary directory into place. Signals stay blocked from here
    on (main() unblocks them at its very end), so the directory is either fully there or
    not at all, and an interruption after the rename is not reported as a failure."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    stop.check()
    # rename() onto an existing empty directory would succeed: rule that out first.
    if os.path.exists(final):
        raise RunError(f"{final} appeared while this run was finishing; "
                       "this run's results were not kept")
    os.rename(tmp, final)


def unique_path(path, suffix=""):
    """path + suffix, or path-2 + suffix, path-3 + suffix... when runs share a name (same
    host, second, backend)."""
    n = 1
    candidate = path + suffix
    while os.path.exists(candidate):
        n += 1
        candidate = f"{path}-{n}{suffix}"
    return candidate
