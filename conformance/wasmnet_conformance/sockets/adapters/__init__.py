"""Runtime adapters for the wasi:sockets probe: the built-in ones by name, plus a generic one
configured by a command template (``--runtime-cmd`` / ``WASMNET_RUNTIME_CMD``)."""

from __future__ import annotations

from collections.abc import Callable

from wasmnet_conformance.sockets.adapters.base import (
    CAPABILITIES,
    Adapter,
    AdapterUnavailable,
    Availability,
    RunOutput,
)
from wasmnet_conformance.sockets.adapters.generic import Generic, TemplateError
from wasmnet_conformance.sockets.adapters.jco import Jco
from wasmnet_conformance.sockets.adapters.wasmtime_cli import WasmtimeCli
from wasmnet_conformance.sockets.adapters.wasmtime_py import WasmtimePy

BUILTIN: dict[str, Callable[[], Adapter]] = {
    "wasmtime": WasmtimeCli,
    "jco": Jco,
    "wasmtime-py": WasmtimePy,
}
"""Required runtimes first (wasmtime CLI, jco on Node), then wasmtime-py."""


def builtin_adapters(names: list[str] | None = None) -> list[Adapter]:
    """Fresh adapters for ``names`` (default: all built-in ones); KeyError on unknown names."""
    return [BUILTIN[n]() for n in (names if names is not None else list(BUILTIN))]


__all__ = [
    "BUILTIN",
    "CAPABILITIES",
    "Adapter",
    "AdapterUnavailable",
    "Availability",
    "Generic",
    "Jco",
    "RunOutput",
    "TemplateError",
    "WasmtimeCli",
    "WasmtimePy",
    "builtin_adapters",
]
