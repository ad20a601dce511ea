"""The backend record: the core chooses and names it (pfnbench_info, lat_mem_rd --compare),
plots/ only reads it."""

import unittest

import helpers  # noqa: F401  (sets sys.path)
from pfnres import backend

CORE_RECORD = {  # as pfnbench_info --json and lat_mem_rd --compare --json write it
    "name": "device-fault", "without": "device-pte", "with": "device-fault",
    "label": "a label only the record knows",
    "reason": "kdriver on a stock kernel: PMD leaves through the fault path",
    "probes": [{"name": "device-remap", "chosen": False,
                "result": "remap_pfn_range gave 4 KiB PTEs (kernel without the series)"},
               {"name": "device-fault", "chosen": True, "result": "both read back as promised"}]}


class FromRecord(unittest.TestCase):
    def test_core_record(self):
        b = backend.from_record(CORE_RECORD)
        self.assertEqual((b["name"], b["without"], b["with"]),
                         ("device-fault", "device-pte", "device-fault"))
        self.assertEqual(b["label"], "a label only the record knows")
        line = backend.describe(b)
        self.assertTrue(line.startswith("a label only the record knows: kdriver on a stock"))
        self.assertIn("not used: device-remap: remap_pfn_range gave 4 KiB PTEs", line)

    def test_record_from_before_labels_is_named_by_its_pair(self):
        old = {k: v for k, v in CORE_RECORD.items() if k != "label"}
        self.assertEqual(backend.from_record(old)["label"], "device-fault vs device-pte")

    def test_no_pair_is_refused_with_the_records_reason(self):
        with self.assertRaisesRegex(backend.BackendError,
                                    "^unavailable: no backend gives huge pages here"):
            backend.from_record({"name": None,
                                 "reason": "no backend gives huge pages here (thp: off)"})
        with self.assertRaisesRegex(backend.BackendError, "no backend record"):
            backend.from_record(None)


class LabelOf(unittest.TestCase):
    def test_the_record_then_the_rows_then_the_points(self):
        self.assertEqual(backend.label_of({"backend": CORE_RECORD}),
                         "a label only the record knows")
        rows = {"tables": {"latency": [{"without_mapping": "device-pte",
                                        "with_mapping": "device-fault-1g"}]}}
        self.assertEqual(backend.label_of(rows), "device-fault-1g vs device-pte")
        points = {"latency": [{"mapping": "thp"}, {"mapping": "4k"}, {"mapping": "thp"}]}
        self.assertEqual(backend.label_of(points), "thp, 4k")  # the document's order
        self.assertEqual(backend.label_of({}), "no data")


if __name__ == "__main__":
    unittest.main()
