"""Shared pieces of the case catalogue: ID spelling, step shapes, constructors, citations."""

from __future__ import annotations

from collections.abc import Sequence

from wasmnet_conformance.wrpc_server.model import (
    CASE_PREFIX,
    Expect,
    HalfClose,
    Kind,
    Pause,
    Send,
    ServerCase,
    Step,
)
from wasmnet_conformance.wrpc_server.request import Target
from wasmnet_reference.rules import Ambiguity
from wasmnet_reference.values import Value

# Ambiguity flags (rules.py) and the ones this role adds (notes in cases/__init__.py).
ZERO_LENGTH_FRAME = Ambiguity.ZERO_LENGTH_FRAME.value
READY_STREAM = Ambiguity.READY_STREAM.value
VARIANT_PAYLOAD_PATH = Ambiguity.VARIANT_PAYLOAD_PATH.value
TRAILING_ROOT_BYTES = "trailing-root-bytes"
TRAILING_NOTE = (
    "wrpc.md §3 says parameters are the values concatenated on the root channel and nothing "
    "about root bytes after them: a server may reject them or ignore them (upstream decodes "
    "the parameters and does not look further, so it may answer before it sees them). Both "
    "pass under both profiles; the accepting reading must still echo the value the bytes "
    "start with."
)

SPLIT_PAUSE_S = 0.002
"""Between the writes of a split request, so that each tends to reach the server alone."""

# Citations (../shared/specs/wrpc.md, docs/conformance-world.md) and the decision each implies.
R_ECHO = "docs/conformance-world.md: echo returns its parameter unchanged (value equality)"
R_CALL = "wrpc.md §1-§3: header, parameters on the root channel, results on the root channel"
R_WRITES = (
    "wrpc.md §1: an invocation is one byte stream; how it is cut into transport writes carries "
    "no meaning"
)
R_FRAMES = "wrpc.md §2: frame boundaries carry no meaning; each path is a byte stream"
R_EMPTY_ROOT = (
    "wrpc.md §2: frame := ... uleb32(data_len) data, data_len may be 0; upstream clients send an "
    "empty root frame (00 00), so empty root frames carry nothing and must be accepted"
)
R_OVERLONG = (
    "wrpc.md §4 (core binary format): a non-minimal LEB128 within ceil(N/7) bytes is valid; "
    "wrpc.md §2 lengths and path elements are uleb32"
)
R_FAILED_CALL = (
    "wrpc.md §1: no in-band errors; a failed call is the server closing the connection "
    "before complete results"
)
R_VERSION = f"wrpc.md §2: only protocol version 0 is defined; {R_FAILED_CALL}"
R_NAMES = (
    "wrpc.md §2 Naming: instance = namespace:package/interface[@version] ('' for world "
    f"exports), function = WIT name without [method]/[static]/[constructor]; {R_FAILED_CALL}"
)
R_NAME_UTF8 = f"wrpc.md §2/§4: names are core:name, strict UTF-8; {R_FAILED_CALL}"
R_TRUNCATED = f"wrpc.md §2: the stream ended inside the header or a frame; {R_FAILED_CALL}"
R_LIMITS = (
    "wrpc.md §2: a robust peer bounds every length it reads (uleb32 at most 5 bytes, unused "
    f"bits zero); a hostile length must not crash or hang the server; {R_FAILED_CALL}"
)
R_PATHS = (
    "wrpc.md §3: non-root paths carry the data of pending futures/streams and index their "
    "position; a frame on a path that names none cannot be delivered (upstream: 'subscription "
    f"not found'); {R_FAILED_CALL}"
)
R_STREAM_END = f"wrpc.md §3: each pending stream MUST finish with an empty list<T>; {R_FAILED_CALL}"
R_ASYNC = (
    "wrpc.md §3: a pending future/stream is 00 on the root channel, its data (a T, or list<T> "
    "chunks ending with an empty one) on its own path"
)
R_RELAY = "docs/conformance-world.md: async echo relays data as it arrives, before the input ends"
R_HALF_CLOSE = (
    "wrpc.md §1: the client MUST half-close once its parameters are sent; the server may answer "
    "before or after that FIN (both readings pass, the one taken is recorded)"
)
R_LIVENESS = (
    "robustness: a client that stops sending must not stop the server from serving other calls"
)


def cid(*parts: str) -> str:
    return CASE_PREFIX + ".".join(parts)


def sent_whole(data: bytes) -> tuple[Step, ...]:
    """One write (everything coalesced), then the client's FIN."""
    return (Send(data), HalfClose())


def sent_in_pieces(pieces: Sequence[bytes], pause: float = SPLIT_PAUSE_S) -> tuple[Step, ...]:
    """One write per piece with a short pause between, then the client's FIN."""
    steps: list[Step] = []
    for i, piece in enumerate(pieces):
        if i:
            steps.append(Pause(pause))
        steps.append(Send(piece))
    steps.append(HalfClose())
    return tuple(steps)


def valid(
    case_id: str,
    family: str,
    rule: str,
    summary: str,
    target: Target,
    steps: tuple[Step, ...],
    values: Sequence[Value],
    *,
    flags: Sequence[str] = (),
    required_awaits: Sequence[str] = (),
) -> ServerCase:
    return ServerCase(
        case_id,
        family,
        rule,
        summary,
        target,
        steps,
        Expect(Kind.VALID, tuple(values), required_awaits=tuple(required_awaits)),
        tuple(flags),
    )


def invalid(
    case_id: str,
    family: str,
    rule: str,
    summary: str,
    target: Target,
    steps: tuple[Step, ...],
    *,
    flags: Sequence[str] = (),
    stall: bool = False,
) -> ServerCase:
    return ServerCase(
        case_id, family, rule, summary, target, steps, Expect(Kind.INVALID), tuple(flags), stall
    )


def acceptable(
    case_id: str,
    family: str,
    rule: str,
    summary: str,
    target: Target,
    steps: tuple[Step, ...],
    values: Sequence[Value],
    *,
    flags: Sequence[str],
    strict_rejects: bool,
) -> ServerCase:
    return ServerCase(
        case_id,
        family,
        rule,
        summary,
        target,
        steps,
        Expect(Kind.ACCEPTABLE, tuple(values), strict_rejects=strict_rejects),
        tuple(flags),
    )
