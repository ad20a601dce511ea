"""The figures: matplotlib (Agg) drawings of a results document.

Each figure function takes a pfnbench-results/1 document and returns a Figure, or None
together with the reason it cannot be drawn (no TLB data, no sweep...). write_all() saves
every drawable figure as PNG of a fixed pixel size (FIGSIZE x DPI) so reviews and tests can
rely on it.
"""

import os

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402  (after choosing the backend)
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter  # noqa: E402

from . import backend as backendmod  # noqa: E402
from . import doc as docmod  # noqa: E402

FIGSIZE = (10, 6)   # inches
DPI = 120           # -> 1200 x 720 pixels
PIXELS = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))

STYLES = ("-", "--", ":", "-.")  # a chain's line style, by the order the document lists them
FIGURES = ("latency", "improvement", "tlb", "sweep")


# --- helpers -----------------------------------------------------------------------

def _size_axis(ax):
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: docmod.size_label(int(round(x)))))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _title(doc, what):
    return (f"{what} - {docmod.describe_machine(doc)}\n"
            f"backend: {backendmod.label_of(doc)} ({doc.get('tool', '?')})")


def _color(doc, mapping):
    """A mapping's colour: matplotlib's cycle by the document's order of mappings (the
    backend's pair first), so each mapping has one colour in every figure of a run."""
    order = docmod.mapping_order(doc)
    return f"C{order.index(mapping) % 10}" if mapping in order else None


def _new_figure(ncols=1):
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _points(doc, kind, role):
    """Points of one run role ('latency-compare', 'sweep', ...) when the document says
    which run made which point (pfnbench reproduce); otherwise every point."""
    points = doc.get(kind, [])
    runs = doc.get("runs")
    if runs and any("run" in p for p in points):
        wanted = {i for i, r in enumerate(runs) if r.get("role") == role}
        return [p for p in points if p.get("run") in wanted]
    return points


def _huge_text(points):
    """What the mapping reports of a line's points said, e.g. 'read back: 100% huge'."""
    fr = [p["report"]["fraction_huge"] for p in points if "report" in p]
    if not fr:
        return ""
    lo, hi = min(fr) * 100, max(fr) * 100
    span = f"{lo:.0f}%" if round(lo) == round(hi) else f"{lo:.0f}-{hi:.0f}%"
    return f"read back: {span} huge"


def _group(points, *keys):
    """Points grouped by keys, in the order the document lists them, each by size."""
    groups = {}
    for p in points:
        groups.setdefault(tuple(p[k] for k in keys), []).append(p)
    for g in groups.values():
        g.sort(key=lambda p: p.get("range_bytes", p.get("bytes", 0)))
    return groups


def _chase_lines(ax, doc, points):
    groups = _group(points, "mapping", "chain")
    chains = list(dict.fromkeys(k[1] for k in groups))
    for (mapping, chain), pts in groups.items():
        x = [p["range_bytes"] for p in pts]
        y = [p["summary"]["min"] for p in pts]
        label = mapping if len(chains) == 1 else f"{mapping}, {chain} chain"
        huge = _huge_text(pts)
        if huge:
            label += f" ({huge})"
        line, = ax.plot(x, y, marker="o", markersize=3, label=label,
                        color=_color(doc, mapping),
                        linestyle=STYLES[chains.index(chain) % len(STYLES)])
        lo = [p["summary"].get("p10", p["summary"]["min"]) for p in pts]
        hi = [p["summary"].get("p90", p["summary"]["max"]) for p in pts]
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.15, linewidth=0)
    return groups


# --- latency vs working-set size ---------------------------------------------------

def latency_figure(doc, reference=None):
    points = _points(doc, "latency", "latency-compare")
    if not points and not reference:
        return None, "no latency points"
    fig, (ax,) = _new_figure()
    groups = _chase_lines(ax, doc, points) if points else {}
    if reference:
        rows = reference["latency"]["rows"]
        x = [r["size_mib"] * docmod.MIB for r in rows]
        ax.plot(x, [r["without"] for r in rows], "k--", marker="s", markersize=4,
                label=f"{reference['label']}: {reference['without_mapping']}")
        ax.plot(x, [r["with"] for r in rows], "k:", marker="^", markersize=4,
                label=f"{reference['label']}: {reference['with_mapping']}")
    _size_axis(ax)
    ax.set_xlabel("working-set size (bytes, log2 scale)")
    chains = sorted({k[1] for k in groups}) or ["thrash"]
    stride = points[0]["stride_bytes"] if points else 64
    ax.set_ylabel("latency per dependent load (ns)")
    ax.set_ylim(bottom=0)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    fig.suptitle(_title(doc, "Load latency vs working set"), fontsize=10)
    ax.set_title(f"{'/'.join(chains)} chain, stride {stride} B; line: minimum of samples, "
                 "band: p10-p90", fontsize=8)
    fig.tight_layout()
    return fig, ""


# --- improvement bars --------------------------------------------------------------

def _improvement_panel(ax, rows, what, unit, ref_rows, ref_label, mappings):
    labels = [docmod.size_label(r["bytes"]) if "bytes" in r else f"{r['size_mib']:g}M"
              for r in rows]
    x = list(range(len(rows)))
    values = [r["improvement_pct"] for r in rows]
    colors = ["tab:gray" if r.get("mismatch") else "tab:green" for r in rows]
    bars = ax.bar(x, values, color=colors, width=0.6,
                  label=f"measured: {mappings[1]} vs {mappings[0]}")
    for bar, r in zip(bars, rows):
        if r.get("mismatch"):
            bar.set_hatch("//")
        ci = r.get("improvement_ci")
        note = " (n.s.)" if ci and not ci["significant"] else ""
        top = max(r["improvement_pct"], ci["high_pct"]) if ci else r["improvement_pct"]
        low = min(r["improvement_pct"], ci["low_pct"]) if ci else r["improvement_pct"]
        ax.annotate(f"{r['improvement_pct']:.1f}%{note}" + (" (!)" if r.get("mismatch") else ""),
                    (bar.get_x() + bar.get_width() / 2, top if top >= 0 else low),
                    ha="center", va="bottom" if top >= 0 else "top", fontsize=7)
    # The interval the C++ record bootstrapped from the samples (core/measure/improvement.h).
    cis = [(i, r["improvement_pct"], r["improvement_ci"]) for i, r in enumerate(rows)
           if r.get("improvement_ci")]
    if cis:
        first = cis[0][2]
        ax.errorbar([i for i, _, _ in cis], [v for _, v, _ in cis],
                    yerr=[[max(0.0, v - c["low_pct"]) for _, v, c in cis],
                          [max(0.0, c["high_pct"] - v) for _, v, c in cis]],
                    fmt="none", ecolor="black", elinewidth=1, capsize=4,
                    label=f"{first['level'] * 100:g}% interval (bootstrap, seed "
                          f"{first['seed']}); n.s.: contains 0")
        values = values + [c["low_pct"] for _, _, c in cis] + [c["high_pct"] for _, _, c in cis]
    # The table uses minima; the same improvement on the medians shows how much of a bar
    # is noise (on a shared host the two can differ a lot).
    med = [(i, r["median_improvement_pct"]) for i, r in enumerate(rows)
           if "median_improvement_pct" in r]
    if med:
        ax.plot([i for i, _ in med], [v for _, v in med], "o", markerfacecolor="none",
                markeredgecolor="dimgray", markersize=7, label="same, from medians")
        values = values + [v for _, v in med]
    if ref_rows:
        ref = {round(r["size_mib"], 2): r["improvement_pct"] for r in ref_rows}
        rx = [i for i, r in enumerate(rows) if round(r["size_mib"], 2) in ref]
        ry = [ref[round(rows[i]["size_mib"], 2)] for i in rx]
        if rx:
            ax.plot(rx, ry, "kD", markersize=6, label=ref_label)
    handles, _ = ax.get_legend_handles_labels()
    if any(r.get("mismatch") for r in rows):
        handles.append(Patch(facecolor="tab:gray", hatch="//",
                             label="(!) mapping report does not match its column"))
    ax.axhline(0, color="black", linewidth=0.8)
    top = max([0.0] + values)
    if ref_rows:
        top = max([top] + [r["improvement_pct"] for r in ref_rows])
    low = min([0.0] + values)
    ax.set_ylim(low * 1.2 - (2 if low < 0 else 0), top * 1.35 + 1)
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_xlabel("size")
    ax.set_ylabel(f"improvement in {what} (%)\n(without - with) / without")
    ax.set_title(f"{what} ({unit}, minimum of samples)", fontsize=9)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(handles=handles, fontsize=8, loc="upper left")


def improvement_figure(doc, reference=None):
    tables = doc.get("tables", {})
    panels = []
    for kind, what, unit in (("latency", "load latency", "ns/load"),
                             ("copy", "copy time", "ms/copy")):
        rows = tables.get(kind)
        if rows:
            ref_rows = reference[kind]["rows"] if reference else None
            panels.append((kind, what, unit, rows, ref_rows))
    if not panels:
        return None, ("no compare tables (lat_mem_rd/memcpy_test --compare, or pfn_bench's "
                      "compare_latency/compare_copy families)")
    fig, axes = _new_figure(len(panels))
    for ax, (kind, what, unit, rows, ref_rows) in zip(axes, panels):
        mappings = docmod.row_mappings(doc, kind)
        _improvement_panel(ax, rows, what, unit, ref_rows,
                           reference["label"] if reference else "", mappings)
    fig.suptitle(_title(doc, "Improvement from huge mappings"), fontsize=10)
    fig.tight_layout()
    return fig, ""


# --- TLB misses / TLB cost ---------------------------------------------------------

def _is_tlb_event(name):
    n = name.lower()
    return "tlb" in n or "walk" in n


def tlb_misses(points):
    """{(mapping, event): [(bytes, misses per load)]}: the points' TLB events per timed
    load, as the C++ recorded them (counters_per_load)."""
    out = {}
    for p in points:
        for event, v in (p.get("counters_per_load") or {}).items():
            if _is_tlb_event(event):
                out.setdefault((p["mapping"], event), []).append((p["range_bytes"], v))
    return {k: sorted(v) for k, v in sorted(out.items())}


def tlb_cost(doc):
    """{mapping: [(bytes, ns)]}: the TLB cost per load the C++ recorded (core/measure/tlb_cost.h:
    random-chain minus page-local-chain latency of the same bytes, for machines without a
    PMU), in the document's order."""
    out = {}
    for rec in doc.get("tlb_cost", []):
        out.setdefault(rec["mapping"], []).append((rec["range"], rec["tlb_cost_ns_per_load"]))
    return {k: sorted(v) for k, v in out.items()}


def page_walks(doc):
    """{(without, with): [(bytes, ns)]}: the page-walk estimate the C++ recorded (the small
    mapping's TLB cost minus the huge one's, core/measure/tlb_cost.h)."""
    out = {}
    for rec in doc.get("page_walk", []):
        out.setdefault((rec["without"], rec["with"]), []).append((rec["range"],
                                                                   rec["ns_per_load"]))
    return {k: sorted(v) for k, v in out.items()}


def _unavailable_reason(points):
    reasons = set()
    for p in points:
        for event, why in (p.get("counters") or {}).get("unavailable", {}).items():
            if _is_tlb_event(event):
                reasons.add(f"{event}: {why}")
    return "; ".join(sorted(reasons))


def tlb_figure(doc):
    points = doc.get("latency", [])
    misses = tlb_misses(points)
    cost, walks = tlb_cost(doc), page_walks(doc)
    if not misses and not cost:
        why = _unavailable_reason(points)
        old = any(r.get("role") == "tlb-cost" for r in doc.get("runs", []))
        if any(_is_tlb_event(e) for p in points
               for e in (p.get("counters") or {}).get("values", {})):
            why = ("TLB events were counted, but the points carry no counters_per_load "
                   "(written before the records did): rerun to draw them")
        return None, ("no TLB misses per load" + (f" ({why})" if why else "")
                      + " and no TLB cost records (lat_mem_rd --compare --tlb-cost)"
                      + ("; this run's separate tlb-cost chain runs predate those records:"
                         " rerun pfnbench reproduce to draw them" if old else ""))
    panels = [p for p in (("misses", misses), ("cost", cost)) if p[1]]
    fig, axes = _new_figure(len(panels))
    for ax, (kind, data) in zip(axes, panels):
        events = list(dict.fromkeys(k[1] for k in data)) if kind == "misses" else []
        values = []
        for key, xy in data.items():
            label = f"{key[0]}: {key[1]}" if kind == "misses" else key
            mapping = key[0] if kind == "misses" else key
            style = STYLES[events.index(key[1]) % len(STYLES)] if kind == "misses" else "-"
            ax.plot([a for a, _ in xy], [b for _, b in xy], marker="o", markersize=3,
                    label=label, color=_color(doc, mapping), linestyle=style)
            values += [b for _, b in xy]
        if kind == "cost":
            for (without, with_), xy in walks.items():
                ax.plot([a for a, _ in xy], [b for _, b in xy], "k--", marker="s",
                        markersize=3, label=f"page walks: {without} cost - {with_} cost")
                values += [b for _, b in xy]
        _size_axis(ax)
        ax.set_xlabel("working-set size (bytes, log2 scale)")
        if kind == "misses":
            ax.set_ylabel("TLB misses per load (hardware counter)")
            ax.set_title("hardware counters, per dependent load", fontsize=9)
        else:
            ax.set_ylabel("TLB cost per load (ns)\nrandom chain - page-local chain")
            ax.set_title("TLB cost by timing (no PMU needed)", fontsize=9)
        if min(values) >= 0:
            ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(_title(doc, "TLB behaviour"), fontsize=10)
    fig.tight_layout()
    return fig, ""


# --- the full lat_mem_rd sweep -----------------------------------------------------

def _caches(doc):
    """The caches of the CPU the run was pinned to, as its placement record gives them
    (pfnbench_info --json; a bench/ file: Google Benchmark's context). A reproduce run
    from before the placement carried them has the same figures under system.caches."""
    caches = ((doc.get("placement") or {}).get("caches")
              or (doc.get("system") or {}).get("caches") or {})
    return {k: v for k, v in caches.items() if isinstance(v, int) and v > 0}


def sweep_figure(doc):
    points = _points(doc, "latency", "sweep")
    sizes = {p["range_bytes"] for p in points}
    if len(sizes) < 8:
        return None, f"no lat_mem_rd sweep (only {len(sizes)} sizes measured)"
    fig, (ax,) = _new_figure()
    _chase_lines(ax, doc, points)
    for name, nbytes in sorted(_caches(doc).items(), key=lambda kv: kv[1]):
        ax.axvline(nbytes, color="gray", linestyle=":", linewidth=1)
        ax.annotate(f"{name} {docmod.size_label(nbytes)}", (nbytes, 1), xycoords=("data",
                    "axes fraction"), rotation=90, va="top", ha="right", fontsize=7,
                    color="gray")
    _size_axis(ax)
    ax.set_xlabel("working-set size (bytes, log2 scale)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    ax.set_ylabel("latency per dependent load (ns, log scale)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    stride = points[0]["stride_bytes"]
    fig.suptitle(_title(doc, "lat_mem_rd sweep: cache and memory levels"), fontsize=10)
    ax.set_title(f"stride {stride} B; line: minimum of samples, band: p10-p90", fontsize=8)
    fig.tight_layout()
    return fig, ""


# --- all of them -------------------------------------------------------------------

def write_all(doc, outdir, reference=None, only=FIGURES):
    """Writes <outdir>/<figure>.png for every drawable figure.

    Returns [(figure name, path or None, reason when not drawn)]. Each file is written to
    a temporary name and renamed, so a reader never sees half a PNG.
    """
    makers = {"latency": lambda: latency_figure(doc, reference),
              "improvement": lambda: improvement_figure(doc, reference),
              "tlb": lambda: tlb_figure(doc),
              "sweep": lambda: sweep_figure(doc)}
    os.makedirs(outdir, exist_ok=True)
    written = []
    for name in only:
        fig, why = makers[name]()
        if fig is None:
            written.append((name, None, why))
            continue
        path = os.path.join(outdir, f"{name}.png")
        tmp = path + ".tmp"
        fig.savefig(tmp, dpi=DPI, format="png")
        os.replace(tmp, path)
        written.append((name, path, ""))
    return written
