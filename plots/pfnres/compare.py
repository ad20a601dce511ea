"""`pfnbench compare A B`: the cover-letter tables of two runs side by side, with deltas.

A and B are run directories (or their results.json), or the name of a published
reference ("cover-letter"). Tables come from the results document; a run directory whose
document has no table falls back to parsing latency.txt / memcpy.txt.
"""

import os

from . import backend as backendmod
from . import doc as docmod
from . import tables

KINDS = (("latency", "latency.txt", "ns", "Latency, ns per dependent load"),
         ("copy", "memcpy.txt", "ms", "Copy time, ms per copy"))


class Run:
    def __init__(self, label, rows, facts):
        self.label, self.rows, self.facts = label, rows, facts


def load_run(arg):
    """A run directory, a results.json, or a reference name -> Run."""
    if not os.path.exists(arg) and os.sep not in arg:
        try:
            ref = docmod.load_reference(arg)
        except docmod.DocError:
            raise docmod.DocError(f"{arg}: no such run directory or file, and not a known "
                                  "reference (e.g. cover-letter)") from None
        rows = {k: [dict(r, mismatch="") for r in ref[k]["rows"]] for k, *_ in KINDS}
        return Run(f"{ref['label']}: {ref['backend']}", rows, {"source": ref["source"]})
    d = docmod.load(arg)
    base = arg if os.path.isdir(arg) else os.path.dirname(arg)
    rows = {}
    for kind, fname, _, _ in KINDS:
        from_doc = d.get("tables", {}).get(kind)
        if from_doc:
            rows[kind] = tables.rows_from_doc(from_doc)
            continue
        text_path = os.path.join(base, fname)
        if os.path.exists(text_path):
            with open(text_path, encoding="utf-8") as f:
                try:
                    rows[kind] = [dict(r, mismatch="") for r in
                                  tables.parse_table(f.read())["rows"]]
                except tables.TableError as e:
                    raise docmod.DocError(f"{text_path}: {e}") from None
    s = d.get("system", {})
    backend = backendmod.label_of(d)
    name = os.path.basename(os.path.normpath(base)) or arg
    label = f"{name}: {backend}, {docmod.describe_machine(d)}" + (
        " [quick]" if d.get("quick") else "")
    facts = {"host": s.get("hostname"), "kernel": s.get("kernel"), "cpu": s.get("cpu_model"),
             "thp_enabled": s.get("thp_enabled"), "numa": s.get("numa_layout"),
             "driver": "yes" if s.get("driver") else "no", "backend": backend}
    return Run(label, rows, facts)


def render(a, b):
    out = []
    for kind, _, unit, title in KINDS:
        ra, rb = a.rows.get(kind), b.rows.get(kind)
        out.append(f"== {title}")
        if not ra and not rb:
            out.append("(neither run has this table)\n")
            continue
        out.append(tables.side_by_side(ra or [], rb or [], unit, a.label, b.label))
    diffs = [f"  {k}: A {a.facts.get(k)!s} | B {b.facts.get(k)!s}"
             for k in ("host", "kernel", "cpu", "thp_enabled", "numa", "driver", "backend")
             if k in a.facts and k in b.facts and a.facts.get(k) != b.facts.get(k)]
    if diffs:
        out += ["== What differs between the machines/runs", *diffs, ""]
    out.append("d = (B - A) / A for times (negative: B is faster); "
               "improvement difference in percentage points.")
    return "\n".join(out) + "\n"


def main(args):
    try:
        a, b = load_run(args.a), load_run(args.b)
    except docmod.DocError as e:
        print(f"pfnbench compare: error: {e}", file=__import__("sys").stderr)
        return 1
    print(render(a, b), end="")
    return 0
