"""Which pair of mappings `pfnbench reproduce` compares, and why. The only place that
decides it.

Preference, best first (the closer to the cover letter's setup, the better):
  1. device-remap vs device-pte: the driver maps with remap_pfn_range() and the running
     kernel carries the PMD PFNMAP series (remap gave PMD leaves);
  2. device-fault vs device-pte: the driver is loaded on a stock kernel (>= 6.12), where
     only the fault path (vmf_insert_pfn_pmd) gives PMD leaves;
  3. thp vs 4k: process memory, transparent huge pages (madvise or always);
  4. hugetlb vs 4k: process memory from the hugetlbfs pool, when THP is off.

Nothing is taken on faith: each candidate is probed by running lat_mem_rd on a small
region of that mapping and reading the mapping report back; the first candidate whose
report shows >= 99 % huge pages wins. The probes' outcomes are recorded with the run.
"""

import json
import os
import subprocess
import tempfile

DEVICE = "/dev/pfnbench"
PROBE_BYTES = "8M"

CANDIDATES = (
    # name, without, with, label, what it needs
    ("device-remap", "device-pte", "device-remap",
     "device-remap vs device-pte (kdriver, remap_pfn_range)", "device"),
    ("device-fault", "device-pte", "device-fault",
     "device-fault vs device-pte (kdriver, huge_fault + vmf_insert_pfn_pmd)", "device"),
    ("thp", "4k", "thp", "thp vs 4k (process memory)", "thp"),
    ("hugetlb", "4k", "hugetlb", "hugetlb vs 4k (process memory, hugetlbfs pool)", "hugetlb"),
)
NAMES = tuple(c[0] for c in CANDIDATES)


class BackendError(Exception):
    pass


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return ""


def thp_mode():
    """'madvise', 'always', 'never' or '' (no THP support)."""
    text = _read("/sys/kernel/mm/transparent_hugepage/enabled")
    for word in text.split():
        if word.startswith("["):
            return word.strip("[]")
    return ""


def hugetlb_free_2m():
    text = _read("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
    return int(text) if text.isdigit() else 0


def precheck(need):
    """'' when the candidate is worth probing, else why not (cheap checks, no probe run)."""
    if need == "device":
        if not os.path.exists(DEVICE):
            return f"{DEVICE} does not exist (kdriver not loaded)"
        if not os.access(DEVICE, os.R_OK | os.W_OK):
            return f"no read/write permission on {DEVICE}"
    elif need == "thp":
        mode = thp_mode()
        if mode in ("", "never"):
            return f"transparent huge pages are {'unsupported' if not mode else 'disabled'}"
    elif need == "hugetlb":
        if hugetlb_free_2m() < 8:
            return ("the 2 MiB hugetlb pool is (nearly) empty; reserve pages with "
                    "echo N > /proc/sys/vm/nr_hugepages")
    return ""


def probe_mapping(lat_mem_rd, mapping, cpu=None, node=None, run=subprocess.run):
    """Maps a small region with `mapping` through lat_mem_rd and returns
    (fraction_huge or None, message) from its mapping report."""
    with tempfile.TemporaryDirectory(prefix="pfnbench-probe-") as tmp:
        out = os.path.join(tmp, "probe.json")
        cmd = [lat_mem_rd, "--mapping", mapping, "--sizes", PROBE_BYTES, "-N", "1",
               "--sample-ms", "0.1", "--json", out]
        if cpu is not None:
            cmd += ["--cpu", str(cpu)]
        if node is not None:
            cmd += ["--node", str(node)]
        res = run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
        if res.returncode != 0:
            lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
            return None, lines[-1] if lines else f"lat_mem_rd exited with {res.returncode}"
        try:
            with open(out, encoding="utf-8") as f:
                doc = json.load(f)
            fractions = [p["report"]["fraction_huge"] for p in doc.get("latency", [])]
        except (OSError, ValueError, KeyError) as e:
            return None, f"probe result unreadable: {e}"
        if not fractions:
            return None, "probe measured nothing"
        frac = min(fractions)
        return frac, f"{frac * 100:.1f}% of {PROBE_BYTES} read back as huge pages"


def choose(lat_mem_rd, forced=None, cpu=None, node=None, probe=probe_mapping,
           check=precheck):
    """Returns {"name", "without", "with", "label", "reason", "probes": [...]}.

    forced: one of NAMES to skip the preference order (still probed, so a forced backend
    that cannot give huge pages fails with the reason instead of producing a false table).
    """
    if forced and forced not in NAMES:
        raise BackendError(f"unknown backend {forced!r} (choose from {', '.join(NAMES)})")
    probes = []
    for name, without, with_, label, need in CANDIDATES:
        if forced and name != forced:
            continue
        why = check(need)
        if why:
            probes.append({"backend": name, "ok": False, "result": why})
            continue
        frac, msg = probe(lat_mem_rd, with_, cpu, node)
        ok = frac is not None and frac >= 0.99
        if name == "device-remap" and frac is not None and not ok:
            msg += " (this kernel does not carry the PMD PFNMAP series)"
        if ok and need == "device":
            # The 4 KiB column must be 4 KiB too: check device-pte once.
            frac_pte, msg_pte = probe(lat_mem_rd, without, cpu, node)
            if frac_pte is None or frac_pte > 0.0:
                ok, msg = False, f"{without}: {msg_pte}"
        probes.append({"backend": name, "ok": ok, "result": msg})
        if ok:
            reason = f"{with_}: {msg}"
            skipped = [f"{p['backend']}: {p['result']}" for p in probes if not p["ok"]]
            if skipped:
                reason += "; not used: " + "; ".join(skipped)
            return {"name": name, "without": without, "with": with_, "label": label,
                    "reason": reason, "probes": probes}
    tried = "; ".join(f"{p['backend']}: {p['result']}" for p in probes)
    raise BackendError(f"no backend gives verified huge mappings here ({tried})")
