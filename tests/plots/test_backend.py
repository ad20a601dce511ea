import unittest

import helpers  # noqa: F401
from pfnres import backend


def prober(fractions):
    """A probe that answers from a table: mapping -> fraction huge (None: it failed)."""
    calls = []

    def probe(_lat, mapping, cpu, node):
        calls.append(mapping)
        f = fractions.get(mapping)
        if f is None:
            return None, f"{mapping}: cannot map"
        return f, f"{f * 100:.1f}% huge"
    return probe, calls


def checks(missing=()):
    return lambda need: f"no {need}" if need in missing else ""


class Choose(unittest.TestCase):
    def test_series_kernel_with_driver_uses_remap(self):
        probe, calls = prober({"device-remap": 1.0, "device-pte": 0.0})
        b = backend.choose("lat", probe=probe, check=checks())
        self.assertEqual((b["name"], b["without"], b["with"]),
                         ("device-remap", "device-pte", "device-remap"))
        self.assertEqual(calls, ["device-remap", "device-pte"])

    def test_stock_kernel_with_driver_uses_the_fault_path(self):
        probe, _ = prober({"device-remap": 0.0, "device-fault": 1.0, "device-pte": 0.0})
        b = backend.choose("lat", probe=probe, check=checks())
        self.assertEqual(b["name"], "device-fault")
        self.assertIn("does not carry the PMD PFNMAP series", b["reason"])
        self.assertEqual([p["ok"] for p in b["probes"]], [False, True])

    def test_without_driver_uses_thp(self):
        probe, calls = prober({"thp": 1.0})
        b = backend.choose("lat", probe=probe, check=checks({"device"}))
        self.assertEqual((b["name"], b["without"], b["with"]), ("thp", "4k", "thp"))
        self.assertNotIn("device-remap", calls)
        self.assertIn("no device", b["reason"])

    def test_thp_off_falls_back_to_hugetlb(self):
        probe, _ = prober({"hugetlb": 1.0})
        b = backend.choose("lat", probe=probe, check=checks({"device", "thp"}))
        self.assertEqual(b["name"], "hugetlb")

    def test_partly_huge_is_not_good_enough(self):
        probe, _ = prober({"thp": 0.6, "hugetlb": 1.0})
        b = backend.choose("lat", probe=probe, check=checks({"device"}))
        self.assertEqual(b["name"], "hugetlb")

    def test_device_whose_pte_mode_is_not_4k_is_refused(self):
        probe, _ = prober({"device-remap": 1.0, "device-fault": 1.0, "device-pte": 1.0,
                           "thp": 1.0})
        b = backend.choose("lat", probe=probe, check=checks())
        self.assertEqual(b["name"], "thp")

    def test_forced_backend_that_cannot_work_says_why(self):
        probe, _ = prober({"thp": 1.0})
        with self.assertRaisesRegex(backend.BackendError, "device-fault: no device"):
            backend.choose("lat", forced="device-fault", probe=probe, check=checks({"device"}))
        with self.assertRaisesRegex(backend.BackendError, "unknown backend"):
            backend.choose("lat", forced="2m", probe=probe, check=checks())

    def test_nothing_available(self):
        probe, _ = prober({})
        with self.assertRaisesRegex(backend.BackendError, "no backend gives verified huge"):
            backend.choose("lat", probe=probe, check=checks({"device"}))


if __name__ == "__main__":
    unittest.main()
