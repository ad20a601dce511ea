"""Shared paths and checks for the plots/ tests."""

import os
import struct
import sys

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
