#!/usr/bin/python3
"""Entry point of `pfnbench reproduce | plot | compare | check` (the front script
dispatches here). Needs Debian's python3 with python3-matplotlib and python3-jsonschema."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pfnres.cli import main  # noqa: E402

if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Ctrl-C outside reproduce's own handling (plot, compare, or after a run finished
        # and its directory is complete): no traceback.
        sys.exit(130)
