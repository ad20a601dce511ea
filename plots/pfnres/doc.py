"""Reading results: pfnbench results documents, Google Benchmark JSON, the cover-letter
reference, and the schema check.

Everything downstream (figures, compare, summary) works on a pfnbench-results/1 document
(a plain dict, exactly as the C++ programs write it). Google Benchmark output from bench/
is converted into the same shape so the same figures can draw it.
"""

import json
import os
import re

SCHEMA_ID = "pfnbench-results/1"
PLOTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMA_PATH = os.path.join(PLOTS_DIR, "schema", "pfnbench-results-1.schema.json")
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


def schema_errors(doc):
    """Every violation of the results schema, as 'path: message' strings ([] when valid)."""
    import jsonschema  # Debian: python3-jsonschema

    with open(SCHEMA_PATH, encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    errors = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        errors.append(f"{where}: {err.message}")
    return errors


def consistency_errors(doc, tolerance=1e-6):
    """What the schema cannot say: a report's page bytes add up to its bytes, a summary
    matches its samples, a table row's numbers match its summaries and its intervals are
    ordered (the improvements themselves are the C++ record's: core/improvement.h).
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
                                  ("chain_hops_next", "chain_hops", "fraction_chain_next")):
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
            # A three-column row (lat_mem_rd --with A,B) adds with_1g.
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

_SIZE_RE = re.compile(r"^(\d+)([KMG]?)$", re.IGNORECASE)
_MAPPINGS = {"4k", "thp", "hugetlb", "hugetlb-1g", "device-pte", "device-remap", "device-fault",
             "device-fault-1g"}
_CHAINS = {"stride", "thrash", "random", "page-local"}


def _parse_size(text):
    m = _SIZE_RE.match(text)
    if not m:
        return None
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]


def _split_name(name):
    """'BM_Chase/thrash/thp/67108864/repeats:3' -> ('BM_Chase', {'chain': .., ...})."""
    parts = name.split("/")
    family, fields = parts[0], {}
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if sep and not key.isdigit():
            # Google Benchmark's own suffixes (repeats:3, min_time:0.1) or named args.
            fields.setdefault("args", {})[key] = value
            part = value
            if key in ("repeats", "min_time", "iterations", "threads"):
                continue
        if part in _MAPPINGS:
            fields["mapping"] = part
        elif part in _CHAINS:
            fields["chain"] = part
        elif _parse_size(part) is not None and "bytes" not in fields:
            fields["bytes"] = _parse_size(part)
        elif "kernel" not in fields and not part.replace(".", "").isdigit():
            fields["kernel"] = part
    return family, fields


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


def _family(name):
    return name.split("/")[0].lower().removeprefix("bm_")


def _first_key(bm, *keys):
    for k in keys:
        if isinstance(bm.get(k), (int, float)):
            return k
    return None


def _first(bm, *keys):
    k = _first_key(bm, *keys)
    return None if k is None else float(bm[k])


def from_gbench(data, path="(gbench)"):
    """Google Benchmark JSON (bench/) -> a pfnbench-results/1-shaped document.

    Families understood (names as bench/ registers them; a "BM_" prefix is ignored):
      chase/<chain>/<mapping>/<bytes>   user counters ns_per_load_min (or ns_per_load),
                                        huge_fraction, <event>/load
      tlb_cost/<mapping>/<bytes>        page_local_ns, random_ns -> a page-local and a random
                                        latency point, so the TLB-cost figure can use them
      copy/<kernel>/<mapping>/<bytes>   ms_per_copy_min (or ms_per_copy)
    Others (chase_overhead, copy_vs_libc) are not drawn. Repetitions of one name become the
    samples of one point, and its summary is read from the aggregate rows pfn_bench wrote
    for that counter (pfn::summarize in C++: min, p10, p90, max, spread; Google Benchmark's
    mean, median, stddev).
    """
    ctx = data.get("context", {})
    latency, copy = {}, {}
    aggregates = {}  # run name -> aggregate name -> row
    for bm in data.get("benchmarks", []):
        if bm.get("run_type") == "aggregate":
            aggregates.setdefault(bm.get("run_name", ""), {})[bm.get("aggregate_name")] = bm

    def add_latency(key, value, huge, counters, name, counter):
        # key ends with the run index: chase and tlb_cost points of the same chain and
        # size are different measurements and stay apart.
        p = latency.setdefault(key, {"name": name, "values": [], "huge": None,
                                     "counters": {}, "counter": counter})
        p["values"].append(value)
        if huge is not None:
            p["huge"] = huge
        for k, v in counters.items():
            p["counters"][k] = v

    for bm in data.get("benchmarks", []):
        if bm.get("run_type") == "aggregate" or bm.get("error_occurred"):
            continue
        name = bm.get("run_name") or bm.get("name", "")
        family = _family(name)
        _, f = _split_name(name)
        if "mapping" not in f or "bytes" not in f:
            continue
        huge = _first(bm, "huge_fraction")
        if family == "chase" and "chain" in f:
            counter = _first_key(bm, "ns_per_load_min", "ns_per_load")
            if counter is None:
                continue
            per_load = {k.rsplit("/", 1)[0]: float(v) for k, v in bm.items()
                        if k.endswith("/load") and isinstance(v, (int, float))}
            add_latency((f["mapping"], f["chain"], f["bytes"], 0), float(bm[counter]), huge,
                        per_load, name, counter)
        elif family == "tlb_cost":
            for chain, key in (("page-local", "page_local_ns"), ("random", "random_ns")):
                value = _first(bm, key)
                if value is not None:
                    add_latency((f["mapping"], chain, f["bytes"], 1), value, huge, {}, name,
                                key)
        elif family == "copy":
            counter = _first_key(bm, "ms_per_copy_min", "ms_per_copy")
            if counter is None:
                continue
            key = (f["mapping"], f.get("kernel", "libc"), f["bytes"])
            p = copy.setdefault(key, {"name": name, "values": [], "huge": None,
                                      "counter": counter})
            p["values"].append(float(bm[counter]))
            if huge is not None:
                p["huge"] = huge
    lat_points = []
    for (mapping, chain, nbytes, run), p in sorted(latency.items()):
        lat_points.append({"run": run,
            "mapping": mapping, "chain": chain, "range_bytes": nbytes, "stride_bytes": 64,
            "report": _report_from_fraction(p["huge"], nbytes), "samples_ns": p["values"],
            "loads_per_sample": 1,
            "summary": _summary(p["values"], aggregates, p["counter"], p["name"], path),
            # Per-load values as Google Benchmark reported them (already divided).
            "counters_per_load": p["counters"], "counters": {"values": {}, "unavailable": {}},
            "benchmark": p["name"]})
    copy_points = []
    for (mapping, kernel, nbytes), p in sorted(copy.items()):
        rep = _report_from_fraction(p["huge"], nbytes)
        copy_points.append({"run": 2,
            "mapping": mapping, "kernel": kernel, "bytes": nbytes, "src_report": rep,
            "dst_report": rep, "samples_ms": p["values"],
            "summary": _summary(p["values"], aggregates, p["counter"], p["name"], path),
            "gb_per_s": nbytes / (min(p["values"]) / 1e3) / 1e9,
            "counters": {"values": {}, "unavailable": {}}, "benchmark": p["name"]})
    caches = {}
    for c in ctx.get("caches", []):
        if c.get("type") in ("Data", "Unified"):
            caches[f"L{c.get('level')}{'d' if c.get('type') == 'Data' else ''}"] = c.get("size")
    return {
        "schema": SCHEMA_ID, "tool": "bench", "command_line": [ctx.get("executable", "bench")],
        "system": {"hostname": ctx.get("host_name", "?"), "date": ctx.get("date", "?"),
                   "kernel": "?", "cpu_model": "?", "cpus": ctx.get("num_cpus", 1),
                   "thp_enabled": "?", "pfnbench_version": "?", "caches": caches,
                   "library_build_type": ctx.get("library_build_type", "?")},
        "runs": [{"tool": "bench", "role": "latency-compare", "what": "chase/..."},
                 {"tool": "bench", "role": "tlb-cost", "what": "tlb_cost/..."},
                 {"tool": "bench", "role": "copy-compare", "what": "copy/..."}],
        "latency": lat_points, "copy": copy_points, "source": f"Google Benchmark JSON {path}",
    }


# --- small helpers shared by figures, compare and summary -----------------------------

def mib(nbytes):
    return nbytes / MIB


def size_label(nbytes):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if nbytes >= (1 << shift) and nbytes % (1 << shift) == 0:
            return f"{nbytes >> shift}{unit}"
    return f"{nbytes}"


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
