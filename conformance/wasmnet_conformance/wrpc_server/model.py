"""What a server-role case is: the exact bytes the suite sends (as steps), and what the server
must do with them.

Three kinds, as for vectors: ``valid`` (the server must answer with these results, then close
its side), ``invalid`` (the server must close the connection without complete results, within
the case timeout, and stay alive), ``acceptable`` (the spec is [ambiguous]: answering with one
of the allowed results or closing are both readings; the strict profile requires closing where
``strict_rejects`` says so). Every bad-input and ambiguous case is followed by a liveness call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from wasmnet_conformance.wrpc_server.request import Target
from wasmnet_reference.values import Value


class Kind(str, enum.Enum):
    VALID = "valid"
    INVALID = "invalid"
    ACCEPTABLE = "acceptable"


@dataclass(frozen=True)
class Send:
    data: bytes


@dataclass(frozen=True)
class Pause:
    """Let the previous write reach the server on its own before the next one."""

    seconds: float


@dataclass(frozen=True)
class HalfClose:
    """The client's FIN (wrpc.md §1: the client MUST shut down its write side once the
    parameters and all async parameter data are sent)."""


@dataclass(frozen=True)
class AwaitResults:
    """Wait (a bounded window) for complete results before going on; ``label`` names the
    outcome in the observation."""

    label: str


@dataclass(frozen=True)
class AwaitElements:
    """Wait (a bounded window) until ``count`` result stream elements arrived (all streams of
    the results together)."""

    count: int
    label: str


Step = Send | Pause | HalfClose | AwaitResults | AwaitElements


@dataclass(frozen=True)
class Expect:
    kind: Kind
    values: tuple[Value, ...] = ()
    """Allowed results (futures and streams resolved to ``Ready``) for valid and acceptable."""
    strict_rejects: bool = True
    """acceptable only: the strict profile requires the server to close without results."""
    required_awaits: tuple[str, ...] = ()
    """Await labels that must be met (a world contract such as relaying before the end)."""


@dataclass(frozen=True)
class ServerCase:
    """One connection: send ``steps``, then read the server's answer until it closes or the
    case times out. With ``stall`` the suite instead keeps the connection open without
    finishing it and checks that the server answers another call meanwhile."""

    id: str
    family: str
    rule: str
    """The spec citation (or world contract) the case checks, with the decision it implies."""
    summary: str
    target: Target
    steps: tuple[Step, ...]
    expect: Expect
    flags: tuple[str, ...] = ()
    stall: bool = False

    @property
    def liveness_after(self) -> bool:
        return self.stall or self.expect.kind is not Kind.VALID


@dataclass(frozen=True)
class ScriptCase:
    """A case of several connections (state across calls, concurrency, resource use), run by
    the named script of :mod:`wasmnet_conformance.wrpc_server.scripts`."""

    id: str
    family: str
    rule: str
    summary: str
    script: str
    params: dict[str, Any] = field(default_factory=dict)
    liveness_after: bool = False
    flags: tuple[str, ...] = ()


AnyCase = ServerCase | ScriptCase

CASE_PREFIX = "wrpc-server."
