"""The cover-letter table as text: reading it back, and the side-by-side comparison of two
runs that `pfnbench compare` prints.

The C++ reporters write the tables; this module never formats a cover-letter table of its
own, it only parses one (to check it, to compare runs) and prints comparisons.
"""

import re

HEADER_WORDS = ("Memory Size (MB)", "Without Huge Mapping", "With Huge Mapping", "Improvement")

# One data row: size, without, with, improvement, then anything a program adds (spread,
# TLB cost, a mismatch flag). Whitespace may be collapsed (as published) or aligned.
_ROW_RE = re.compile(
    r"^\s*(?P<size>\d+\.\d{2})\s+"
    r"(?P<without>\d+\.\d+) (?P<unit>ns|ms)\s+"
    r"(?P<with>\d+\.\d+) (?P=unit)\s+"
    r"(?P<impr>-?\d+\.\d)%"
    r"(?P<extra>.*)$")


class TableError(Exception):
    pass


def parse_table(text):
    """Parses the first cover-letter table in text.

    Returns {"unit": "ns"|"ms", "rows": [{"size_mib", "without", "with", "improvement_pct",
    "extra", "line"}], "notes": [lines after the table]}. Raises TableError when there is no
    table or a row does not follow the published format (sizes with two decimals, ns with
    three, ms with two, improvement with one).
    """
    lines = text.splitlines()
    start = None
    for i, line in enumerate(lines):
        if all(w in line for w in HEADER_WORDS):
            start = i
            break
    if start is None:
        raise TableError("no cover-letter table header "
                         "('Memory Size (MB) Without Huge Mapping With Huge Mapping Improvement')")
    if start + 1 >= len(lines) or not re.fullmatch(r"[-\s]+", lines[start + 1]) \
            or len(lines[start + 1].split()) < 4:
        raise TableError("the header is not followed by the dashed separator line")
    rows, unit, notes = [], None, []
    for line in lines[start + 2:]:
        if not line.strip():
            if rows:
                break
            continue
        m = _ROW_RE.match(line)
        if not m:
            if not rows:
                raise TableError(f"not a table row: {line!r}")
            notes.append(line)
            continue
        if notes:
            raise TableError(f"table row after a non-row line: {line!r}")
        u = m.group("unit")
        if unit and u != unit:
            raise TableError(f"mixed units in one table: {line!r}")
        unit = u
        decimals = 3 if u == "ns" else 2
        for key in ("without", "with"):
            if len(m.group(key).split(".")[1]) != decimals:
                raise TableError(f"{u} values take {decimals} decimals: {line!r}")
        rows.append({"size_mib": float(m.group("size")), "without": float(m.group("without")),
                     "with": float(m.group("with")), "improvement_pct": float(m.group("impr")),
                     "extra": m.group("extra").strip(), "line": line})
    if not rows:
        raise TableError("the table has no rows")
    return {"unit": unit, "rows": rows, "notes": notes}


def differences(table, rows, improvement_tolerance=0.05):
    """Where a printed table (parse_table) disagrees with the JSON rows it was printed
    from: a size in one but not the other, a value other than the row's at the printed
    precision, or an improvement further than improvement_tolerance (percentage points)
    from the row's improvement_pct. Nothing is recomputed here: the C++ prints its
    improvement from the rounded values it prints (core/output/report.cpp) and records it from
    the unrounded minima, so they can differ in the last printed digit."""
    prec = 3 if table["unit"] == "ns" else 2
    printed = {f"{r['size_mib']:.2f}": r for r in table["rows"]}
    recorded = {f"{r['size_mib'] if 'size_mib' in r else r['bytes'] / (1 << 20):.2f}": r
                for r in rows}
    bad = [f"{size} MiB: only in the {'table' if size in printed else 'JSON'}"
           for size in sorted(set(printed) ^ set(recorded), key=float)]
    for size in sorted(set(printed) & set(recorded), key=float):
        p, r = printed[size], recorded[size]
        for key in ("without", "with"):
            if f"{p[key]:.{prec}f}" != f"{r[key]:.{prec}f}":
                bad.append(f"{size} MiB: {key} printed {p[key]:.{prec}f}, recorded "
                           f"{r[key]:.{prec}f}")
        if abs(p["improvement_pct"] - r["improvement_pct"]) > improvement_tolerance + 1e-9:
            bad.append(f"{size} MiB: improvement printed {p['improvement_pct']:.1f}%, "
                       f"recorded {r['improvement_pct']:.3f}%")
    return bad


def rows_from_doc(rows):
    """CompareRow dicts (JSON) -> the same row shape parse_table returns."""
    out = []
    for r in rows:
        out.append({"size_mib": r.get("size_mib", r["bytes"] / (1 << 20)),
                    "without": r["without"], "with": r["with"],
                    "improvement_pct": r["improvement_pct"],
                    "mismatch": r.get("mismatch", ""),
                    "spread": (r.get("without_summary", {}).get("spread_pct"),
                               r.get("with_summary", {}).get("spread_pct"))})
    return out


def _delta(a, b):
    if a is None or b is None or a == 0:
        return ""
    return f"{(b - a) / a * 100:+.1f}%"


def side_by_side(rows_a, rows_b, unit, label_a, label_b):
    """Two compare tables next to each other, matched by size, with B-vs-A deltas.

    Values keep the published precision (ns three decimals, ms two); deltas are relative
    (B - A) / A for the two time columns and percentage points for the improvement.
    """
    prec = 3 if unit == "ns" else 2
    by_a = {round(r["size_mib"], 2): r for r in rows_a}
    by_b = {round(r["size_mib"], 2): r for r in rows_b}
    header = ["Memory Size (MB)",
              "A Without", "A With", "A Impr.",
              "B Without", "B With", "B Impr.",
              "d Without", "d With", "d Impr."]
    table = []
    flags = []
    for size in sorted(set(by_a) | set(by_b)):
        a, b = by_a.get(size), by_b.get(size)
        cells = [f"{size:.2f}"]
        for r in (a, b):
            if r is None:
                cells += ["-", "-", "-"]
            else:
                mark = "!" if r.get("mismatch") else ""
                cells += [f"{r['without']:.{prec}f} {unit}", f"{r['with']:.{prec}f} {unit}",
                          f"{r['improvement_pct']:.1f}%{mark}"]
                if mark:
                    flags.append(f"{'A' if r is a else 'B'} {size:.2f} MiB: {r['mismatch']}")
        if a and b:
            cells += [_delta(a["without"], b["without"]), _delta(a["with"], b["with"]),
                      f"{b['improvement_pct'] - a['improvement_pct']:+.1f} pp"]
        else:
            cells += ["", "", ""]
        table.append(cells)
    widths = [max(len(h), *(len(row[i]) for row in table)) for i, h in enumerate(header)]
    out = [f"A: {label_a}", f"B: {label_b}", ""]
    out.append("  ".join(h.rjust(w) for h, w in zip(header, widths)).rstrip())
    out.append("  ".join("-" * w for w in widths))
    for row in table:
        out.append("  ".join(c.rjust(w) for c, w in zip(row, widths)).rstrip())
    if flags:
        out.append("")
        out += [f"! {f}" for f in flags]
    return "\n".join(out) + "\n"
