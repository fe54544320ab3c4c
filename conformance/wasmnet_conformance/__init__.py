"""The wasmnet conformance suite: parts (codec vectors, wRPC roles, wasi:sockets scenarios)
registered in :mod:`wasmnet_conformance.cli`, sharing one result model and report writer."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The package is installed editable from the repository: conformance/wasmnet_conformance/."""
