"""Shared paths and checks for the plots/ tests."""

import os
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(REPO, "tests", "fixtures")
FAKE_TOOLS = os.path.join(HERE, "fake_tools")
ENTRY = os.path.join(REPO, "plots", "pfnbench_results.py")
PYTHON = "/usr/bin/python3"

sys.path.insert(0, os.path.join(REPO, "plots"))


def png_size(path):
    """(width, height) of a PNG file; raises AssertionError when it is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG signature"
    assert head[12:16] == b"IHDR", f"{path}: first chunk is not IHDR"
    return struct.unpack(">II", head[16:24])


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


class RunDirCase(unittest.TestCase):
    """A test with a fresh output directory (self.out) holding no-build/, where the
    stand-in programs log their calls (self.log)."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = self.tmp.name
        self.log = os.path.join(self.out, "no-build", "calls.log")
        os.makedirs(os.path.dirname(self.log))

    def tearDown(self):
        self.tmp.cleanup()
