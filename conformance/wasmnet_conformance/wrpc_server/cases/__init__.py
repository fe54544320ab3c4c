"""The server role's case catalogue, built from the conformance world's WIT and the golden
vectors. Order: valid calls first (run concurrently), then multi-connection scripts, then bad
input and stalls (run one at a time, each followed by a liveness call)."""

from __future__ import annotations

from collections.abc import Iterable

from wasmnet_conformance.codec.vectors import AnyVector
from wasmnet_conformance.wrpc_server.cases.asyncs import async_cases
from wasmnet_conformance.wrpc_server.cases.bad import (
    UNKNOWN_PATH_AFTER_PARAMS,
    UNKNOWN_PATH_NOTE,
    bad_cases,
)
from wasmnet_conformance.wrpc_server.cases.common import TRAILING_NOTE, TRAILING_ROOT_BYTES
from wasmnet_conformance.wrpc_server.cases.conn import (
    ANSWER_BEFORE_CLIENT_FIN,
    ANSWER_NOTE,
    IDLE_CLIENT,
    IDLE_NOTE,
    conn_cases,
)
from wasmnet_conformance.wrpc_server.cases.shapes import shape_cases
from wasmnet_conformance.wrpc_server.cases.vectors import vector_cases
from wasmnet_conformance.wrpc_server.model import AnyCase
from wasmnet_conformance.wrpc_server.world import World

ROLE_NOTES = {
    TRAILING_ROOT_BYTES: TRAILING_NOTE,
    UNKNOWN_PATH_AFTER_PARAMS: UNKNOWN_PATH_NOTE,
    ANSWER_BEFORE_CLIENT_FIN: ANSWER_NOTE,
    IDLE_CLIENT: IDLE_NOTE,
}
"""Ambiguity flags this role adds to the vector files' notes."""


class CatalogueError(Exception):
    """Two cases share an ID: a bug in the catalogue, not in the target."""


def catalogue(world: World, vectors: Iterable[AnyVector]) -> list[AnyCase]:
    cases: list[AnyCase] = [
        *vector_cases(world, vectors),
        *shape_cases(world),
        *async_cases(world),
        *bad_cases(world),
        *conn_cases(world),
    ]
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CatalogueError(f"duplicate case ID {case.id}")
        seen.add(case.id)
    return cases
