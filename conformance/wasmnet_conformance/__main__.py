"""``python -m wasmnet_conformance`` / ``wasmnet-conformance``; the CLI lives in
:mod:`wasmnet_conformance.cli`."""

from __future__ import annotations

import sys

from wasmnet_conformance.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
