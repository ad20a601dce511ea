"""pfnbench_info --json against plots/schema/pfnbench-info-1.schema.json: the freshly built
program ($PFNBENCH_BUILD or build/, as reproduce finds it) and the reproduce tests'
stand-in (fake_tools/pfnbench_info), so neither can write a key the schema lacks and the
stand-in cannot drift from the real program. Skipped when pfnbench_info is not built,
unless PFNBENCH_REQUIRE_E2E=1 (set by the ctest registration)."""

import copy
import json
import os
import subprocess
import unittest

import helpers
from pfnres import doc, reproduce

INFO = reproduce.find_tool("pfnbench_info")
REQUIRED = os.environ.get("PFNBENCH_REQUIRE_E2E") == "1"
FAKE = os.path.join(helpers.FAKE_TOOLS, "pfnbench_info")


def info_schema():
    return doc.load_schema(doc.INFO_SCHEMA_PATH)


def run_json(argv, env=None):
    p = subprocess.run(argv + ["--json"], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, **(env or {})))
    assert p.returncode == 0, f"{argv[0]} --json exited {p.returncode}: {p.stderr}"
    return json.loads(p.stdout)


def problems(d, schema=None):
    schema = schema or info_schema()
    return doc.schema_errors(d, schema) + doc.undocumented_keys(d, schema)


class InfoSchemaItself(unittest.TestCase):
    def test_every_entry_has_a_description(self):
        self.assertEqual(doc.undescribed_properties(info_schema()), [])


@unittest.skipUnless(INFO or REQUIRED, "pfnbench_info is not built (set PFNBENCH_BUILD)")
class RealProgram(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        assert INFO, "pfnbench_info is not built but PFNBENCH_REQUIRE_E2E=1"
        cls.doc = run_json([INFO])

    def test_its_document_is_valid_and_fully_documented(self):
        self.assertEqual(problems(self.doc), [])

    def test_a_stray_key_fails_wherever_it_is(self):
        for where in ((), ("placement",), ("system",), ("device",), ("counters",)):
            with self.subTest(where=where):
                d = copy.deepcopy(self.doc)
                node = d
                for k in where:
                    node = node[k]
                node["made_up"] = 1
                self.assertEqual(problems(d), [
                    f"{'/'.join(where) or '(top)'}: 'made_up' has no schema entry"])

    def test_a_stray_key_in_either_backend_shape_fails(self):
        d = copy.deepcopy(self.doc)
        d["backend"]["made_up"] = 1
        self.assertEqual(problems(d), ["backend: 'made_up' has no schema entry"])
        d["backend"] = {"name": None, "reason": "none here", "made_up": 1}
        self.assertEqual(problems(d), ["backend: 'made_up' has no schema entry"])


class KeysReproduceReads(unittest.TestCase):
    """reproduce.main takes placement.cpu and .node, and the backend record's pair (or
    the reason there is none, pfnres.backend.from_record): the schema requires each."""

    def setUp(self):
        self.doc = run_json([helpers.PYTHON, FAKE])
        self.assertEqual(problems(self.doc), [])

    def test_each_is_required(self):
        for path in (("placement", "cpu"), ("placement", "node"), ("backend", "without"),
                     ("backend", "with")):
            with self.subTest(path=path):
                d = copy.deepcopy(self.doc)
                del d[path[0]][path[1]]
                self.assertTrue(doc.schema_errors(d, info_schema()), path)
        for top in ("placement", "backend"):
            d = copy.deepcopy(self.doc)
            del d[top]
            self.assertIn(f"(top): '{top}' is a required property",
                          doc.schema_errors(d, info_schema()))

    def test_no_backend_needs_its_reason(self):
        d = copy.deepcopy(self.doc)
        d["backend"] = {"name": None, "reason": "no candidate gives huge pages"}
        self.assertEqual(problems(d), [])
        del d["backend"]["reason"]
        self.assertTrue(doc.schema_errors(d, info_schema()))

    def test_wrong_types_are_named(self):
        d = copy.deepcopy(self.doc)
        d["placement"]["cpu"] = "0"
        d["placement"]["caches"]["L2"] = "1M"
        errors = "\n".join(doc.schema_errors(d, info_schema()))
        self.assertIn("placement/cpu: '0' is not of type 'integer'", errors)
        self.assertIn("placement/caches/L2: '1M' is not of type 'integer'", errors)


class StandIn(unittest.TestCase):
    """The reproduce tests' pfnbench_info, in each shape they make it print."""

    def test_its_documents_are_valid_and_fully_documented(self):
        for env in ({}, {"FAKE_BACKENDS": "hugetlb"}, {"FAKE_BACKENDS": "none"},
                    {"FAKE_CACHES": "L1d:32768"}):
            with self.subTest(env=env):
                self.assertEqual(problems(run_json([helpers.PYTHON, FAKE], env)), [])

    def test_it_writes_no_top_level_key_the_real_program_lacks(self):
        if not INFO:
            self.skipTest("pfnbench_info is not built")
        fake, real = run_json([helpers.PYTHON, FAKE]), run_json([INFO])
        self.assertLessEqual(set(fake), set(real))


if __name__ == "__main__":
    unittest.main()
