"""``python -m wasmnet_reference.wrpc``: see :mod:`wasmnet_reference.wrpc.cli`."""

from __future__ import annotations

import sys

from wasmnet_reference.wrpc.cli import main

if __name__ == "__main__":
    sys.exit(main())
