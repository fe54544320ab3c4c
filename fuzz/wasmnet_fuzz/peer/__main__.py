"""``python -m wasmnet_fuzz.peer``: see :mod:`wasmnet_fuzz.peer.cli`."""

from __future__ import annotations

import sys

from wasmnet_fuzz.peer.cli import main

sys.exit(main())
