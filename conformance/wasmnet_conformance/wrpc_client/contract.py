"""How the suite starts a client under test (docs/wrpc-client-contract.md), as constants and
one function, so the document and the code cannot drift apart silently.

``COMMAND ADDR INSTANCE FUNCTION [WAVE-ARG ...]``: one invocation, result as WAVE on one stdout
line and exit 0; a failed invocation exits 1 with a message on stderr; a usage error exits 2.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

EXIT_OK = 0
"""The invocation completed; the result is on stdout."""
EXIT_FAILED = 1
"""The invocation failed (early close, malformed result, timeout); a message is on stderr."""
EXIT_USAGE = 2
"""The command line cannot be used (unknown function, argument not WAVE of its type)."""

WIT_ENV = "WASMNET_CONFORMANCE_WIT"
"""Directory of the conformance WIT package (conformance/wit/)."""
TIMEOUT_ENV = "WASMNET_CLIENT_TIMEOUT"
"""Seconds (decimal) the client may wait for the server, from connecting until the results
are complete; clients should honour it and fail with exit 1 when it runs out."""

TCP_SCHEME = "tcp://"
UNIX_SCHEME = "unix:"


def tcp_address(host: str, port: int) -> str:
    """``tcp://127.0.0.1:PORT``; an IPv6 host is bracketed: ``tcp://[::1]:PORT``."""
    shown = f"[{host}]" if ":" in host else host
    return f"{TCP_SCHEME}{shown}:{port}"


def unix_address(path: Path) -> str:
    """``unix:/absolute/path`` (the path as the OS spells it)."""
    return f"{UNIX_SCHEME}{path}"


def client_argv(
    command: Sequence[str], address: str, instance: str, function: str, args: Sequence[str]
) -> list[str]:
    """The client's argv: the command's words, then ADDR INSTANCE FUNCTION and one WAVE text
    per parameter, each its own word (no shell is involved)."""
    return [*command, address, instance, function, *args]


def client_env(
    base: Mapping[str, str], wit_dir: Path, client_timeout_s: float
) -> dict[str, str]:
    """The client's environment: ``base`` plus the WIT directory and the timeout."""
    env = dict(base)
    env[WIT_ENV] = str(wit_dir)
    env[TIMEOUT_ENV] = f"{client_timeout_s:g}"
    return env


def default_env() -> dict[str, str]:
    """The suite's own environment, passed on (PATH, PYTHONPATH, virtualenv...)."""
    return dict(os.environ)
