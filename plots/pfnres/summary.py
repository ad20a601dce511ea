"""summary.md of a run directory: both tables as the programs printed them, the machine
facts a reviewer needs to judge them, how the mappings were verified, counters, plots, and
the commands to rerun."""

import os
import shlex

from . import backend as backendmod

# The checkout (or unpacked bundle) these plots/ belong to.
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def front_end():
    """The command a reader reruns with: ./pfnbench in a checkout, ./run in a bundle
    (tools/bundle, which carries BUNDLE-INFO)."""
    return "./run" if os.path.exists(os.path.join(TOP, "BUNDLE-INFO")) else "./pfnbench"


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def _counters(doc):
    """(events that counted, {reason: [events]}) over every point of the run."""
    counted, missing = set(), {}
    for p in doc.get("latency", []) + doc.get("copy", []):
        c = p.get("counters") or {}
        counted.update(c.get("values", {}))
        for event, why in c.get("unavailable", {}).items():
            missing.setdefault(why, set()).add(event)
    return sorted(counted), {k: sorted(v) for k, v in sorted(missing.items())}


def _verification(doc, kind):
    rows = doc.get("tables", {}).get(kind, [])
    if not rows:
        return None
    methods = set()
    for r in rows:
        for side in ("without_report", "with_report"):
            rep = r.get(side) or {}
            if rep.get("method"):
                methods.add(rep["method"])
    bad = [r for r in rows if r.get("mismatch")]
    wi = min((r["with_report"]["fraction_huge"] for r in rows), default=0) * 100
    wo_max = max((r["without_report"]["fraction_huge"] for r in rows), default=0) * 100
    text = (f"{len(rows)} rows; huge pages read back: without column at most {wo_max:.1f}%, "
            f"with column at least {wi:.1f}% (read by {', '.join(sorted(methods)) or '?'})")
    if bad:
        text += "; **rows that did not verify:** " + "; ".join(
            f"{r['size_mib']:.2f} MiB: {r['mismatch']}" for r in bad)
    else:
        text += "; every row verified"
    return text


def _compare_points(doc):
    """The latency points the latency table was made of: every point of a lat_mem_rd
    document, the latency-compare run's of a reproduce one."""
    runs = doc.get("runs")
    return [p for p in doc.get("latency", [])
            if runs is None or ("run" in p and p["run"] < len(runs)
                                and runs[p["run"]].get("role") == "latency-compare")]


def _region(doc):
    """Which region the latency table's rows lived in, and the first-touch order."""
    points = _compare_points(doc)
    regions = {p.get("region_bytes") for p in points}
    if not points or None in regions:
        return None
    if len(regions) > 1:
        where = "each row was measured in a region of its own size"
    else:
        mib = regions.pop() / 2**20
        if {p.get("chain") for p in points} == {"thrash"}:
            where = (f"every row was measured inside one {mib:.0f} MiB region per mapping "
                     f"(lmbench `-t {mib:.0f}M` semantics: a row's pages are drawn from the "
                     f"whole region, so a smaller row reads slower than in a region of its "
                     f"own size)")
        else:
            where = f"every row was measured in the first bytes of one {mib:.0f} MiB region"
    orders = sorted({p.get("first_touch", "address") for p in points})
    return f"{where}; pages first touched in {' and '.join(orders)} order"


def _span(values):
    lo, hi = min(values) * 100, max(values) * 100
    return f"{lo:.1f}%" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}-{hi:.1f}%"


def _layout(doc):
    """The physical layout each column of the latency table ran on, as read back."""
    rows = doc.get("tables", {}).get("latency", [])
    parts = []
    for side, name in (("without_report", "without"), ("with_report", "with")):
        layouts = [r[side]["layout"] for r in rows if "layout" in r.get(side, {})]
        if not layouts:
            continue
        missing = sorted({lay["unavailable"] for lay in layouts if lay.get("unavailable")})
        if missing:
            parts.append(f"{name} column unavailable ({'; '.join(missing)})")
            continue
        adjacent = [lay["fraction_adjacent"] for lay in layouts if "fraction_adjacent" in lay]
        hops = [lay["fraction_chain_next"] for lay in layouts if "fraction_chain_next" in lay]
        back = [lay["fraction_chain_prev"] for lay in layouts if lay.get("chain_hops_prev")]
        methods = sorted({lay.get("method", "?") for lay in layouts})
        text = f"{name} column"
        if adjacent:
            text += f" {_span(adjacent)} of neighbouring pages contiguous"
        if hops:
            text += f", {_span(hops)} of chain hops to the next frame"
        if back:
            text += f" ({_span(back)} to the previous)"
        parts.append(f"{text} ({', '.join(methods)})")
    return "; ".join(parts) or None


def _system_rows(doc):
    s = doc.get("system", {})
    place = doc.get("placement", {})
    drv = s.get("driver")
    if drv:
        driver = ", ".join(f"{k} {v}" for k, v in drv.items())
    else:
        driver = "none (process memory)"
    return [
        ("Host", s.get("hostname", "?")),
        ("Date", s.get("date", "?")),
        ("CPU", f"{s.get('cpu_model', '?')} ({s.get('cpus', '?')} CPUs)"),
        ("Kernel", f"{s.get('kernel', '?')} {s.get('kernel_version', '')}".strip()),
        ("THP", f"enabled: {s.get('thp_enabled', '?')}, defrag: {s.get('thp_defrag', '?')}"),
        ("hugetlb 2 MiB pages free", str(s.get("hugetlb_free_2m", "?"))),
        ("NUMA layout", s.get("numa_layout", "?")),
        ("Placement", f"CPU {place.get('cpu', '?')}, memory on node {place.get('node', '?')}"),
        ("Driver", driver),
        ("pfnbench", s.get("pfnbench_version", "?")),
    ]


def _fence(text):
    return "```\n" + text.rstrip("\n") + "\n```\n"


def render(run_dir, doc, argv, name):
    """name: the run directory's final name (run_dir may still be the temporary one)."""
    backend = doc.get("backend", {})
    s = doc.get("system", {})
    quick = doc.get("quick")
    out = [f"# pfnbench reproduce: {s.get('hostname', '?')}, {s.get('date', '?')}", ""]
    out.append(f"**Backend:** {backendmod.describe(backend)}." if backend.get("label")
               else "**Backend:** ?")
    out.append("")
    if quick:
        out += ["**Quick run** (`--quick`: small sizes, few repetitions): a smoke test of the "
                "suite, not numbers for a cover letter.", ""]
    for warning in doc.get("skipped", []):
        out += [f"**Not run:** {warning}.", ""]

    for kind, fname, title in (("latency", "latency.txt", "Latency (ns per dependent load)"),
                               ("copy", "memcpy.txt", "Copy time (ms per copy)")):
        text = _read(os.path.join(run_dir, fname))
        out.append(f"## {title}")
        out.append("")
        run = next((r for r in doc.get("runs", []) if r["role"] == f"{kind}-compare"), None)
        if run:
            out.append(f"`{shlex.join(run['command_line'])}` ({run['seconds']:.0f} s)")
            out.append("")
        if text:
            out.append(_fence(text))
        else:
            out += ["(not measured)", ""]
        if run and run.get("warning"):
            out += [f"**Warning:** {run['warning']}.", ""]
        details = (run or {}).get("stdout", "")
        if text and details.startswith(text.rstrip("\n")):
            details = details[len(text.rstrip("\n")):]
        if details.strip():
            out += [f"What {run['tool']} printed with the table (spread, mappings read back):",
                    "", _fence(details.strip("\n"))]
        check = _verification(doc, kind)
        if check:
            out += [f"Mapping verification: {check}.", ""]
        if kind == "latency":
            for label, text in (("Region", _region(doc)), ("Physical layout", _layout(doc))):
                if text:
                    out += [f"{label}: {text}.", ""]

    out += ["## Machine", "", "| | |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in _system_rows(doc)]
    out.append("")

    counted, missing = _counters(doc)
    out += ["## Counters", ""]
    out.append(f"Counted: {', '.join(counted) if counted else 'none'}.")
    for why, events in missing.items():
        out.append(f"Unavailable: {', '.join(events)}: {why}.")
    out.append("")

    figures = doc.get("plots", {}).get("figures", {})
    not_drawn = doc.get("plots", {}).get("not_drawn", {})
    out += ["## Plots", ""]
    ref = doc.get("plots", {}).get("reference")
    if ref:
        out += [f"Overlay: the published numbers (`{ref}`).", ""]
    for figure, fname in figures.items():
        if fname:
            out.append(f"![{figure}]({fname})")
    for figure, why in not_drawn.items():
        out.append(f"- {figure}: not drawn ({why})")
    out.append("")

    out += ["## Rerun", "", "Everything:", ""]
    front = front_end()
    out.append(_fence(f"{front} " + shlex.join(argv[1:] if argv and argv[0].endswith(
        "pfnbench") else argv)))
    out += ["Each measurement (the programs write `--json FILE` / `--table FILE` when asked):",
            ""]
    out.append(_fence("\n".join(shlex.join(r["command_line"]) for r in doc.get("runs", []))))
    out += [f"Plots again: `{front} plot results/{name}`; compare with another run: "
            f"`{front} compare results/{name} OTHER_RUN`.", ""]
    return "\n".join(out)


def write(run_dir, doc, argv, name):
    path = os.path.join(run_dir, "summary.md")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write(render(run_dir, doc, argv, name))
    os.replace(path + ".tmp", path)
    return path

