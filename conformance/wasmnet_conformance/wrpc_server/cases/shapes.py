"""Valid calls in every shape the wire allows: the same content split into writes at every
position, byte by byte, coalesced; the root data in many frames, with empty root frames; every
length as an overlong (but valid) LEB128; the call shapes of the world (no parameters, no
results, several parameters, the empty instance); and each sample argument of the world."""

from __future__ import annotations

from collections.abc import Sequence

from wasmnet_conformance.wrpc_server.cases.common import (
    R_CALL,
    R_ECHO,
    R_EMPTY_ROOT,
    R_FRAMES,
    R_OVERLONG,
    R_WRITES,
    cid,
    sent_in_pieces,
    sent_whole,
    valid,
)
from wasmnet_conformance.wrpc_server.model import ServerCase
from wasmnet_conformance.wrpc_server.request import (
    Target,
    call,
    header,
    params_bytes,
    pieces,
    root_in_frames,
)
from wasmnet_conformance.wrpc_server.world import WORLD_LEVEL, World
from wasmnet_reference.framing import ROOT, encode_frame
from wasmnet_reference.values import Some, Value
from wasmnet_reference.wrpc_world import world as world_contract
from wasmnet_reference.wrpc_world.values import ECHO_SAMPLES, expected_echo

ECHO = "echo"
MULTIBYTE = "ƒ𐍈Ő"
"""wrpc.md §4's string example: 2-, 4- and 2-byte UTF-8 sequences, so splits fall inside
characters."""
PERSON: Value = {"name": "Ada", "age": 36, "tags": ["math", MULTIBYTE], "nick": Some("C")}

SPLIT_CALLS: tuple[tuple[str, tuple[Value, ...]], ...] = (
    ("echo-u32", (624485,)),  # e5 8e 26: a LEB128 that splits
    ("echo-string", (MULTIBYTE,)),
    ("echo-many", (7, f"hi {MULTIBYTE}", [1, 300, 70000], Some(True))),
)
"""Calls whose whole request is cut into two writes at every position."""
BYTEWISE_CALLS: tuple[tuple[str, tuple[Value, ...]], ...] = (
    *SPLIT_CALLS,
    ("echo-person", (PERSON,)),
)
OVERLONG_WIDTHS = (2, 3, 4, 5)
"""uleb32 widths for every length and path element (1 is the minimal form of small lengths)."""


def _expected(name: str, args: tuple[Value, ...]) -> Value:
    return expected_echo(name, args)


def shape_cases(world: World) -> list[ServerCase]:
    out: list[ServerCase] = []
    for name, args in SPLIT_CALLS:
        out.extend(_split_everywhere(world.target(ECHO, name), args))
    for name, args in BYTEWISE_CALLS:
        target = world.target(ECHO, name)
        stream = call(target, params_bytes(target, args))
        out.append(valid(
            cid("split", name, "bytewise"), "split", R_WRITES,
            f"{name}: every byte its own write", target,
            sent_in_pieces([stream[i : i + 1] for i in range(len(stream))]),
            [_expected(name, args)],
        ))
        out.append(valid(
            cid("split", name, "header-then-frames"), "split", R_WRITES,
            f"{name}: header in one write, frames in another", target,
            sent_in_pieces([header(target), stream[len(header(target)) :]]),
            [_expected(name, args)],
        ))
        out.extend(_frame_shapes(target, name, args))
        out.extend(_overlong(target, name, args))
    out.extend(_call_shapes(world))
    out.extend(_samples(world))
    return out


def _split_everywhere(target: Target, args: tuple[Value, ...]) -> list[ServerCase]:
    stream = call(target, params_bytes(target, args))
    expected = _expected(target.name, args)
    return [
        valid(
            cid("split", target.name, f"at-{n}"), "split", R_WRITES,
            f"{target.name}: {len(stream)} bytes written as {n} + {len(stream) - n}", target,
            sent_in_pieces(pieces(stream, [n])), [expected],
        )
        for n in range(1, len(stream))
    ]


def _frame_shapes(target: Target, name: str, args: tuple[Value, ...]) -> list[ServerCase]:
    root = params_bytes(target, args)
    expected = [_expected(name, args)]
    n = len(root)
    shapes: list[tuple[str, str, Sequence[int], str]] = [
        ("root-1-byte-frames", "root data in 1-byte frames", [1] * n, R_FRAMES),
        ("empty-root-first", "an empty root frame, then the data", [0, n], R_EMPTY_ROOT),
        ("empty-root-last", "the data, then an empty root frame", [n, 0], R_EMPTY_ROOT),
        ("empty-root-between-bytes", "1-byte root frames with an empty frame between each",
         [s for _ in range(n) for s in (1, 0)][:-1], R_EMPTY_ROOT),
        ("root-2-frames-first-1-byte", "the root data as 1 + rest", [1, n - 1], R_FRAMES),
    ]
    out = []
    for label, text, sizes, rule in shapes:
        stream = root_in_frames(target, root, sizes)
        out.append(valid(cid("frames", name, label), "frames", rule, f"{name}: {text}", target,
                         sent_whole(stream), expected))
    one_byte = root_in_frames(target, root, [1] * n)
    cuts = pieces(one_byte, range(len(header(target)), len(one_byte), 3))
    out.append(valid(
        cid("frames", name, "root-1-byte-frames.separate-writes"), "frames", R_FRAMES,
        f"{name}: 1-byte root frames, each frame its own write", target, sent_in_pieces(cuts),
        expected,
    ))
    return out


def _overlong(target: Target, name: str, args: tuple[Value, ...]) -> list[ServerCase]:
    root = params_bytes(target, args)
    expected = [_expected(name, args)]
    out = []
    for width in OVERLONG_WIDTHS:
        stream = call(target, root, length_width=width)
        out.append(valid(
            cid("overlong", name, f"width-{width}"), "overlong", R_OVERLONG,
            f"{name}: name, path and data lengths as {width}-byte uleb32", target,
            sent_whole(stream), expected,
        ))
    head5 = header(target, length_width=5) + encode_frame(ROOT, root)
    out.append(valid(cid("overlong", name, "header-width-5"), "overlong", R_OVERLONG,
                     f"{name}: name lengths as 5-byte uleb32", target, sent_whole(head5),
                     expected))
    frame5 = header(target) + encode_frame(ROOT, root, length_width=5)
    out.append(valid(cid("overlong", name, "frame-width-5"), "overlong", R_OVERLONG,
                     f"{name}: frame lengths as 5-byte uleb32", target, sent_whole(frame5),
                     expected))
    return out


def _call_shapes(world: World) -> list[ServerCase]:
    constant = world.target(ECHO, "constant")
    ping = world.target(WORLD_LEVEL, "ping")
    sink = world.target(ECHO, "sink")
    r_constant = f"{R_CALL}; docs/conformance-world.md: constant returns a fixed string"
    out = [
        valid(cid("call", "constant", "empty-root-frame"), "call", r_constant,
              "constant(): header + 00 00 (what upstream clients send)", constant,
              sent_whole(call(constant, b"")), [world_contract.CONSTANT]),
        valid(cid("call", "constant", "no-root-frame"), "call",
              f"{r_constant}; wrpc.md §2: frame* is zero or more frames, an empty parameter "
              "tuple needs none", "constant(): header only, then FIN", constant,
              sent_whole(header(constant)), [world_contract.CONSTANT]),
        valid(cid("call", "constant", "two-empty-root-frames"), "call", R_EMPTY_ROOT,
              "constant(): header + 00 00 00 00", constant,
              sent_whole(root_in_frames(constant, b"", [0, 0])), [world_contract.CONSTANT]),
        valid(cid("call", "ping", "empty-instance"), "call",
              "wrpc.md §2 Naming: a function exported by the world travels with the empty "
              "instance name", "ping() on instance ''", ping, sent_whole(call(ping, b"")),
              [world_contract.PING_REPLY]),
        valid(cid("call", "ping", "no-root-frame"), "call",
              "wrpc.md §2: zero frames; the empty instance name", "ping(): header only",
              ping, sent_whole(header(ping)), [world_contract.PING_REPLY]),
        valid(cid("call", "sink", "no-results"), "call",
              "wrpc.md §3: a function with no results may send no root frame; completion is "
              "the server's end-of-stream", "sink('x'): no result bytes, then the server's FIN",
              sink, sent_whole(call(sink, params_bytes(sink, ["x"]))), [None]),
        valid(cid("call", "sink", "empty-string"), "call",
              "wrpc.md §3: no results; an empty string parameter is the single byte 00",
              "sink('')", sink, sent_whole(call(sink, params_bytes(sink, [""]))), [None]),
    ]
    return out


def _samples(world: World) -> list[ServerCase]:
    out = []
    for name, samples in ECHO_SAMPLES.items():
        target = world.find(name)
        if target is None:
            continue
        for i, args in enumerate(samples):
            out.append(valid(
                cid("echo-sample", name, str(i)), "echo-sample", R_ECHO,
                f"{name} with the world's sample argument {i}", target,
                sent_whole(call(target, params_bytes(target, args))),
                [expected_echo(name, args)],
            ))
    return out
