"""The backend record: the core chooses (lat_mem_rd --compare), plots/ only reads it."""

import unittest

import helpers  # noqa: F401  (sets sys.path)
from pfnres import backend

CORE_RECORD = {  # as lat_mem_rd --compare --json writes it (core/backend.h)
    "name": "device-fault", "without": "device-pte", "with": "device-fault",
    "reason": "kdriver on a stock kernel: PMD leaves through the fault path",
    "probes": [{"name": "device-remap", "chosen": False,
                "result": "remap_pfn_range gave 4 KiB PTEs (kernel without the series)"},
               {"name": "device-fault", "chosen": True, "result": "both read back as promised"}]}


class FromDocument(unittest.TestCase):
    def test_core_record(self):
        b = backend.from_document({"backend": CORE_RECORD})
        self.assertEqual((b["name"], b["without"], b["with"]),
                         ("device-fault", "device-pte", "device-fault"))
        self.assertIn("huge_fault", b["label"])
        line = backend.describe(b)
        self.assertIn("PMD leaves through the fault path", line)
        self.assertIn("not used: device-remap: remap_pfn_range gave 4 KiB PTEs", line)

    def test_hand_picked_pair(self):
        b = backend.from_document({"backend": {"name": "", "without": "4k",
                                               "with": "hugetlb-1g", "reason": "--with"}})
        self.assertEqual(b["label"], "hugetlb-1g vs 4k")

    def test_document_without_record(self):
        doc = {"latency": [{"mapping": "4k"}, {"mapping": "thp"}]}
        b = backend.from_document(doc)
        self.assertEqual((b["name"], b["without"], b["with"]), ("thp", "4k", "thp"))
        with self.assertRaisesRegex(backend.BackendError, "not a known pair"):
            backend.from_document({"latency": [{"mapping": "4k"}]})

    def test_names_follow_the_core_order(self):
        self.assertEqual(backend.NAMES, ("device-remap", "device-fault", "thp", "hugetlb"))


if __name__ == "__main__":
    unittest.main()
