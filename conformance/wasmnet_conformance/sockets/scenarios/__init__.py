"""All wasi:sockets scenarios, in a stable order (modules below, then definition order).

IDs are unique and stable: expectation files, repro commands and the matrix refer to them.
"""

from __future__ import annotations

from functools import lru_cache

from wasmnet_conformance.sockets.scenarios import (
    deny,
    lookup,
    network,
    tcp_bind,
    tcp_connect,
    tcp_listen,
    tcp_options,
    tcp_streams,
    udp,
    udp_send,
)
from wasmnet_conformance.sockets.scenarios.base import Check, Scenario

MODULES = (network, tcp_bind, tcp_connect, tcp_listen, tcp_options, tcp_streams, udp,
           udp_send, lookup, deny)


@lru_cache(maxsize=1)
def all_scenarios() -> tuple[Scenario, ...]:
    """Every scenario; ValueError if two share an ID (a suite bug)."""
    out: list[Scenario] = []
    seen: set[str] = set()
    for module in MODULES:
        for s in module.SCENARIOS:
            if s.id in seen:
                raise ValueError(f"duplicate scenario id {s.id!r}")
            seen.add(s.id)
            out.append(s)
    return tuple(out)


def by_id() -> dict[str, Scenario]:
    return {s.id: s for s in all_scenarios()}


__all__ = ["Check", "Scenario", "all_scenarios", "by_id"]
