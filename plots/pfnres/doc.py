"""Reading results: pfnbench results documents, Google Benchmark JSON, the cover-letter
reference, and the schema checks.

Everything downstream (figures, compare, summary) works on a pfnbench-results/1 document
(a plain dict, exactly as the C++ programs write it). Google Benchmark output from bench/
is converted into the same shape so the same figures can draw it.
"""

import json
import os

SCHEMA_ID = "pfnbench-results/1"
PLOTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(PLOTS_DIR, "schema", "pfnbench-results-1.schema.json")
# pfnbench_info --json's document; it refers to the results schema for the records
# reproduce copies from it into a results document (placement, backend, system).
INFO_SCHEMA_PATH = os.path.join(PLOTS_DIR, "schema", "pfnbench-info-1.schema.json")
REFERENCE_DIR = os.path.join(PLOTS_DIR, "reference")

MIB = 1 << 20


class DocError(Exception):
    """A file that is not a results document we can read; the message says why."""


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise DocError(f"{path}: no such file") from None
    except json.JSONDecodeError as e:
        raise DocError(f"{path}: not valid JSON ({e.msg} at line {e.lineno})") from None


def results_path(path):
    """A run directory or a JSON file -> the JSON file to read."""
    if os.path.isdir(path):
        candidate = os.path.join(path, "results.json")
        if not os.path.exists(candidate):
            raise DocError(f"{path}: directory has no results.json "
                           "(expected a directory written by 'pfnbench reproduce')")
        return candidate
    return path


def load(path):
    """Loads a pfnbench results document or Google Benchmark JSON (converted)."""
    path = results_path(path)
    data = _read_json(path)
    if not isinstance(data, dict):
        raise DocError(f"{path}: expected a JSON object at the top level")
    if data.get("schema") == SCHEMA_ID:
        return data
    if "benchmarks" in data and "context" in data:
        return from_gbench(data, path)
    if "schema" in data:
        raise DocError(f"{path}: schema {data['schema']!r} is not {SCHEMA_ID!r}")
    raise DocError(f"{path}: neither a pfnbench results document (\"schema\": "
                   f"\"{SCHEMA_ID}\") nor Google Benchmark JSON")


def load_schema(path=SCHEMA_PATH):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _schemas():
    """Every schema of plots/schema by its $id, which is how they refer to each other."""
    out = {}
    for path in (SCHEMA_PATH, INFO_SCHEMA_PATH):
        schema = load_schema(path)
        out[schema["$id"]] = schema
    return out


def _bundled(schema):
    """schema with every other schema it refers to copied under $defs and every $ref
    rewritten to a "#/..." pointer, for a validator that cannot follow "<$id>#/..."."""
    schemas = _schemas()
    defs = {}

    def rewrite(node, own):
        if isinstance(node, list):
            return [rewrite(v, own) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: rewrite(v, own) for k, v in node.items()}
        if "$ref" in out:
            uri, _, pointer = out["$ref"].partition("#")
            uri = uri or own
            if uri != schema.get("$id"):
                name = uri.rpartition(":")[2]
                if name not in defs:
                    defs[name] = None
                    defs[name] = rewrite(schemas[uri], uri)
                pointer = f"/$defs/{name}" + pointer
            out["$ref"] = "#" + pointer
        return out

    out = rewrite(schema, schema.get("$id"))
    for name, sub in defs.items():
        sub.pop("$id", None)
        sub.pop("$schema", None)
        out.setdefault("$defs", {})[name] = sub
    return out


def schema_errors(doc, schema=None):
    """Every violation of the schema (the results schema unless another is given), as
    'path: message' strings ([] when valid)."""
    import jsonschema  # Debian: python3-jsonschema

    schema = schema or load_schema()
    try:
        import referencing  # jsonschema >= 4.18's way to find the other schema
    except ImportError:  # Debian 12's 4.10: cannot resolve "#/..." inside a urn: $id
        validator = jsonschema.Draft202012Validator(_bundled(schema))
    else:
        registry = referencing.Registry().with_resources(
            (uri, referencing.Resource.from_contents(s)) for uri, s in _schemas().items())
        validator = jsonschema.Draft202012Validator(schema, registry=registry)
    errors = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        errors.append(f"{where}: {err.message}")
    return errors


def _resolve(root, node, schemas):
    """(root, node) with node's $ref followed: "#/..." within root, "<$id>#/..." into
    that schema of plots/schema (which becomes the root its own pointers resolve in)."""
    while isinstance(node, dict) and "$ref" in node:
        uri, _, pointer = node["$ref"].partition("#")
        if uri:
            root = schemas[uri]
        node = root
        for part in pointer.removeprefix("/").split("/"):
            node = node[part]
    return root, node


def _members(root, node, schemas):
    """(properties, additionalProperties) of node, the properties of each anyOf branch
    included (a record that is one of several shapes documents the keys of all)."""
    props = dict(node.get("properties", {}))
    for branch in node.get("anyOf", []):
        r, b = _resolve(root, branch, schemas)
        for key, entry in b.get("properties", {}).items():
            props.setdefault(key, (r, entry))
    return {k: v if isinstance(v, tuple) else (root, v) for k, v in props.items()}, \
        node.get("additionalProperties")


def undocumented_keys(doc, schema=None):
    """Keys of doc that the schema (the results schema unless another is given) lists
    nowhere, as 'path: 'key' has no schema entry' strings ([] when every key is listed).
    The schemas let extra keys through (forward compatible); this is how a key a program
    started writing is caught undocumented. A map whose keys are data (caches, node_bytes,
    counter values) is an object with an additionalProperties schema: its keys are not
    looked up, its values are walked."""
    schema = schema or load_schema()
    schemas = _schemas()
    gaps = []

    def walk(root, node, value, path):
        root, node = _resolve(root, node, schemas)
        if not isinstance(node, dict):
            return
        if isinstance(value, dict):
            props, extra = _members(root, node, schemas)
            for key, v in value.items():
                if key in props:
                    walk(*props[key], v, path + [key])
                elif isinstance(extra, dict):
                    walk(root, extra, v, path + [key])
                else:
                    gaps.append(f"{'/'.join(path) or '(top)'}: {key!r} has no schema entry")
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for i, v in enumerate(value):
                walk(root, node["items"], v, path + [str(i)])

    walk(schema, schema, doc, [])
    return gaps


def undescribed_properties(schema=None):
    """Schema entries (every member of every "properties") without a "description", as
    their JSON pointers in the schema ([] when all are described)."""
    schema = schema or load_schema()
    found = []

    def walk(node, path):
        if isinstance(node, dict):
            for name, entry in node.get("properties", {}).items():
                if not (isinstance(entry, dict) and entry.get("description")):
                    found.append("/".join(path + ["properties", name]))
            for key, v in node.items():
                walk(v, path + [key])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, path + [str(i)])

    walk(schema, ["#"])
    return found


def consistency_errors(doc, tolerance=1e-6):
    """What the schema cannot say: a report's page bytes add up to its bytes, a summary
    matches its samples, a table row's numbers match its summaries and its intervals are
    ordered (the improvements themselves are the C++ record's: core/measure/improvement.h).
    Returns 'path: message' strings ([] when consistent)."""
    errors = []

    def report(where, r):
        parts = sum(r.get(k, 0) for k in ("bytes_4k", "bytes_2m", "bytes_1g", "bytes_unmapped"))
        if parts != r.get("bytes"):
            errors.append(f"{where}: bytes_4k + bytes_2m + bytes_1g + bytes_unmapped = "
                          f"{parts}, but bytes = {r.get('bytes')}")
        if r.get("bytes"):
            huge = (r.get("bytes_2m", 0) + r.get("bytes_1g", 0)) / r["bytes"]
            if abs(huge - r.get("fraction_huge", 0)) > 1e-3:
                errors.append(f"{where}: fraction_huge {r.get('fraction_huge')} but the "
                              f"page bytes give {huge:.4f}")
        lay = r.get("layout", {})
        for part, whole, frac in (("adjacent_physical", "adjacent_pairs", "fraction_adjacent"),
                                  ("adjacent_reverse", "adjacent_pairs",
                                   "fraction_adjacent_reverse"),
                                  ("chain_hops_next", "chain_hops", "fraction_chain_next"),
                                  ("chain_hops_prev", "chain_hops", "fraction_chain_prev")):
            if lay.get(part, 0) > lay.get(whole, 0):
                errors.append(f"{where}/layout: {part} {lay.get(part)} exceeds {whole} "
                              f"{lay.get(whole)}")
            elif frac in lay and not lay.get(whole):
                errors.append(f"{where}/layout: {frac} given without any {whole}")
            elif frac in lay and abs(lay[frac] - lay[part] / lay[whole]) > 1e-6:
                errors.append(f"{where}/layout: {frac} {lay[frac]} but {part} / {whole} "
                              f"= {lay[part] / lay[whole]:.6f}")

    def summary(where, s, samples):
        if s.get("n") != len(samples):
            errors.append(f"{where}: n = {s.get('n')} but {len(samples)} samples")
        if samples and abs(s.get("min", 0) - min(samples)) > tolerance * max(1, min(samples)):
            errors.append(f"{where}: min {s.get('min')} is not the smallest sample "
                          f"{min(samples)}")

    for i, p in enumerate(doc.get("latency", [])):
        report(f"latency/{i}/report", p.get("report", {}))
        summary(f"latency/{i}/summary", p.get("summary", {}), p.get("samples_ns", []))
    for i, p in enumerate(doc.get("copy", [])):
        for side in ("src_report", "dst_report"):
            report(f"copy/{i}/{side}", p.get(side, {}))
        summary(f"copy/{i}/summary", p.get("summary", {}), p.get("samples_ms", []))
    for kind, rows in doc.get("tables", {}).items():
        for i, r in enumerate(rows):
            where = f"tables/{kind}/{i}"
            for key in ("improvement_ci", "improvement_1g_ci"):
                ci = r.get(key)
                if ci and not ci["low_pct"] <= ci["high_pct"]:
                    errors.append(f"{where}: {key} low {ci['low_pct']} above high "
                                  f"{ci['high_pct']}")
            # A three-column row (lat_mem_rd or memcpy_test --with A,B) adds with_1g.
            for side in ("without", "with", "with_1g") if "with_1g" in r else ("without", "with"):
                s = r.get(f"{side}_summary")
                if s and abs(s.get("min", 0) - r.get(side, 0)) > tolerance * max(1, r[side]):
                    errors.append(f"{where}: {side} {r.get(side)} is not the minimum "
                                  f"{s.get('min')} of its samples")
                if f"{side}_report" in r:
                    report(f"{where}/{side}_report", r[f"{side}_report"])
    return errors


def load_reference(name="cover-letter"):
    path = os.path.join(REFERENCE_DIR, f"{name}.json")
    if not os.path.exists(path):
        known = sorted(f[:-5] for f in os.listdir(REFERENCE_DIR) if f.endswith(".json"))
        raise DocError(f"unknown reference {name!r}; known: {', '.join(known)}")
    return _read_json(path)


# --- Google Benchmark ----------------------------------------------------------------

# Google Benchmark's own parts of a run's name: its flags (real_time...) and its keys
# (iterations:1, repeats:3...). Every other part is pfn_bench's key:value.
_GBENCH_FLAGS = {"real_time", "manual_time", "process_time"}
_GBENCH_KEYS = {"iterations", "repeats", "min_time", "min_warmup_time", "threads"}


def split_name(name):
    """'chase/chain:thrash/mapping:4k/bytes:67108864/manual_time' -> ('chase', {'chain':
    'thrash', 'mapping': '4k', 'bytes': '67108864'}): the family, then each part by its key
    (bench/families.h), Google Benchmark's own parts left out. Raises DocError for a part
    without a key (a name from before pfn_bench named its parts): nothing is guessed."""
    family, *parts = name.split("/")
    fields = {}
    for part in parts:
        key, sep, value = part.partition(":")
        if not sep:
            if part in _GBENCH_FLAGS:
                continue
            raise DocError(f"benchmark {name!r}: part {part!r} is not key:value (written by "
                           "an older pfn_bench? rerun it)")
        if key not in _GBENCH_KEYS:
            fields[key] = value
    return family, fields


# The families drawn, with the parts of their names they are drawn by (bench/families.h).
_DRAWN = {"chase": ("chain", "mapping", "bytes"),
          "tlb_cost": ("mapping", "bytes"),
          "copy": ("kernel", "mapping", "bytes"),
          "compare_latency": ("chain", "without", "with", "bytes"),
          "compare_copy": ("kernel", "without", "with", "bytes")}


# pfn_bench's statistics over repetitions (bench/families.cpp: pfn::summarize), beside
# Google Benchmark's own mean, median and stddev: aggregate name -> summary field.
_AGGREGATES = {"min": "min", "p10": "p10", "median": "median", "p90": "p90", "max": "max",
               "mean": "mean", "stddev": "stddev", "spread": "spread_pct"}


def _summary(values, aggregates, key, name, path):
    """The summary pfn_bench wrote for the counter `key` of one benchmark: its aggregate
    rows when it ran repetitions, the one sample itself when it did not. Nothing is
    computed here: the C++ record decides (spread_pct is (p90 - p10) / median)."""
    if len(values) == 1:
        v = values[0]
        return {"n": 1, "min": v, "p10": v, "median": v, "p90": v, "max": v, "mean": v,
                "stddev": 0.0, "spread_pct": 0.0}
    rows = aggregates.get(name, {})
    missing = [a for a in _AGGREGATES if not isinstance(rows.get(a, {}).get(key), (int, float))]
    if missing:
        raise DocError(f"{path}: {name} has {len(values)} repetitions but no "
                       f"{', '.join(missing)} aggregate of {key} (written by an older "
                       "pfn_bench? rerun it)")
    s = {"n": len(values)}
    for agg, field in _AGGREGATES.items():
        s[field] = float(rows[agg][key])
    # Google Benchmark's percentage unit is a fraction.
    s["spread_pct"] *= 100
    return s


def _report_from_fraction(fraction, nbytes):
    huge = int(round(fraction * nbytes)) if fraction is not None else 0
    return {"bytes": nbytes, "bytes_4k": nbytes - huge, "bytes_2m": huge, "bytes_1g": 0,
            "bytes_unmapped": 0, "fraction_huge": fraction if fraction is not None else 0.0,
            "method": "bench huge_fraction counter" if fraction is not None else "unknown",
            "node_bytes": {}, "node_method": "unknown", "note": "from Google Benchmark JSON"}


def _first_key(bm, *keys):
    for k in keys:
        if isinstance(bm.get(k), (int, float)):
            return k
    return None


def _first(bm, *keys):
    k = _first_key(bm, *keys)
    return None if k is None else float(bm[k])


def _median_row(rows, aggregates, name, key, path):
    """The value of counter `key` for a benchmark: its one run, or with repetitions the
    median aggregate row Google Benchmark wrote for it."""
    if len(rows) == 1:
        return rows[0].get(key)
    row = aggregates.get(name, {}).get("median", {})
    if not isinstance(row.get(key), (int, float)):
        raise DocError(f"{path}: {name} has {len(rows)} repetitions but no median "
                       f"aggregate of {key}")
    return row[key]


# A compare family's counters (bench/families.cpp row_counters), without the unit ones.
_ROW_COUNTERS = ("improvement_pct", "median_improvement_pct", "improvement_low_pct",
                 "improvement_high_pct", "improvement_level", "improvement_resamples",
                 "improvement_seed", "improvement_significant", "verified")


def _compare_row(bm, f, name, unit, path):
    """A compare_latency / compare_copy benchmark -> a table row, every figure read from
    its counters (the core's compare row: core/measure/result.h)."""
    need = (f"without_{unit}", f"with_{unit}") + _ROW_COUNTERS
    missing = [k for k in need if not isinstance(bm.get(k), (int, float))]
    if missing:
        raise DocError(f"{path}: {name} has no {', '.join(missing)} counter (written by "
                       "an older pfn_bench? rerun it)")
    nbytes = f["bytes"]
    return {"bytes": nbytes, "size_mib": nbytes / MIB,
            "without_mapping": f["without"], "with_mapping": f["with"],
            "without": float(bm[f"without_{unit}"]), "with": float(bm[f"with_{unit}"]),
            "improvement_pct": float(bm["improvement_pct"]),
            "median_improvement_pct": float(bm["median_improvement_pct"]),
            "improvement_ci": {"level": float(bm["improvement_level"]),
                               "low_pct": float(bm["improvement_low_pct"]),
                               "high_pct": float(bm["improvement_high_pct"]),
                               "resamples": int(bm["improvement_resamples"]),
                               "seed": int(bm["improvement_seed"]),
                               "significant": bool(bm["improvement_significant"])},
            "without_report": _report_from_fraction(bm.get("without_huge_fraction"), nbytes),
            "with_report": _report_from_fraction(bm.get("with_huge_fraction"), nbytes),
            "mismatch": "" if bm["verified"] else (bm.get("label") or "did not verify"),
            "benchmark": name}


def from_gbench(data, path="(gbench)"):
    """Google Benchmark JSON (bench/) -> a pfnbench-results/1-shaped document.

    Families understood (names as bench/ registers them, bench/families.h; each part
    read by its key, split_name):
      chase/chain:C/mapping:M/bytes:N    user counters ns_per_load_min (or ns_per_load),
                                         huge_fraction, <event>/load -> latency points
      copy/kernel:K/mapping:M/bytes:N    ms_per_copy_min (or ms_per_copy) -> copy points
      tlb_cost/mapping:M/bytes:N         tlb_cost_ns, tlb_cost_pct -> tlb_cost records
      compare_latency/chain:C/without:W/with:H/bytes:N,
      compare_copy/kernel:K/without:W/with:H/bytes:N
                                         the columns, improvement and its interval -> the
                                         latency and copy tables' rows
    Others (chase_overhead, copy_vs_libc) are not drawn. Repetitions of one name become the
    samples of one point, and its summary is read from the aggregate rows pfn_bench wrote
    for that counter (pfn::summarize in C++: min, p10, p90, max, spread; Google Benchmark's
    mean, median, stddev). Nothing is derived here: every figure is a counter or an
    aggregate the C++ wrote.
    """
    ctx = data.get("context", {})
    latency, copy, tlb, tables = {}, {}, {}, {"latency": [], "copy": []}
    aggregates = {}  # run name -> aggregate name -> row
    for bm in data.get("benchmarks", []):
        if bm.get("run_type") == "aggregate":
            aggregates.setdefault(bm.get("run_name", ""), {})[bm.get("aggregate_name")] = bm

    for bm in data.get("benchmarks", []):
        if bm.get("run_type") == "aggregate" or bm.get("error_occurred"):
            continue
        name = bm.get("run_name") or bm.get("name", "")
        family = name.partition("/")[0]
        if family not in _DRAWN:
            continue
        _, f = split_name(name)
        missing = [k for k in _DRAWN[family] if k not in f]
        if missing:
            raise DocError(f"{path}: benchmark {name!r} names no {', '.join(missing)} "
                           "(written by an older pfn_bench? rerun it)")
        f["bytes"] = int(f["bytes"])
        huge = _first(bm, "huge_fraction")
        if family == "chase":
            counter = _first_key(bm, "ns_per_load_min", "ns_per_load")
            if counter is None:
                continue
            p = latency.setdefault((f["mapping"], f["chain"], f["bytes"]), {
                "name": name, "values": [], "huge": None, "counters": {}, "counter": counter})
            p["values"].append(float(bm[counter]))
            if huge is not None:
                p["huge"] = huge
            # Per-load values as Google Benchmark reported them (already divided).
            p["counters"].update({k.rsplit("/", 1)[0]: float(v) for k, v in bm.items()
                                  if k.endswith("/load") and isinstance(v, (int, float))})
        elif family == "tlb_cost":
            tlb.setdefault((f["mapping"], f["bytes"]), {"name": name, "rows": []})["rows"] \
                .append(bm)
        elif family == "copy":
            counter = _first_key(bm, "ms_per_copy_min", "ms_per_copy")
            if counter is None:
                continue
            key = (f["mapping"], f["kernel"], f["bytes"])
            p = copy.setdefault(key, {"name": name, "values": [], "huge": None,
                                      "counter": counter, "gb": []})
            p["values"].append(float(bm[counter]))
            if isinstance(bm.get("GB_per_s_best"), (int, float)):
                p["gb"].append(float(bm["GB_per_s_best"]))
            if huge is not None:
                p["huge"] = huge
        else:  # compare_latency, compare_copy
            kind, unit = (("latency", "ns_per_load") if family == "compare_latency"
                          else ("copy", "ms_per_copy"))
            tables[kind].append(_compare_row(bm, f, name, unit, path))
    lat_points = []
    for (mapping, chain, nbytes), p in sorted(latency.items()):
        lat_points.append({"run": 0,
            "mapping": mapping, "chain": chain, "range_bytes": nbytes, "stride_bytes": 64,
            "report": _report_from_fraction(p["huge"], nbytes), "samples_ns": p["values"],
            "loads_per_sample": 1,
            "summary": _summary(p["values"], aggregates, p["counter"], p["name"], path),
            "counters_per_load": p["counters"], "counters": {"values": {}, "unavailable": {}},
            "benchmark": p["name"]})
    copy_points = []
    for (mapping, kernel, nbytes), p in sorted(copy.items()):
        rep = _report_from_fraction(p["huge"], nbytes)
        copy_points.append({"run": 1,
            "mapping": mapping, "kernel": kernel, "bytes": nbytes, "src_report": rep,
            "dst_report": rep, "samples_ms": p["values"],
            "summary": _summary(p["values"], aggregates, p["counter"], p["name"], path),
            # The fastest copy's throughput, as pfn_bench counted it (GB_per_s_best).
            "gb_per_s": (_summary(p["gb"], aggregates, "GB_per_s_best", p["name"], path)["max"]
                         if len(p["gb"]) == len(p["values"]) else None),
            "counters": {"values": {}, "unavailable": {}}, "benchmark": p["name"]})
        if copy_points[-1]["gb_per_s"] is None:
            del copy_points[-1]["gb_per_s"]  # an older pfn_bench: the schema check says so
    tlb_records = []
    for (mapping, nbytes), t in sorted(tlb.items()):
        cost = _median_row(t["rows"], aggregates, t["name"], "tlb_cost_ns", path)
        pct = _median_row(t["rows"], aggregates, t["name"], "tlb_cost_pct", path)
        if not isinstance(cost, (int, float)) or not isinstance(pct, (int, float)):
            raise DocError(f"{path}: {t['name']} has no tlb_cost_ns and tlb_cost_pct counters "
                           "(written by an older pfn_bench? rerun it)")
        tlb_records.append({"mapping": mapping, "range": nbytes,
                            "method": "pfn_bench tlb_cost counters", "tlb_cost_ns_per_load":
                            float(cost), "tlb_cost_pct_of_random": float(pct),
                            "benchmark": t["name"]})
    for rows in tables.values():
        rows.sort(key=lambda r: (r["without_mapping"], r["with_mapping"], r["bytes"]))
    caches = {}
    for c in ctx.get("caches", []):
        if c.get("type") in ("Data", "Unified"):
            caches[f"L{c.get('level')}{'d' if c.get('type') == 'Data' else ''}"] = c.get("size")
    doc = {
        "schema": SCHEMA_ID, "tool": "bench", "command_line": [ctx.get("executable", "bench")],
        "system": {"hostname": ctx.get("host_name", "?"), "date": ctx.get("date", "?"),
                   "kernel": "?", "cpu_model": "?", "cpus": ctx.get("num_cpus", 1),
                   "thp_enabled": "?", "pfnbench_version": "?",
                   "library_build_type": ctx.get("library_build_type", "?")},
        "runs": [{"tool": "bench", "role": "latency-compare", "what": "chase/..."},
                 {"tool": "bench", "role": "copy-compare", "what": "copy/..."}],
        "latency": lat_points, "copy": copy_points, "tlb_cost": tlb_records,
        "tables": {k: v for k, v in tables.items() if v},
        "source": f"Google Benchmark JSON {path}",
    }
    if str(ctx.get("pfn_cpu", "")).isdigit() and str(ctx.get("pfn_node", "")).isdigit():
        # Where pfn_bench pinned itself; the caches are Google Benchmark's own reading.
        doc["placement"] = {"cpu": int(ctx["pfn_cpu"]), "node": int(ctx["pfn_node"]),
                            "caches": caches}
    return doc


# --- small helpers shared by figures, compare and summary -----------------------------

def mib(nbytes):
    return nbytes / MIB


def size_label(nbytes):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if nbytes >= (1 << shift) and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift}{unit}"
    return f"{nbytes}"


def mapping_order(doc):
    """Every mapping a document measured, in the order it lists them: its backend's pair
    (without, with, with_1g), then its table rows', points' and TLB records'. Figures give
    a mapping its colour by this order, so one pair looks alike in every figure."""
    seen = []

    def add(m):
        if m and m not in seen:
            seen.append(m)
    backend = doc.get("backend") or {}
    for key in ("without", "with", "with_1g"):
        add(backend.get(key))
    for rows in (doc.get("tables") or {}).values():
        for r in rows:
            for key in ("without_mapping", "with_mapping", "with_1g_mapping"):
                add(r.get(key))
    for p in doc.get("latency", []) + doc.get("copy", []) + doc.get("tlb_cost", []):
        add(p.get("mapping"))
    return seen


def row_mappings(doc, table):
    """(without, with) mapping names of a compare table: the C++ rows carry them; a
    document from before they did falls back to its backend record."""
    for r in doc.get("tables", {}).get(table, []):
        if r.get("without_mapping") and r.get("with_mapping"):
            return r["without_mapping"], r["with_mapping"]
    backend = doc.get("backend") or {}
    return backend.get("without") or "without", backend.get("with") or "with"


def describe_machine(doc):
    """'vm (AMD EPYC, Linux 6.1.0-13-amd64)', leaving out what the document does not say."""
    s = doc.get("system", {})
    facts = []
    if s.get("cpu_model", "?") != "?":
        facts.append(s["cpu_model"])
    if s.get("kernel", "?") != "?":
        facts.append(f"Linux {s['kernel']}")
    host = s.get("hostname", "?")
    return f"{host} ({', '.join(facts)})" if facts else host
