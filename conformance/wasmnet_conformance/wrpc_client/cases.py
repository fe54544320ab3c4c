"""The client-role cases: which call the client makes, how the suite answers, and what the
client must then report.

IDs are ``wrpc-client.<group>.<name>`` and never change meaning. Groups:

- ``vector``: a golden value vector as the result of the echo function of its type
  (valid: printed equal; invalid: exit 1; acceptable: either, strict: exit 1);
- ``frames``: one result in every frame shape (split, 1-byte frames, empty frames, overlong
  uleb32 lengths);
- ``split``: one result stream cut into two transport writes at every position;
- ``async``: futures and streams, as results and as parameters;
- ``request``: call shapes (several, no parameters, world function, resource method, no
  result) and answering before the client's end-of-stream;
- ``malformed``: results that break a framing or stream rule, or carry unclaimed bytes;
- ``close``: the server closing (FIN or reset) before the results are complete;
- ``silence``: the server never finishing: the client must time out;
- ``usage``: arguments the client must refuse with exit 2 without connecting.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from wasmnet_conformance.codec.vectors import (
    ACCEPTABLE,
    INVALID,
    VALID,
    AnyVector,
    ValueVector,
)
from wasmnet_conformance.results import Profile
from wasmnet_conformance.wrpc_client.answers import (
    STREAM_END,
    Answer,
    Close,
    CloseMode,
    Hold,
    Pause,
    Step,
    Trigger,
    Write,
    async_parts,
    coalesced,
    cut_at,
    root_frame,
    separate,
    singles,
)
from wasmnet_conformance.wrpc_client.calls import Call, World, sample_value
from wasmnet_conformance.wrpc_client.rules import ClientRule
from wasmnet_reference.codec import decode_prefix, decode_value, encode_value, encode_values
from wasmnet_reference.errors import CodecError
from wasmnet_reference.framing import ROOT, cut, encode_frame, frame_chunks
from wasmnet_reference.limits import DEFAULT_LIMITS
from wasmnet_reference.rules import Ambiguity
from wasmnet_reference.rules import Rule as CodecRule
from wasmnet_reference.values import PENDING, EnumValue, Handle, Ready, Some, Value
from wasmnet_reference.wit.loader import WitFunction
from wasmnet_reference.wit.types import ListType, Prim, WitType

PREFIX = "wrpc-client"


class Expect(enum.Enum):
    SUCCESS = "success"
    """Exit 0 and one of the accepted values printed."""
    FAILURE = "failure"
    """Exit 1, a message on stderr, nothing on stdout."""
    EITHER = "either"
    """SUCCESS or FAILURE (an ambiguity, or a strict-only rule under the lenient profile)."""
    USAGE = "usage"
    """Exit 2 and no connection."""


class VectorSelection(enum.Enum):
    DISTINCT = "distinct"
    """One vector per (type, rule, error classes) for invalid ones, per (type, rule,
    canonical, flags) for valid ones, every acceptable one: each rule on each type once."""
    ALL = "all"
    """Every usable vector."""


@dataclass(frozen=True)
class ClientCase:
    id: str
    rule: str
    """A ClientRule id or, for vector cases, the vector's codec rule id."""
    citation: str
    description: str
    """What the suite does and why the expected outcome follows, in one line."""
    call: Call
    answer: Answer
    strict: Expect
    lenient: Expect
    accepted: tuple[Value, ...] = ()
    """Values the client may print when it succeeds."""
    flags: tuple[str, ...] = ()
    check_request: bool = True
    """False when the suite answers before the request is complete."""
    tcp_only: bool = False
    """Uses a TCP reset, which a Unix socket cannot send."""
    usage_args: tuple[str, ...] | None = None
    """Usage cases: the argument words to pass instead of the call's WAVE arguments."""
    usage_function: str | None = None
    """Usage cases: the function name to pass instead of the call's."""

    def words(self) -> list[str]:
        """INSTANCE FUNCTION [WAVE-ARG ...] as the client receives them."""
        function = self.usage_function or self.call.function.name
        args = self.call.arg_texts() if self.usage_args is None else list(self.usage_args)
        return [self.call.instance, function, *args]

    @property
    def group(self) -> str:
        return self.id.split(".")[1]

    def expect(self, profile: Profile) -> Expect:
        return self.strict if profile is Profile.STRICT else self.lenient


def _case(
    group: str,
    name: str,
    rule: ClientRule,
    description: str,
    call: Call,
    answer: Answer,
    expect: Expect,
    *,
    lenient: Expect | None = None,
    accepted: Sequence[Value] = (),
    flags: Sequence[str] = (),
    check_request: bool = True,
    tcp_only: bool = False,
    usage_args: tuple[str, ...] | None = None,
    usage_function: str | None = None,
) -> ClientCase:
    return ClientCase(
        id=f"{PREFIX}.{group}.{name}",
        rule=rule.id,
        citation=rule.citation,
        description=description,
        call=call,
        answer=answer,
        strict=expect,
        lenient=expect if lenient is None else lenient,
        accepted=tuple(accepted),
        flags=tuple(flags),
        check_request=check_request,
        tcp_only=tcp_only,
        usage_args=usage_args,
        usage_function=usage_function,
    )


def _after_eof(*steps: Step) -> Answer:
    return Answer(Trigger.ON_EOF, tuple(steps))


# ----------------------------------------------------------------------------------- vectors

TRUNCATED_CLASS = "truncated"
MAX_ARGS_TEXT = 8192
"""Longest argument text passed on a command line (Windows allows 32767 characters in all);
a vector whose value is longer is answered to a call with a short argument instead."""


def vector_cases(
    world: World, vectors: Iterable[AnyVector], selection: VectorSelection
) -> list[ClientCase]:
    """A case per usable value vector whose type has an echo function."""
    echo = world.echo_calls()
    usable = [v for v in vectors if isinstance(v, ValueVector) and _usable(v, echo)]
    representative = _representatives(usable)
    if selection is VectorSelection.DISTINCT:
        usable = _distinct(usable)
    out: list[ClientCase] = []
    for v in usable:
        instance, fn = echo[v.type]
        short = representative.get(v.type, sample_value(v.type))
        call = Call(instance, fn, (v.accepted[0][2] if v.result == VALID else short,))
        if sum(map(len, call.arg_texts())) > MAX_ARGS_TEXT:
            call = Call(instance, fn, (short,))
        out.append(_vector_case(v, call))
    return out


def _usable(v: ValueVector, echo: dict[WitType, tuple[str, WitFunction]]) -> bool:
    """A vector with an echo function for its type and a verdict the network can check.

    Vectors with ``limits`` state bounds the suite cannot set in a peer; of those only the
    ones whose verdict holds for any reasonable bound are used: valid ones within the default
    limits (they must round-trip) and invalid ones that are also truncated (a length claim with
    no data behind it fails whatever the bound)."""
    if v.type not in echo:
        return False
    if v.limits is not None:
        if v.result == VALID:
            try:
                decode_value(v.data, v.type, DEFAULT_LIMITS)
            except CodecError:
                return False
        elif v.result != INVALID or TRUNCATED_CLASS not in v.error_classes:
            return False
    # A printed result has no form for a pending future or stream.
    return not any(_has_pending(value) for _, _, value in v.accepted)


def _has_pending(value: Value) -> bool:
    if value is PENDING:
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_pending(v) for v in value)
    if isinstance(value, dict):
        return any(_has_pending(v) for v in value.values())
    inner = getattr(value, "value", getattr(value, "payload", None))
    return inner is not None and _has_pending(inner)


def _representatives(vectors: Sequence[ValueVector]) -> dict[WitType, Value]:
    """Per type, the value of its first canonical valid vector: the argument of the cases
    that answer with an invalid vector of that type."""
    out: dict[WitType, Value] = {}
    for v in vectors:
        if v.result == VALID and v.canonical and v.type not in out:
            out[v.type] = v.accepted[0][2]
    return out


def _distinct(vectors: Sequence[ValueVector]) -> list[ValueVector]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for v in vectors:
        if v.result == INVALID:
            key: tuple[object, ...] = (v.type, v.result, v.rule, v.error_classes)
        elif v.result == VALID:
            key = (v.type, v.result, v.rule, v.canonical, v.flags)
        else:
            key = (v.id,)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


def _vector_case(v: ValueVector, call: Call) -> ClientCase:
    answer = _after_eof(*coalesced(root_frame(v.data)))
    accepted = tuple(value for _, _, value in v.accepted)
    if v.result == VALID:
        strict = lenient = Expect.SUCCESS
        what = "a valid encoding: the client must print the value"
    elif v.result == ACCEPTABLE:
        strict, lenient = Expect.FAILURE, Expect.EITHER
        what = "ambiguous: lenient accepts either reading, strict requires a rejection"
    elif v.rule == CodecRule.TRAILING_BYTES.id:
        strict, lenient = Expect.FAILURE, Expect.EITHER
        accepted = _prefix_value(v)
        what = ("bytes after the result: strict requires a rejection "
                f"({ClientRule.RESULT_TRAILING.id})")
    else:
        strict = lenient = Expect.FAILURE
        what = "invalid: the client must fail (exit 1)"
    return ClientCase(
        id=f"{PREFIX}.vector.{v.id}",
        rule=v.rule,
        citation=f"vector {v.id} ({v.file}.json)",
        description=f"result bytes {v.data.hex() or '(none)'} as {v.wit}: {what}",
        call=call,
        answer=answer,
        strict=strict,
        lenient=lenient,
        accepted=accepted,
        flags=v.flags,
    )


def _prefix_value(v: ValueVector) -> tuple[Value, ...]:
    try:
        value = decode_prefix(v.data, v.type)[0]
    except CodecError:
        return ()
    return () if _has_pending(value) else (value,)


# ------------------------------------------------------------------------------ frame shapes


def _frame_shapes(name: str, call: Call, result: Value) -> list[ClientCase]:
    rule = ClientRule.RESULT_FRAMES
    (ty,) = call.result_types
    r = encode_value(result, ty)
    n = len(r)
    ok = Expect.SUCCESS
    acc = (result,)
    shapes: list[tuple[str, ClientRule, str, tuple[Step, ...], tuple[str, ...]]] = [
        ("one-frame", rule, "the result in one root frame", coalesced(root_frame(r)), ()),
        ("two-frames", rule, "the result split over two root frames in one write",
         coalesced(*frame_chunks(ROOT, r, [1, n - 1])), ()),
        ("two-frames-two-writes", rule, "two root frames, written 20 ms apart",
         separate(frame_chunks(ROOT, r, [1, n - 1])), ()),
        ("byte-frames", rule, "one root frame per result byte, in one write",
         coalesced(*frame_chunks(ROOT, r, [1] * n)), ()),
        ("byte-frames-separate-writes", rule, "one root frame per result byte, each written "
         "on its own", separate(frame_chunks(ROOT, r, [1] * n), gap=0.005), ()),
        ("empty-frames", rule, "zero-length root frames before, inside and after the result",
         coalesced(*frame_chunks(ROOT, r, [0, 1, 0, n - 1, 0])),
         (Ambiguity.ZERO_LENGTH_FRAME.value,)),
    ]
    for width in (2, 5):  # one byte over the minimum, and the most core:u32 allows
        shapes.append((
            f"overlong-lengths-{width}", ClientRule.RESULT_LEB_LENGTHS,
            f"frame path_len and data_len as {width}-byte uleb32",
            coalesced(root_frame(r, length_width=width)), (),
        ))
    return [
        _case("frames", f"{name}.{shape}", rule_, f"{text}; the client must print the value",
              call, _after_eof(*steps), ok, accepted=acc, flags=flags)
        for shape, rule_, text, steps, flags in shapes
    ]


def _splits(name: str, call: Call, stream: bytes, result: Value) -> list[ClientCase]:
    """The whole answer stream cut into two writes at every position, and byte by byte."""
    out = [
        _case("split", f"{name}.at-{k}", ClientRule.RESULT_FRAMES,
              f"the answer's {len(stream)} bytes written as two writes cut after byte {k}",
              call, _after_eof(*cut_at(stream, [k])), Expect.SUCCESS, accepted=(result,))
        for k in range(1, len(stream))
    ]
    out.append(_case(
        "split", f"{name}.bytewise", ClientRule.RESULT_FRAMES,
        "the answer written one byte per write", call,
        _after_eof(*cut_at(stream, range(1, len(stream)), gap=0.005)),
        Expect.SUCCESS, accepted=(result,),
    ))
    return out


def shape_cases(world: World) -> list[ClientCase]:
    u32 = world.call("echo", "echo-u32", 624485)
    string = world.call("echo", "echo-string", "ƒ𐍈Ő")
    person_value: Value = {"name": "ada", "age": 36, "tags": ["x", "yz"], "nick": Some("a")}
    person = world.call("echo", "echo-person", person_value)
    many_args: tuple[Value, ...] = (7, "two", [1, 300], Some(True))
    many = world.call("echo", "echo-many", *many_args)
    out = [
        *_frame_shapes("u32", u32, 624485),
        *_frame_shapes("string", string, "ƒ𐍈Ő"),
        *_frame_shapes("person", person, person_value),
        *_frame_shapes("many", many, many_args),
    ]
    out += _splits("u32", u32, root_frame(encode_value(624485, Prim.U32)), 624485)
    out += _splits("string", string, root_frame(encode_value("ƒ𐍈Ő", Prim.STRING)), "ƒ𐍈Ő")
    stream_call, stream_value = _stream_u8(world, [1, 2, 3])
    parts = async_parts((stream_value,), stream_call.result_types)
    out += _splits("stream-u8", stream_call, b"".join(parts.frames()), stream_value)
    return out


def _stream_u8(world: World, items: list[Value]) -> tuple[Call, Value]:
    value = Ready(items)
    return world.call("async-echo", "echo-stream-u8", value), value


# ------------------------------------------------------------------------------------ async


def _async_case(
    name: str,
    rule: ClientRule,
    text: str,
    call: Call,
    result: Value,
    steps: tuple[Step, ...],
) -> ClientCase:
    return _case("async", name, rule, f"{text}; the client must print the collected value",
                 call, _after_eof(*steps), Expect.SUCCESS, accepted=(result,))


def async_cases(world: World) -> list[ClientCase]:
    stream = ClientRule.RESULT_STREAM
    future = ClientRule.RESULT_FUTURE
    out: list[ClientCase] = []

    call, value = _stream_u8(world, [1, 2, 3, 4, 5])
    types = call.result_types
    parts = async_parts((value,), types)
    out.append(_async_case("stream-u8.one-chunk", stream, "pending stream, one chunk, end "
                           "marker, all in one write", call, value, coalesced(*parts.frames())))
    each = async_parts((value,), types, chunking=singles)
    out.append(_async_case("stream-u8.chunk-per-element", stream, "one chunk per element",
                           call, value, coalesced(*each.frames())))
    out.append(_async_case("stream-u8.separate-writes", stream, "root frame, each chunk and "
                           "the end marker written 20 ms apart", call, value,
                           separate(each.frames())))
    chunks = encode_value([1, 2], ListType(Prim.U8)) + encode_value([3, 4, 5], ListType(Prim.U8))
    split_chunk = [encode_frame((0,), p) for p in cut(chunks, [2, 4])]
    out.append(_async_case(
        "stream-u8.chunk-split-across-frames", stream,
        "chunks [1, 2] and [3, 4, 5] as frames cut inside the chunks", call, value,
        coalesced(root_frame(b"\x00"), *split_chunk, encode_frame((0,), STREAM_END)),
    ))
    empty_call, empty = _stream_u8(world, [])
    out.append(_async_case("stream-u8.empty", stream, "pending stream ended at once",
                           empty_call, empty,
                           coalesced(*async_parts((empty,), types).frames())))
    out.append(_async_case(
        "stream-u8.empty-chunks-ignored", stream,
        "zero-length frames on the stream path between chunks", call, value,
        coalesced(root_frame(b"\x00"), encode_frame((0,), b""), *parts.frames()[1:2],
                  encode_frame((0,), b""), encode_frame((0,), STREAM_END)),
    ))

    strings: Value = Ready(["a", "ƒ𐍈", ""])
    call = world.call("async-echo", "echo-stream-string", strings)
    out.append(_async_case("stream-string.chunk-per-element", stream, "string chunks", call,
                           strings, coalesced(*async_parts((strings,), call.result_types,
                                                           chunking=singles).frames())))
    points: Value = Ready([{"x": 1, "y": -1}, {"x": -300, "y": 70000}])
    call = world.call("async-echo", "echo-stream-point", points)
    out.append(_async_case("stream-point.one-chunk", stream, "record chunks", call, points,
                           coalesced(*async_parts((points,), call.result_types).frames())))

    pair: Value = {"left": Ready([1, 2, 300]), "right": Ready(["x", "y"])}
    call = world.call("async-echo", "two-streams", pair)
    two = async_parts((pair,), call.result_types, chunking=singles)
    out.append(_async_case("two-streams.interleaved", stream, "two streams (paths [0, 0] and "
                           "[0, 1]) with their chunks interleaved", call, pair,
                           coalesced(*two.interleaved())))
    out.append(_async_case("two-streams.sequential", stream, "two streams, one after the other, "
                           "written apart", call, pair, separate(two.frames())))

    counted: Value = Ready([0, 1, 2, 3])
    call = world.call("async-echo", "count", 4)
    out.append(_async_case("count.chunk-per-element", stream, "a stream result of a call "
                           "with a plain parameter", call, counted,
                           separate(async_parts((counted,), call.result_types,
                                                chunking=singles).frames())))
    call = world.call("async-echo", "sum", Ready([1, 2, 3]))
    out.append(_async_case("sum.stream-parameter", ClientRule.REQUEST_PARAMS,
                           "a stream parameter (checked as collected) and a u64 result",
                           call, 6, coalesced(root_frame(encode_value(6, Prim.U64)))))

    for name, fn, v in (
        ("future-u32", "echo-future-u32", 624485),
        ("future-string", "echo-future-string", "ƒ𐍈Ő"),
        ("future-u8", "echo-future-u8", 255),
    ):
        fv: Value = Ready(v)
        call = world.call("async-echo", fn, fv)
        fp = async_parts((fv,), call.result_types)
        out.append(_async_case(f"{name}.pending", future, "pending future, then its value on "
                               "path [0], one write", call, fv, coalesced(*fp.frames())))
        out.append(_async_case(f"{name}.pending-separate-writes", future, "pending future, its "
                               "value 20 ms later", call, fv, separate(fp.frames())))
        ready = root_frame(encode_values((fv,), call.result_types))
        out.append(_async_case(f"{name}.ready", future, "future ready on the root channel",
                               call, fv, coalesced(ready)))
    job: Value = {"id": 7, "done": Ready(True)}
    call = world.call("async-echo", "echo-job", job)
    out.append(_async_case("job.pending-field", future, "a record whose future field (path "
                           "[0, 1]) is pending", call, job,
                           coalesced(*async_parts((job,), call.result_types).frames())))
    return out


# ---------------------------------------------------------------------------------- request


def request_cases(world: World) -> list[ClientCase]:
    ok = Expect.SUCCESS
    out: list[ClientCase] = []
    u32 = world.call("echo", "echo-u32", 300)
    out.append(_case(
        "request", "answer-before-eof", ClientRule.RESULT_ANSWER_BEFORE_EOF,
        "the result is sent as soon as the parameters are in, before the client's "
        "end-of-stream", u32,
        Answer(Trigger.ON_PARAMS, coalesced(root_frame(encode_value(300, Prim.U32)))),
        ok, accepted=(300,),
    ))
    many_args: tuple[Value, ...] = (255, "", [0, 4294967295], None)
    many = world.call("echo", "echo-many", *many_args)
    out.append(_case("request", "several-params", ClientRule.REQUEST_PARAMS,
                     "four parameters of different types, in declaration order", many,
                     _after_eof(*coalesced(root_frame(encode_values([many_args],
                                                                    many.result_types)))),
                     ok, accepted=(many_args,)))
    constant = world.call("echo", "constant")
    out.append(_case("request", "no-params", ClientRule.REQUEST_PARAMS,
                     "a function without parameters", constant,
                     _after_eof(*coalesced(root_frame(encode_value("κ", Prim.STRING)))),
                     ok, accepted=("κ",)))
    ping = world.call("", "ping")
    out.append(_case("request", "world-function", ClientRule.REQUEST_HEADER,
                     "a function exported by the world itself: the instance name is empty",
                     ping, _after_eof(*coalesced(root_frame(encode_value("pong", Prim.STRING)))),
                     ok, accepted=("pong",)))
    handle = Handle(b"\x00\x01\xff")
    get = world.call("resources", "counter.get", handle)
    out.append(_case("request", "resource-method", ClientRule.REQUEST_HEADER,
                     "[method]counter.get travels as counter.get; the handle as list<u8>",
                     get, _after_eof(*coalesced(root_frame(encode_value(1 << 63, Prim.U64)))),
                     ok, accepted=(1 << 63,)))
    ctor = world.call("resources", "counter", 5)
    assert ctor.function.result is not None
    out.append(_case("request", "resource-constructor", ClientRule.REQUEST_HEADER,
                     "[constructor]counter travels as counter; the result is an own handle",
                     ctor, _after_eof(*coalesced(root_frame(encode_value(handle,
                                                                        ctor.function.result)))),
                     ok, accepted=(handle,)))
    sink = world.call("echo", "sink", "bye")
    out.append(_case("request", "no-result.no-frames", ClientRule.RESULT_NO_RESULTS,
                     "a function without results: the server just closes", sink,
                     _after_eof(Close()), ok, accepted=()))
    out.append(_case("request", "no-result.empty-root-frame", ClientRule.RESULT_NO_RESULTS,
                     "a function without results: an empty root frame, then end-of-stream",
                     sink, _after_eof(*coalesced(root_frame(b""))), ok, accepted=(),
                     flags=(Ambiguity.ZERO_LENGTH_FRAME.value,)))
    big = "wasmnet " * 32768
    string = world.call("echo", "echo-string", "big")
    big_bytes = encode_value(big, Prim.STRING)
    out.append(_case("request", "large-result.one-frame", ClientRule.RESULT_FRAMES,
                     f"a {len(big_bytes)}-byte string result in one frame", string,
                     _after_eof(*coalesced(root_frame(big_bytes))), ok, accepted=(big,)))
    sizes = [1000] * (len(big_bytes) // 1000) + [len(big_bytes) % 1000]
    out.append(_case("request", "large-result.1000-byte-frames", ClientRule.RESULT_FRAMES,
                     f"a {len(big_bytes)}-byte string result in 1000-byte frames", string,
                     _after_eof(*coalesced(*frame_chunks(ROOT, big_bytes, sizes))),
                     ok, accepted=(big,)))
    inf = world.call("echo", "echo-f64", float("-inf"))
    out.append(_case("request", "arg-starting-with-dash", ClientRule.CONTRACT_ARGUMENTS,
                     "the argument -inf: every word after FUNCTION is a WAVE argument, even one "
                     "that starts with '-'", inf,
                     _after_eof(*coalesced(root_frame(encode_value(float("-inf"), Prim.F64)))),
                     ok, accepted=(float("-inf"),)))
    color = world.call("echo", "echo-color", EnumValue("blue"))
    out.append(_case("request", "enum", ClientRule.REQUEST_PARAMS, "an enum parameter",
                     color, _after_eof(*coalesced(root_frame(b"\x00"))), ok,
                     accepted=(EnumValue("red"),)))
    return out


# -------------------------------------------------------------------------------- malformed


def malformed_cases(world: World) -> list[ClientCase]:
    fail = Expect.FAILURE
    trailing = ClientRule.RESULT_TRAILING
    frame = ClientRule.RESULT_INVALID_FRAME
    u32 = world.call("echo", "echo-u32", 624485)
    r = encode_value(624485, Prim.U32)
    out: list[ClientCase] = []

    def strict_only(name: str, text: str, call: Call, result: Value,
                    *frames: bytes) -> ClientCase:
        return _case("malformed", name, trailing, f"{text}: strict requires exit 1", call,
                     _after_eof(*coalesced(*frames)), fail, lenient=Expect.EITHER,
                     accepted=(result,))

    out.append(strict_only("trailing-root-byte", "one byte after the result in its frame",
                           u32, 624485, root_frame(r + b"\x00")))
    out.append(strict_only("trailing-root-frame", "a second root frame after the result", u32,
                           624485, root_frame(r), root_frame(b"\x01")))
    out.append(strict_only("unknown-path", "a frame on path [1], which names no value", u32,
                           624485, root_frame(r), encode_frame((1,), b"\x01\x02")))
    out.append(_case(
        "malformed", "unknown-path-empty-frame", trailing,
        "a zero-length frame on path [0], which names no value, before the result: strict "
        "requires exit 1", u32, _after_eof(*coalesced(encode_frame((0,), b""), root_frame(r))),
        fail, lenient=Expect.EITHER, accepted=(624485,),
        flags=(Ambiguity.ZERO_LENGTH_FRAME.value,)))
    out.append(strict_only("unknown-deep-path", "a frame on path [0, 0, 7]", u32, 624485,
                           root_frame(r), encode_frame((0, 0, 7), b"\x00")))
    call, value = _stream_u8(world, [9])
    parts = async_parts((value,), call.result_types)
    out.append(strict_only("stream-data-after-end", "a chunk after the stream's end marker",
                           call, value, *parts.frames(), encode_frame((0,), b"\x01\x08")))
    fv: Value = Ready(5)
    fcall = world.call("async-echo", "echo-future-u8", fv)
    fparts = async_parts((fv,), fcall.result_types)
    out.append(strict_only("future-data-after-value", "a second value on the future's path",
                           fcall, fv, *fparts.frames(), encode_frame((0,), b"\x06")))

    def broken(name: str, rule: ClientRule, text: str, call: Call, *frames: bytes) -> ClientCase:
        return _case("malformed", name, rule, f"{text}: the client must fail (exit 1)", call,
                     _after_eof(*coalesced(*frames)), fail)

    overlong6 = b"\x83\x80\x80\x80\x80\x00"
    out.append(broken("data-length-leb128-6-bytes", frame, "data_len as a 6-byte uleb32", u32,
                      b"\x00" + overlong6 + r))
    out.append(broken("path-length-leb128-6-bytes", frame, "path_len as a 6-byte uleb32", u32,
                      b"\x80\x80\x80\x80\x80\x00\x03" + r))
    out.append(broken("data-length-unused-bits", frame, "data_len 5th byte with bits beyond 32",
                      u32, b"\x00\x83\x80\x80\x80\x10" + r))
    out.append(broken("path-element-unused-bits", frame, "a path element whose 5th uleb32 byte "
                      "sets bits beyond 32", u32, root_frame(r),
                      b"\x01\xff\xff\xff\xff\x1f\x01\x00"))
    string = world.call("echo", "echo-string", "ab")
    bad = b"\x04a\xc3(b"
    out.append(broken("string-invalid-utf8-split", ClientRule.RESULT_FRAMES,
                      "a string with invalid UTF-8, its bytes split over three frames", string,
                      *frame_chunks(ROOT, bad, [2, 1, 2])))
    bools = world.call("echo", "echo-list-bool", [True, False])
    out.append(broken("list-bool-bad-byte", ClientRule.RESULT_FRAMES, "list<bool> whose second "
                      "element is 02", bools, root_frame(b"\x02\x01\x02")))
    scall = world.call("async-echo", "echo-stream-string", Ready(["ok"]))
    out.append(broken("stream-chunk-invalid-utf8", ClientRule.RESULT_STREAM,
                      "a stream<string> chunk holding invalid UTF-8", scall, root_frame(b"\x00"),
                      encode_frame((0,), b"\x01\x02\xed\xa0"), encode_frame((0,), STREAM_END)))
    out.append(broken("stream-chunk-truncated", ClientRule.RESULT_STREAM, "a chunk announcing 3 "
                      "elements holding 2, then end-of-stream", call, root_frame(b"\x00"),
                      encode_frame((0,), b"\x03\x01\x02")))
    fscall = world.call("async-echo", "echo-future-string", Ready("x"))
    out.append(broken("future-value-invalid-utf8", ClientRule.RESULT_FUTURE, "a pending "
                      "future<string> resolved with invalid UTF-8", fscall, root_frame(b"\x00"),
                      encode_frame((0,), b"\x01\xff")))
    out.append(broken("future-bad-discriminant", ClientRule.RESULT_FUTURE, "future tag 02",
                      fcall, root_frame(b"\x02\x05")))
    return out


# ------------------------------------------------------------------------------------ close


def close_cases(world: World) -> list[ClientCase]:
    fail = Expect.FAILURE
    rule = ClientRule.RESULT_EARLY_CLOSE
    u32 = world.call("echo", "echo-u32", 624485)
    r = encode_value(624485, Prim.U32)
    string = world.call("echo", "echo-string", "ƒ𐍈Ő")
    s = encode_value("ƒ𐍈Ő", Prim.STRING)
    out: list[ClientCase] = []

    def early(name: str, text: str, call: Call, answer: Answer, *, check: bool = True,
              tcp_only: bool = False, rule_: ClientRule = rule) -> ClientCase:
        return _case("close", name, rule_, f"{text}: the client must fail (exit 1)", call,
                     answer, fail, check_request=check, tcp_only=tcp_only)

    out.append(early("before-request", "the server closes at once, reading nothing", u32,
                     Answer(Trigger.ON_ACCEPT, (Close(CloseMode.CLOSE),)), check=False))
    out.append(early("after-header", "the server closes once the header is in", u32,
                     Answer(Trigger.ON_HEADER, (Close(CloseMode.CLOSE),)), check=False))
    out.append(early("no-results", "end-of-stream without any frame", u32, _after_eof(Close())))
    out.append(early("empty-root-frame-only", "an empty root frame, then end-of-stream", u32,
                     _after_eof(*coalesced(root_frame(b"")))))
    out.append(early("partial-value", "a complete frame with 2 of the u32's 3 bytes", u32,
                     _after_eof(*coalesced(root_frame(r[:2])))))
    out.append(early("partial-frame", "a frame announcing 3 bytes carrying 2", u32,
                     _after_eof(*coalesced(root_frame(r)[:-1]))))
    out.append(early("partial-frame-head", "only the path_len byte of a frame", u32,
                     _after_eof(*coalesced(b"\x00"))))
    out.append(early("partial-string", "a string frame cut after 5 of its 9 bytes", string,
                     _after_eof(*coalesced(root_frame(s)[:7]))))
    out.append(early("partial-string-separate-frames", "a string's first 4 bytes in a frame of "
                     "their own, then end-of-stream", string,
                     _after_eof(*separate([root_frame(s[:4])]))))
    call, value = _stream_u8(world, [1, 2])
    parts = async_parts((value,), call.result_types, end_marker=False)
    out.append(early("stream-without-end", "a pending stream's chunk but no end marker", call,
                     _after_eof(*coalesced(*parts.frames())), rule_=ClientRule.RESULT_STREAM))
    out.append(early("stream-pending-only", "a pending stream marker and nothing more", call,
                     _after_eof(*coalesced(root_frame(b"\x00"))), rule_=ClientRule.RESULT_STREAM))
    fcall = world.call("async-echo", "echo-future-u32", Ready(1))
    out.append(early("future-never-resolved", "a pending future and nothing more", fcall,
                     _after_eof(*coalesced(root_frame(b"\x00"))), rule_=ClientRule.RESULT_FUTURE))
    out.append(early("reset-after-request", "a TCP reset instead of results", u32,
                     _after_eof(Close(CloseMode.RESET)), tcp_only=True))
    out.append(early("reset-after-partial", "2 of 3 result bytes, then a TCP reset", u32,
                     _after_eof(Write(root_frame(r)[:-1]), Pause(0.05), Close(CloseMode.RESET)),
                     tcp_only=True))
    out.append(early("reset-mid-stream", "a stream chunk, then a TCP reset", call,
                     _after_eof(Write(b"".join(parts.frames())), Pause(0.05),
                                Close(CloseMode.RESET)), tcp_only=True))
    return out


# ---------------------------------------------------------------------------------- silence


def silence_cases(world: World) -> list[ClientCase]:
    fail = Expect.FAILURE
    rule = ClientRule.RESULT_TIMEOUT
    u32 = world.call("echo", "echo-u32", 624485)
    r = encode_value(624485, Prim.U32)
    call, value = _stream_u8(world, [1, 2])
    parts = async_parts((value,), call.result_types, end_marker=False)
    fcall = world.call("async-echo", "echo-future-u32", Ready(1))
    text = "then silence with the connection open: the client must time out (exit 1)"
    return [
        _case("silence", "no-answer", rule, f"no result, {text}", u32, _after_eof(Hold()), fail),
        _case("silence", "never-read", rule, f"the server reads nothing, {text}", u32,
              Answer(Trigger.ON_ACCEPT, (Hold(),)), fail, check_request=False),
        _case("silence", "partial-frame", rule, f"2 of the frame's 3 data bytes, {text}", u32,
              _after_eof(Write(root_frame(r)[:-1]), Hold()), fail),
        _case("silence", "stream-without-end", rule, f"a stream chunk without end marker, {text}",
              call, _after_eof(Write(b"".join(parts.frames())), Hold()), fail),
        _case("silence", "future-pending", rule, f"a pending future, {text}", fcall,
              _after_eof(Write(root_frame(b"\x00")), Hold()), fail),
    ]


# ------------------------------------------------------------------------------------ usage


def usage_cases(world: World) -> list[ClientCase]:
    """Arguments the client must refuse (exit 2) without connecting."""
    u8 = world.call("echo", "echo-u8", 1)
    rule = ClientRule.CONTRACT_USAGE
    refuse = Answer(Trigger.ON_ACCEPT, (Close(CloseMode.CLOSE),))
    out = []
    for name, text, args in (
        ("arg-not-wave", "an argument that is not WAVE", ("hello",)),
        ("arg-out-of-range", "256 for a u8", ("256",)),
        ("arg-wrong-type", "a string for a u8", ('"1"',)),
        ("missing-arg", "no argument for one parameter", ()),
        ("extra-arg", "two arguments for one parameter", ("1", "2")),
    ):
        out.append(_case("usage", name, rule, f"{text}: the client must exit 2 and not connect",
                         u8, refuse, Expect.USAGE, check_request=False, usage_args=args))
    out.append(_case("usage", "unknown-function", rule, "a function the world does not have: "
                     "the client must exit 2 and not connect", u8, refuse, Expect.USAGE,
                     check_request=False, usage_function="no-such-function"))
    return out


def all_cases(
    world: World, vectors: Iterable[AnyVector], selection: VectorSelection
) -> list[ClientCase]:
    cases = [
        *request_cases(world),
        *shape_cases(world),
        *async_cases(world),
        *malformed_cases(world),
        *close_cases(world),
        *silence_cases(world),
        *usage_cases(world),
        *vector_cases(world, vectors, selection),
    ]
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise AssertionError("duplicate client-role case IDs")
    return cases
