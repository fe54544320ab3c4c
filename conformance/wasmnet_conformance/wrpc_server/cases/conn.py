"""Connection behaviour: a client that stops sending, a client that never half-closes, a call
that hangs, many calls at once or in a row, resource use per call, and state across calls."""

from __future__ import annotations

from wasmnet_conformance.wrpc_server.cases.common import (
    R_HALF_CLOSE,
    R_LIVENESS,
    cid,
    valid,
)
from wasmnet_conformance.wrpc_server.model import (
    AnyCase,
    AwaitResults,
    Expect,
    HalfClose,
    Kind,
    ScriptCase,
    Send,
    ServerCase,
)
from wasmnet_conformance.wrpc_server.request import call, header, params_bytes
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.framing.uleb32 import write_u32
from wasmnet_reference.wrpc_world.world import CONSTANT

FAMILY = "conn"
PROBE_VALUE = 624485
ANSWERED_BEFORE_FIN = "answered-before-fin"
ANSWER_BEFORE_CLIENT_FIN = "answer-before-client-fin"
ANSWER_NOTE = (
    "wrpc.md §1 says the client MUST half-close once its parameters are sent, and nothing "
    "about whether a server answers before that FIN. Both pass; the reading says whether the "
    "results came before the client's FIN (answered-before-fin=yes) or only after it."
)
IDLE_CLIENT = "idle-client"
IDLE_NOTE = (
    "The spec sets no idle timeout: a server may keep a silent client's connection open or "
    "close it. Either passes as long as other calls are served meanwhile; the reading says "
    "which the server did while the suite's liveness call ran."
)

CONCURRENT_CALLS = 16
SEQUENTIAL_CALLS = 50
LEAK_CALLS = 40
"""Calls between two counts of the server's open descriptors (fd-leak)."""


def conn_cases(world: World) -> list[AnyCase]:
    probe = world.target("echo", "echo-u32")
    root = params_bytes(probe, [PROBE_VALUE])
    good = call(probe, root)
    head = header(probe)
    constant = world.target("echo", "constant")
    hang = world.target("echo", "hang")
    stalls: list[tuple[str, bytes, str]] = [
        ("nothing-sent", b"", "connect and send nothing"),
        ("mid-header", good[: len(head) // 2], "half of the header"),
        ("after-header", head, "the header, no frame"),
        ("mid-root-frame", good[:-1], "all but the last byte of the root frame"),
        ("data-length-2^32-1", head + b"\x00" + write_u32(0xFFFF_FFFF, None) + root[:1],
         "a root frame announcing 2^32-1 bytes, the u32's first byte"),
        ("path-length-2^32-1", head + write_u32(0xFFFF_FFFF, None),
         "a frame announcing 2^32-1 path elements"),
    ]
    out: list[AnyCase] = [
        ServerCase(
            cid(FAMILY, "stalled", label), FAMILY, R_LIVENESS,
            f"echo-u32: {text}, then silence (no FIN) while another call is made", probe,
            (Send(data),) if data else (), Expect(Kind.INVALID), (IDLE_CLIENT,), stall=True,
        )
        for label, data, text in stalls
    ]
    out.append(ServerCase(
        cid(FAMILY, "hang", "others-served"), FAMILY,
        "docs/conformance-world.md: hang holds the call without a result and must not block "
        "other calls", "hang() with FIN, held open while another call is made", hang,
        (Send(call(hang, b"")), HalfClose()), Expect(Kind.INVALID), (IDLE_CLIENT,), stall=True,
    ))
    for name, target, data, value in (
        ("echo-u32", probe, good, PROBE_VALUE),
        ("constant", constant, call(constant, b""), CONSTANT),
    ):
        out.append(valid(
            cid(FAMILY, "no-half-close", name), FAMILY, R_HALF_CLOSE,
            f"{name}: complete parameters, the client's FIN only after a wait", target,
            (Send(data), AwaitResults(ANSWERED_BEFORE_FIN), HalfClose()), [value],
            flags=(ANSWER_BEFORE_CLIENT_FIN,),
        ))
    out.extend([
        ScriptCase(
            cid(FAMILY, f"concurrent-{CONCURRENT_CALLS}"), FAMILY,
            "wrpc.md §1: TCP/Unix clients open one connection per invocation; a server serves "
            "them independently",
            f"{CONCURRENT_CALLS} echo-u32 calls on connections opened at once",
            "concurrent", {"calls": CONCURRENT_CALLS},
        ),
        ScriptCase(
            cid(FAMILY, f"sequential-{SEQUENTIAL_CALLS}"), FAMILY,
            "wrpc.md §1: one connection per invocation; a server must keep accepting",
            f"{SEQUENTIAL_CALLS} echo-u32 calls one after another", "sequential",
            {"calls": SEQUENTIAL_CALLS},
        ),
        ScriptCase(
            cid(FAMILY, "fd-leak"), FAMILY,
            "wrpc.md §1: a connection carries one invocation; when both sides have closed it "
            "the server must release it (resource use does not grow per call)",
            f"open descriptors of the server process before and after {LEAK_CALLS} calls",
            "fd-leak", {"calls": LEAK_CALLS},
        ),
        ScriptCase(
            cid("resources", "counter", "lifecycle"), "resources",
            "docs/conformance-world.md: counter(start) returns a handle (list<u8>, wrpc.md §3); "
            "get and increment on it across separate connections",
            "counter(5); get -> 5; increment -> 6; get -> 6 (four connections)",
            "counter-lifecycle", {"start": 5},
        ),
        ScriptCase(
            cid("resources", "counter", "independent"), "resources",
            "docs/conformance-world.md: each constructor call creates its own counter",
            "two counters; incrementing one leaves the other", "counter-independent",
            {"start": 2**64 - 1},
        ),
    ])
    return out
