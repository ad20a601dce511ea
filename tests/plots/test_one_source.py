"""plots/ reads what the C++ records decide and restates none of it (issue 13): no list of
mapping or backend names, no machine facts read from sysfs, no improvement formula. This
reads plots/pfnres's source, so a copy that comes back fails here, whatever it computes."""

import ast
import glob
import json
import os
import unittest

import helpers

SOURCES = sorted(glob.glob(os.path.join(helpers.REPO, "plots", "pfnres", "*.py")))


def mapping_names():
    with open(os.path.join(helpers.REPO, "plots", "schema",
                           "pfnbench-results-1.schema.json")) as f:
        return set(json.load(f)["$defs"]["mapping"]["enum"])


def trees():
    for path in SOURCES:
        with open(path, encoding="utf-8") as f:
            yield os.path.relpath(path, helpers.REPO), ast.parse(f.read(), path)


def relative_change(node):
    """(a - b) / a: the improvement formula, however its operands are named."""
    return (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
            and isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Sub)
            and ast.dump(node.left.left) == ast.dump(node.right))


class OneSource(unittest.TestCase):
    def test_sources_are_found(self):
        names = {os.path.basename(p) for p in SOURCES}
        self.assertLessEqual({"backend.py", "doc.py", "figures.py", "reproduce.py"}, names)

    def test_no_mapping_or_backend_name_is_written_in_plots(self):
        # Which kinds are huge, which pairs a backend compares, what colour a mapping
        # gets: the records say (backend, rows, points, mapping reports).
        names = mapping_names()
        found = [f"{path}:{n.lineno}: {n.value!r}" for path, tree in trees()
                 for n in ast.walk(tree)
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and n.value in names]
        self.assertEqual(found, [])

    def test_no_machine_fact_is_read_from_sysfs(self):
        # CPU, node and caches are pfnbench_info's (core/platform/placement.h).
        found = [f"{path}:{n.lineno}" for path, tree in trees() for n in ast.walk(tree)
                 if isinstance(n, ast.Constant) and isinstance(n.value, str)
                 and ("/sys/" in n.value or "sched_getaffinity" in n.value)]
        found += [f"{path}:{n.lineno}" for path, tree in trees() for n in ast.walk(tree)
                  if isinstance(n, ast.Attribute) and n.attr == "sched_getaffinity"]
        self.assertEqual(found, [])

    def test_no_improvement_formula(self):
        # (without - with) / without lives in core/measure/improvement.cpp. The one relative change
        # left is `pfnbench compare`'s delta between two runs of the same column
        # (tables._delta), which no C++ program computes.
        found = []
        for path, tree in trees():
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef):
                    continue
                if (path, fn.name) == (os.path.join("plots", "pfnres", "tables.py"), "_delta"):
                    continue
                found += [f"{path}:{n.lineno} in {fn.name}" for n in ast.walk(fn)
                          if relative_change(n)]
        self.assertEqual(found, [])

    def test_the_scan_finds_what_it_looks_for(self):
        # The checks above cannot pass vacuously.
        tree = ast.parse("def f(wo, wi):\n    return (wo - wi) / wo * 100\nx = 'thp'\n")
        self.assertTrue(any(relative_change(n) for n in ast.walk(tree)))
        self.assertIn("thp", {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
                      & mapping_names())


if __name__ == "__main__":
    unittest.main()
