"""The backend of a run: which pair of mappings it compares, as its C++ record says.

The choice and the words for it are made in one place, the core (core/memory/backend.h:
backend_pairs, choose_backend, Backend::label). `pfnbench_info --json` and
`lat_mem_rd --compare --json` write that choice as a "backend" record: the pair, its
label, the reason and every candidate probed. `pfnbench reproduce` takes it from
pfnbench_info and has every program follow it. This module reads such records and formats
them; it knows no backend, pair or label of its own.
"""


class BackendError(Exception):
    pass


def from_record(rec):
    """{"name", "without", "with", "label", "reason", "probes", ...} from a backend record.

    A record without a pair is refused with the reason it gives (pfnbench_info writes
    {"name": null, "reason": ...} when no backend gives huge pages here). A record written
    before records carried "label" is named by its own pair, "<with> vs <without>"."""
    if not isinstance(rec, dict):
        raise BackendError("the document has no backend record (the pair of mappings it "
                           "compares); rerun the program that wrote it")
    if not rec.get("without") or not rec.get("with"):
        raise BackendError(f"unavailable: {rec['reason']}" if rec.get("reason") else
                           "the backend record names no pair of mappings")
    out = dict(rec)
    out.setdefault("label", f"{rec['with']} vs {rec['without']}")
    out.setdefault("reason", "")
    out.setdefault("probes", [])
    return out


def label_of(doc):
    """How a document names what it compares: its backend record's label (or pair), else
    the mappings its table rows name, else every mapping it measured, in its order."""
    rec = doc.get("backend")
    if isinstance(rec, dict) and rec.get("without") and rec.get("with"):
        return from_record(rec)["label"]
    for rows in (doc.get("tables") or {}).values():
        for r in rows:
            if r.get("without_mapping") and r.get("with_mapping"):
                return f"{r['with_mapping']} vs {r['without_mapping']}"
    from . import doc as docmod
    return ", ".join(docmod.mapping_order(doc)) or "no data"


def describe(backend):
    """One line for the terminal and summary.md: the choice, why, and what else was tried."""
    text = f"{backend['label']}: {backend['reason']}" if backend.get("reason") else \
        backend["label"]
    others = [f"{p['name']}: {p['result']}" for p in backend.get("probes", [])
              if not p.get("chosen")]
    if others:
        text += " (not used: " + "; ".join(others) + ")"
    return text
