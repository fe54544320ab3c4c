"""Futures and streams (wrpc.md §3): pending values with their data on non-root paths, chunks
split and interleaved, data before the root value, ready forms, the end marker, relaying before
the input ends (docs/conformance-world.md), and broken async input."""

from __future__ import annotations

from collections.abc import Sequence

from wasmnet_conformance.wrpc_server.cases.common import (
    R_ASYNC,
    R_FAILED_CALL,
    R_FRAMES,
    R_PATHS,
    R_RELAY,
    R_STREAM_END,
    READY_STREAM,
    VARIANT_PAYLOAD_PATH,
    ZERO_LENGTH_FRAME,
    acceptable,
    cid,
    invalid,
    sent_in_pieces,
    sent_whole,
    valid,
)
from wasmnet_conformance.wrpc_server.model import (
    AwaitElements,
    HalfClose,
    Send,
    ServerCase,
    Step,
)
from wasmnet_conformance.wrpc_server.request import (
    FrameSpec,
    Target,
    frames,
    future_frame,
    header,
    params_bytes,
    stream_frames,
)
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.codec import encode_value
from wasmnet_reference.framing import ROOT
from wasmnet_reference.values import PENDING, Err, Ok, Ready, Value
from wasmnet_reference.wit.types import FutureType, Prim, StreamType
from wasmnet_reference.wrpc_world import world as world_contract

ASYNC = "async-echo"
FAMILY = "async"
MULTIBYTE = "ƒ𐍈Ő"
P0: tuple[int, ...] = (0,)
LEFT, RIGHT = (0, 0), (0, 1)
"""Paths of ``pair.left`` and ``pair.right`` in ``two-streams(v: pair)`` (parameter 0, fields
0 and 1; wrpc.md §3)."""


def _stream_call(target: Target, specs: Sequence[FrameSpec], *, root_first: bool = True) -> bytes:
    root = params_bytes(target, [PENDING])
    ordered = [(ROOT, root), *specs] if root_first else [*specs, (ROOT, root)]
    return header(target) + frames(ordered)


def _u8s(values: Sequence[int]) -> list[Value]:
    return list(values)


def _one_byte_frames(specs: Sequence[FrameSpec]) -> list[FrameSpec]:
    return [(p, d[i : i + 1]) for p, d in specs for i in range(len(d)) if d]


def async_cases(world: World) -> list[ServerCase]:
    out: list[ServerCase] = []
    out.extend(_stream_u8(world.target(ASYNC, "echo-stream-u8")))
    out.extend(_other_streams(world))
    out.extend(_two_streams(world.target(ASYNC, "two-streams")))
    out.extend(_futures(world))
    out.extend(_generated(world))
    return out


def _stream_u8(t: Target) -> list[ServerCase]:
    ty = StreamType(Prim.U8)
    chunks = [[1, 2, 3], [4], [5, 6]]
    data = stream_frames(P0, ty, chunks)
    want: list[Value] = [Ready([1, 2, 3, 4, 5, 6])]
    name = t.name
    out = [
        valid(cid(FAMILY, name, "chunks"), FAMILY, R_ASYNC,
              "pending stream; chunks [1,2,3] [4] [5,6] and the end marker on [0]", t,
              sent_whole(_stream_call(t, data)), want),
        valid(cid(FAMILY, name, "empty"), FAMILY, R_ASYNC,
              "pending stream; only the end marker on [0]", t,
              sent_whole(_stream_call(t, stream_frames(P0, ty, []))), [Ready([])]),
        valid(cid(FAMILY, name, "one-frame-per-byte"), FAMILY, R_FRAMES,
              "pending stream; the path data in 1-byte frames (chunks split across frames)", t,
              sent_whole(_stream_call(t, _one_byte_frames(data))), want),
        valid(cid(FAMILY, name, "chunks-in-one-frame"), FAMILY, R_FRAMES,
              "pending stream; all chunks and the end marker in one frame", t,
              sent_whole(_stream_call(t, [(P0, b"".join(d for _, d in data))])), want),
        valid(cid(FAMILY, name, "data-before-root"), FAMILY, R_FRAMES,
              "the stream's frames on [0] before the root frame", t,
              sent_whole(_stream_call(t, data, root_first=False)), want),
        valid(cid(FAMILY, name, "separate-writes"), FAMILY, R_FRAMES,
              "header, root frame and each chunk frame in its own write", t,
              sent_in_pieces([header(t), frames([(ROOT, b"\x00")]),
                              *(frames([s]) for s in data)]), want),
        valid(cid(FAMILY, name, "large"), FAMILY, R_ASYNC,
              "pending stream of 3 chunks of 20000 elements", t,
              sent_whole(_stream_call(t, stream_frames(P0, ty, [_u8s([i % 256 for i in range(
                  20000)])] * 3))), [Ready(_u8s([i % 256 for i in range(20000)] * 3))]),
        valid(cid(FAMILY, name, "ready"), FAMILY,
              f"{R_ASYNC} [ambiguous: {READY_STREAM}]: upstream and the vectors read a "
              "non-empty list on the root channel as a complete stream",
              "a ready stream 03 01 02 03 on the root channel, no path data", t,
              sent_whole(header(t) + frames([(ROOT, encode_value(Ready(_u8s([1, 2, 3])), ty))])),
              [Ready(_u8s([1, 2, 3]))], flags=(READY_STREAM,)),
        acceptable(cid(FAMILY, name, "zero-length-frame"), FAMILY,
                   f"wrpc.md §2 [ambiguous: {ZERO_LENGTH_FRAME}]",
                   "pending stream with an empty frame on [0] between chunks", t,
                   sent_whole(_stream_call(t, [data[0], (P0, b""), *data[1:]])), want,
                   flags=(ZERO_LENGTH_FRAME,), strict_rejects=True),
        invalid(cid(FAMILY, name, "missing-end"), FAMILY, R_STREAM_END,
                "chunks on [0] but no end marker, then FIN", t,
                sent_whole(_stream_call(t, stream_frames(P0, ty, chunks, end=False)))),
        invalid(cid(FAMILY, name, "chunk-truncated"), FAMILY,
                f"wrpc.md §3-§4: a chunk is a list<u8>; {R_FAILED_CALL}",
                "a chunk announcing 3 elements carrying 2, then FIN", t,
                sent_whole(_stream_call(t, [(P0, b"\x03\x01\x02")]))),
        invalid(cid(FAMILY, name, "unknown-path"), FAMILY, R_PATHS,
                "the stream's data on [1] instead of [0]", t,
                sent_whole(_stream_call(t, stream_frames((1,), ty, chunks)))),
        invalid(cid(FAMILY, name, "element-path"), FAMILY, R_PATHS,
                "data on [0, 0]: a u8 element has no async data", t,
                sent_whole(_stream_call(t, [(P0, b"\x01\x01"), ((0, 0), b"\x01"),
                                            (P0, b"\x00")]))),
    ]
    first, rest = data[0], data[1:]
    relay_steps: tuple[Step, ...] = (
        Send(_stream_call(t, [first])),
        AwaitElements(3, "relayed-before-end"),
        Send(frames(rest)),
        HalfClose(),
    )
    out.append(valid(cid(FAMILY, name, "relay"), FAMILY, R_RELAY,
                     "send [1,2,3]; wait for it to come back; then [4] [5,6] and the end", t,
                     relay_steps, want, required_awaits=("relayed-before-end",)))
    return out


def _other_streams(world: World) -> list[ServerCase]:
    s = world.target(ASYNC, "echo-stream-string")
    s_ty = StreamType(Prim.STRING)
    s_chunks: list[list[Value]] = [["a", MULTIBYTE], [""], ["xyz"]]
    s_data = stream_frames(P0, s_ty, s_chunks)
    u = world.target(ASYNC, "echo-stream-unit")
    u_ty = StreamType(None)
    p = world.target(ASYNC, "echo-stream-point")
    p_ty = p.param_types[0]
    assert isinstance(p_ty, StreamType)
    points: list[list[Value]] = [[{"x": -1, "y": 2**31 - 1}, {"x": 0, "y": 0}], [{"x": 5,
                                                                                "y": -5}]]
    return [
        valid(cid(FAMILY, s.name, "chunks"), FAMILY, R_ASYNC,
              "pending stream<string>; chunks [a, ƒ𐍈Ő] [''] [xyz]", s,
              sent_whole(_stream_call(s, s_data)), [Ready(["a", MULTIBYTE, "", "xyz"])]),
        valid(cid(FAMILY, s.name, "one-frame-per-byte"), FAMILY, R_FRAMES,
              "pending stream<string> in 1-byte frames (UTF-8 split across frames)", s,
              sent_whole(_stream_call(s, _one_byte_frames(s_data))),
              [Ready(["a", MULTIBYTE, "", "xyz"])]),
        invalid(cid(FAMILY, s.name, "invalid-utf8"), FAMILY,
                f"wrpc.md §4: strings are strict UTF-8; {R_FAILED_CALL}",
                "a stream<string> chunk holding c0 af", s,
                sent_whole(_stream_call(s, [(P0, b"\x01\x02\xc0\xaf"), (P0, b"\x00")]))),
        valid(cid(FAMILY, u.name, "chunks"), FAMILY, R_ASYNC,
              "pending stream without type: chunks of 3 and 2 elements (counts only)", u,
              sent_whole(_stream_call(u, stream_frames(P0, u_ty, [[None] * 3, [None] * 2]))),
              [Ready([None] * 5)]),
        valid(cid(FAMILY, p.name, "chunks"), FAMILY, R_ASYNC,
              "pending stream<point>: records as stream elements", p,
              sent_whole(_stream_call(p, stream_frames(P0, p_ty, points))),
              [Ready([e for c in points for e in c])]),
    ]


def _two_streams(t: Target) -> list[ServerCase]:
    l_ty, r_ty = StreamType(Prim.U32), StreamType(Prim.STRING)
    left = stream_frames(LEFT, l_ty, [[1, 2], [300]])
    right = stream_frames(RIGHT, r_ty, [["x"], ["y", MULTIBYTE]])
    want: list[Value] = [{"left": Ready([1, 2, 300]), "right": Ready(["x", "y", MULTIBYTE])}]
    root = params_bytes(t, [{"left": PENDING, "right": PENDING}])
    head = header(t)
    alternating = [f for pair in zip(left, right, strict=False) for f in pair]
    rule = f"{R_ASYNC}; record field j appends j: left is [0, 0], right [0, 1]"
    out = [
        valid(cid(FAMILY, t.name, "interleaved"), FAMILY, rule,
              "frames of [0,0] and [0,1] alternating", t,
              sent_whole(head + frames([(ROOT, root), *alternating])), want),
        valid(cid(FAMILY, t.name, "left-then-right"), FAMILY, rule,
              "all of [0,0], then all of [0,1]", t,
              sent_whole(head + frames([(ROOT, root), *left, *right])), want),
        valid(cid(FAMILY, t.name, "right-then-left"), FAMILY, rule,
              "all of [0,1], then all of [0,0]", t,
              sent_whole(head + frames([(ROOT, root), *right, *left])), want),
        valid(cid(FAMILY, t.name, "root-split-around-async"), FAMILY, R_FRAMES,
              "root 00 / [0,0] frames / root 00 / [0,1] frames", t,
              sent_whole(head + frames([(ROOT, root[:1]), *left, (ROOT, root[1:]), *right])),
              want),
        invalid(cid(FAMILY, t.name, "right-missing-end"), FAMILY, R_STREAM_END,
                "left complete, right without its end marker, then FIN", t,
                sent_whole(head + frames([(ROOT, root), *left, *right[:-1]]))),
    ]
    relay: tuple[Step, ...] = (
        Send(head + frames([(ROOT, root), left[0]])),
        AwaitElements(2, "left-relayed"),
        Send(frames([right[0]])),
        AwaitElements(3, "right-relayed"),
        Send(frames([*left[1:], *right[1:]])),
        HalfClose(),
    )
    out.append(valid(
        cid(FAMILY, t.name, "relay-alternating"), FAMILY,
        f"{R_RELAY}; docs/conformance-world.md: two-streams relays both sides concurrently",
        "left [1,2]; wait for it; right [x]; wait for it; then the rest", t, relay, want,
        required_awaits=("left-relayed", "right-relayed"),
    ))
    return out


def _futures(world: World) -> list[ServerCase]:
    out: list[ServerCase] = []
    samples: list[tuple[str, Value, bytes | None]] = [
        ("echo-future-u32", 624485, None),
        ("echo-future-u8", 42, None),
        ("echo-future-string", MULTIBYTE, b"\x02\xc0\xaf"),
    ]
    for name, value, bad in samples:
        t = world.target(ASYNC, name)
        ty = t.param_types[0]
        assert isinstance(ty, FutureType)
        spec = future_frame(P0, ty.inner, value)
        want = [Ready(value)]
        out.extend([
            valid(cid(FAMILY, name, "pending"), FAMILY, R_ASYNC,
                  "pending future; its value on [0]", t,
                  sent_whole(_stream_call(t, [spec])), want),
            valid(cid(FAMILY, name, "pending-1-byte-frames"), FAMILY, R_FRAMES,
                  "pending future; its value in 1-byte frames on [0]", t,
                  sent_whole(_stream_call(t, _one_byte_frames([spec]))), want),
            valid(cid(FAMILY, name, "data-before-root"), FAMILY, R_FRAMES,
                  "the future's value on [0] before the root frame", t,
                  sent_whole(_stream_call(t, [spec], root_first=False)), want),
            valid(cid(FAMILY, name, "ready"), FAMILY,
                  "wrpc.md §3: a future is variant { pending, ready(T) }: 01 ++ T",
                  "a ready future on the root channel", t,
                  sent_whole(header(t) + frames([(ROOT, params_bytes(t, [Ready(value)]))])),
                  want),
            invalid(cid(FAMILY, name, "missing-value"), FAMILY,
                    f"wrpc.md §3: a pending future's value follows on its path; {R_FAILED_CALL}",
                    "pending future, no value, FIN", t, sent_whole(_stream_call(t, []))),
            invalid(cid(FAMILY, name, "value-truncated"), FAMILY,
                    f"wrpc.md §3-§4; {R_FAILED_CALL}",
                    "pending future, its value cut short, FIN", t,
                    sent_whole(_stream_call(t, [(P0, spec[1][:-1])]))),
            invalid(cid(FAMILY, name, "unknown-path"), FAMILY, R_PATHS,
                    "pending future, its value on [1]", t,
                    sent_whole(_stream_call(t, [((1,), spec[1])]))),
        ])
        if bad is not None:
            out.append(invalid(cid(FAMILY, name, "invalid-value"), FAMILY,
                               f"wrpc.md §4; {R_FAILED_CALL}",
                               f"pending future, value {bad.hex()} on [0]", t,
                               sent_whole(_stream_call(t, [(P0, bad)]))))
    unit = world.target(ASYNC, "echo-future-unit")
    out.extend([
        acceptable(cid(FAMILY, unit.name, "pending-empty-frame"), FAMILY,
                   f"{R_ASYNC} [ambiguous: {ZERO_LENGTH_FRAME}]: a future without a type has "
                   "no value bytes; the reference resolves it with an empty frame on its path",
                   "pending future without type; an empty frame on [0]", unit,
                   sent_whole(_stream_call(unit, [(P0, b"")])), [Ready(None)],
                   flags=(ZERO_LENGTH_FRAME,), strict_rejects=False),
        valid(cid(FAMILY, unit.name, "ready"), FAMILY,
              "wrpc.md §3: ready future without type: 01", "a ready future without type", unit,
              sent_whole(header(unit) + frames([(ROOT, b"\x01")])), [Ready(None)]),
    ])
    job = world.target(ASYNC, "echo-job")
    job_path = (0, 1)
    out.extend([
        valid(cid(FAMILY, job.name, "pending"), FAMILY,
              f"{R_ASYNC}; record field 1 of parameter 0 is [0, 1]",
              "job { id: 7, done: pending }; true on [0, 1]", job,
              sent_whole(header(job) + frames([
                  (ROOT, params_bytes(job, [{"id": 7, "done": PENDING}])),
                  (job_path, b"\x01")])),
              [{"id": 7, "done": Ready(True)}]),
        valid(cid(FAMILY, job.name, "ready"), FAMILY, R_ASYNC,
              "job { id: 7, done: ready(false) }", job,
              sent_whole(header(job) + frames([
                  (ROOT, params_bytes(job, [{"id": 7, "done": Ready(False)}]))])),
              [{"id": 7, "done": Ready(False)}]),
        invalid(cid(FAMILY, job.name, "wrong-path"), FAMILY, R_PATHS,
                "job { id: 7, done: pending }; the value on [0, 0] (the u32 field)", job,
                sent_whole(header(job) + frames([
                    (ROOT, params_bytes(job, [{"id": 7, "done": PENDING}])),
                    ((0, 0), b"\x01")]))),
    ])
    return out


def _generated(world: World) -> list[ServerCase]:
    future_of = world.target(ASYNC, "future-of")
    count = world.target(ASYNC, "count")
    stream_result = world.target(ASYNC, "stream-result")
    sum_ = world.target(ASYNC, "sum")
    u32s = StreamType(Prim.U32)
    r_world = "docs/conformance-world.md"

    def plain(t: Target, args: list[Value]) -> tuple[Step, ...]:
        return sent_whole(header(t) + frames([(ROOT, params_bytes(t, args))]))

    out = [
        valid(cid(FAMILY, "future-of", "string"), FAMILY,
              f"{r_world}: future-of returns a future resolving to v; {R_ASYNC}",
              f"future-of({MULTIBYTE!r})", future_of, plain(future_of, [MULTIBYTE]),
              [Ready(MULTIBYTE)]),
        valid(cid(FAMILY, "future-of", "empty"), FAMILY, f"{r_world}: future-of",
              "future-of('')", future_of, plain(future_of, [""]), [Ready("")]),
    ]
    for n in (0, 5, 3000):
        out.append(valid(cid(FAMILY, "count", str(n)), FAMILY,
                         f"{r_world}: count(n) is the stream 0..n-1; {R_ASYNC}", f"count({n})",
                         count, plain(count, [n]), [Ready(list(range(n)))]))
    for n in (0, 4):
        out.append(valid(
            cid(FAMILY, "stream-result", str(n)), FAMILY,
            f"{r_world}: ok(stream 0..n-1); async data inside a result payload "
            "[ambiguous: variant-payload-path, both readings accepted and recorded]",
            f"stream-result({n})", stream_result, plain(stream_result, [n]),
            [Ok(Ready(list(range(n))))], flags=(VARIANT_PAYLOAD_PATH,)))
    over = world_contract.STREAM_RESULT_MAX + 1
    out.append(valid(
        cid(FAMILY, "stream-result", "over-limit"), FAMILY,
        f"{r_world}: stream-result answers err('{world_contract.STREAM_RESULT_TOO_MANY}') "
        f"when n > {world_contract.STREAM_RESULT_MAX}", f"stream-result({over})", stream_result,
        plain(stream_result, [over]), [Err(world_contract.STREAM_RESULT_TOO_MANY)]))
    big = [2**32 - 1] * 2000
    out.extend([
        valid(cid(FAMILY, "sum", "chunks"), FAMILY,
              f"{r_world}: sum of all elements, after the end marker; {R_ASYNC}",
              "sum of [1, 2] [3]", sum_,
              sent_whole(_stream_call(sum_, stream_frames(P0, u32s, [[1, 2], [3]]))), [6]),
        valid(cid(FAMILY, "sum", "empty"), FAMILY, f"{r_world}: sum of an empty stream is 0",
              "sum of an empty stream", sum_,
              sent_whole(_stream_call(sum_, stream_frames(P0, u32s, []))), [0]),
        valid(cid(FAMILY, "sum", "large"), FAMILY, f"{r_world}: sum; flow control",
              "sum of 2000 x (2^32-1) in 4 chunks", sum_,
              sent_whole(_stream_call(sum_, stream_frames(P0, u32s, [big[:500]] * 4))),
              [sum(big)]),
        invalid(cid(FAMILY, "sum", "missing-end"), FAMILY, R_STREAM_END,
                "sum: chunks but no end marker, then FIN", sum_,
                sent_whole(_stream_call(sum_, stream_frames(P0, u32s, [[1, 2]], end=False)))),
    ])
    return out
