"""The backend of a run: which pair of mappings it compares.

The choice itself is made in one place, the core (core/backend.h, choose_backend): each
candidate -- device-remap, device-fault, thp, hugetlb, best first -- is probed by mapping
memory and reading its page tables back. `lat_mem_rd --compare` makes that choice (or
checks a `--backend NAME` the user forced) and records it in its JSON as "backend"; the
rest of a reproduce run then uses the same two mappings explicitly. This module only reads
that record and names things.
"""

# The names lat_mem_rd --backend accepts, best first, with the mappings each compares.
PAIRS = {
    "device-remap": ("device-pte", "device-remap"),
    "device-fault": ("device-pte", "device-fault"),
    "thp": ("4k", "thp"),
    "hugetlb": ("4k", "hugetlb"),
}
NAMES = tuple(PAIRS)
LABELS = {
    "device-remap": "device-remap vs device-pte (kdriver, remap_pfn_range)",
    "device-fault": "device-fault vs device-pte (kdriver, huge_fault + vmf_insert_pfn_pmd)",
    "thp": "thp vs 4k (process memory)",
    "hugetlb": "hugetlb vs 4k (process memory, hugetlbfs pool)",
}


class BackendError(Exception):
    pass


def from_document(doc):
    """{"name", "without", "with", "label", "reason", "probes"} from a compare run's
    results document. Older documents without a "backend" record are described from the
    mappings their points were measured on."""
    rec = doc.get("backend")
    if isinstance(rec, dict) and rec.get("without") and rec.get("with"):
        name = rec.get("name") or rec["with"]
        out = {"name": name, "without": rec["without"], "with": rec["with"],
               "reason": rec.get("reason", ""), "probes": rec.get("probes", [])}
    else:
        kinds = {p["mapping"] for p in doc.get("latency", [])}
        match = [n for n, pair in PAIRS.items() if set(pair) == kinds]
        if not match:
            raise BackendError("the compare run recorded no backend and its mappings "
                               f"({', '.join(sorted(kinds)) or 'none'}) are not a known pair")
        name = match[0]
        out = {"name": name, "without": PAIRS[name][0], "with": PAIRS[name][1],
               "reason": "read from the mappings measured", "probes": []}
    pair = (out["without"], out["with"])
    if PAIRS.get(out["name"]) == pair:
        out["label"] = LABELS[out["name"]]
    else:  # --without/--with given by hand
        out["label"] = f"{out['with']} vs {out['without']}"
    return out


def describe(backend):
    """One line for the terminal and summary.md: the choice, why, and what else was tried."""
    text = f"{backend['label']}: {backend['reason']}" if backend.get("reason") else \
        backend["label"]
    others = [f"{p['name']}: {p['result']}" for p in backend.get("probes", [])
              if not p.get("chosen")]
    if others:
        text += " (not used: " + "; ".join(others) + ")"
    return text
