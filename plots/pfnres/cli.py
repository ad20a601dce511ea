"""Command line of the Python side of pfnbench: reproduce, plot, compare, check."""

import argparse
import os
import sys

from . import doc as docmod


def cmd_plot(args):
    try:
        d = docmod.load(args.input)
    except docmod.DocError as e:
        print(f"pfnbench plot: error: {e}", file=sys.stderr)
        return 1
    if args.out:
        out = args.out
    elif os.path.isdir(args.input):
        out = args.input
    else:
        out = os.path.dirname(os.path.abspath(args.input))
    reference = args.reference
    if reference is None:  # what the run was plotted with, else none
        reference = (d.get("plots") or {}).get("reference") or "none"
    try:
        ref = None if reference == "none" else docmod.load_reference(reference)
    except docmod.DocError as e:
        print(f"pfnbench plot: error: {e}", file=sys.stderr)
        return 1
    try:
        from . import figures
    except ImportError as e:
        print(f"pfnbench plot: error: {sys.executable} cannot import matplotlib ({e}; "
              "Debian: apt-get install python3-matplotlib)", file=sys.stderr)
        return 1
    only = args.only.split(",") if args.only else figures.FIGURES
    unknown = [o for o in only if o not in figures.FIGURES]
    if unknown:
        print(f"pfnbench plot: error: unknown figure {', '.join(unknown)} "
              f"(choose from {', '.join(figures.FIGURES)})", file=sys.stderr)
        return 1
    for name, path, why in figures.write_all(d, out, ref, only):
        print(f"{name}: {path}" if path else f"{name}: not drawn ({why})")
    return 0


def cmd_check(args):
    """Schema check of results documents (exit 1 on the first invalid one)."""
    try:
        import jsonschema  # noqa: F401  (docmod.schema_errors needs it)
    except ImportError as e:
        print(f"pfnbench check: error: {sys.executable} cannot import jsonschema ({e}; "
              "Debian: apt-get install python3-jsonschema)", file=sys.stderr)
        return 1
    rc = 0
    for path in args.files:
        try:
            d = docmod.load(path)
        except docmod.DocError as e:
            print(f"{path}: {e}")
            rc = 1
            continue
        errors = docmod.schema_errors(d)
        if not args.schema_only:
            errors += docmod.consistency_errors(d)
        for e in errors:
            print(f"{path}: {e}")
        if errors:
            rc = 1
        else:
            print(f"{path}: valid {docmod.SCHEMA_ID}")
    return rc


def parser():
    ap = argparse.ArgumentParser(prog="pfnbench", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)

    from . import reproduce
    p = sub.add_parser("reproduce", help="run the cover letter's tables on this machine "
                       "into results/<host>-<date>-<backend>/")
    reproduce.add_arguments(p)

    p = sub.add_parser("plot", help="draw the plots of a run directory or results JSON "
                       "(also Google Benchmark JSON from bench/)")
    p.add_argument("input", help="run directory, results.json, or Google Benchmark JSON")
    p.add_argument("--out", help="directory for the PNGs (default: beside the input)")
    p.add_argument("--reference", default=None,
                   help="overlay published numbers: cover-letter, or none (default: what "
                        "the run was plotted with, else none)")
    p.add_argument("--only", help="comma-separated figures: latency,improvement,tlb,sweep")

    p = sub.add_parser("compare", help="two runs' tables side by side with deltas")
    p.add_argument("a", help="run directory, results.json, or 'cover-letter'")
    p.add_argument("b", help="run directory, results.json, or 'cover-letter'")

    p = sub.add_parser("check", help="validate results documents: the schema, then the "
                       "consistency of reports, summaries and tables")
    p.add_argument("--schema-only", action="store_true", help="skip the consistency checks")
    p.add_argument("files", nargs="+")
    return ap


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.command == "reproduce":
        from . import reproduce
        return reproduce.main(args, ["pfnbench"] + argv)
    if args.command == "plot":
        return cmd_plot(args)
    if args.command == "compare":
        from . import compare
        return compare.main(args)
    return cmd_check(args)
