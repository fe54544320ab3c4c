"""Unit tests of the client role's sans-IO core: assembling async values, reading requests,
building answers, judging, and the case catalogue. Expected bytes are written from the spec
rules (wrpc.md §2-§4), not produced by the code under test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wasmnet_conformance.codec.vectors import load_vectors
from wasmnet_conformance.results import Profile, Verdict
from wasmnet_conformance.wrpc_client.answers import (
    Answer,
    Close,
    CloseMode,
    Hold,
    Trigger,
    Write,
    async_parts,
    singles,
)
from wasmnet_conformance.wrpc_client.assemble import (
    FUTURE_UNRESOLVED,
    STREAM_UNTERMINATED,
    AssemblyError,
    AsyncAssembler,
    UnsupportedShape,
)
from wasmnet_conformance.wrpc_client.calls import World
from wasmnet_conformance.wrpc_client.cases import (
    ClientCase,
    Expect,
    VectorSelection,
    all_cases,
)
from wasmnet_conformance.wrpc_client.judge import Observation, judge
from wasmnet_conformance.wrpc_client.request import Problem, RequestReader, request_problems
from wasmnet_conformance.wrpc_client.rules import ClientRule
from wasmnet_reference.framing import ROOT
from wasmnet_reference.values import PENDING, Ready, Value, values_equal
from wasmnet_reference.wit.types import (
    Field,
    FutureType,
    OptionType,
    Prim,
    RecordType,
    StreamType,
)

REPO = Path(__file__).resolve().parents[1]
ECHO = "wasmnet:conformance/echo@0.1.0"
U8S = StreamType(Prim.U8)


@pytest.fixture(scope="module")
def world() -> World:
    return World.load(REPO / "conformance" / "wit")


@pytest.fixture(scope="module")
def cases(world: World) -> list[ClientCase]:
    return all_cases(world, load_vectors(REPO / "vectors").vectors, VectorSelection.DISTINCT)


# ----------------------------------------------------------------------------------- assemble

# stream<u8> pending (root 00), chunks [1, 2] and [3], end marker: wrpc.md §3.
STREAM_PATH_BYTES = bytes.fromhex("02 0102 01 03 00")


@pytest.mark.parametrize("cut", range(len(STREAM_PATH_BYTES) + 1))
def test_stream_assembles_in_any_split(cut: int) -> None:
    a = AsyncAssembler([U8S])
    a.feed(ROOT, b"\x00")
    assert a.root_done and not a.done
    a.feed((0,), STREAM_PATH_BYTES[:cut])
    a.feed((0,), STREAM_PATH_BYTES[cut:])
    a.end()
    assert a.done and a.values == (Ready([1, 2, 3]),)
    assert a.unclaimed == []


def test_stream_data_before_root_is_held() -> None:
    a = AsyncAssembler([U8S])
    a.feed((0,), STREAM_PATH_BYTES)
    assert not a.root_done
    a.feed(ROOT, b"\x00")
    assert a.values == (Ready([1, 2, 3]),)


def test_bytes_no_value_claims_are_recorded_not_raised() -> None:
    a = AsyncAssembler([U8S])
    a.feed(ROOT, b"\x00\x07")  # one byte after the value
    a.feed((0,), STREAM_PATH_BYTES + b"\x01\x09")  # a chunk after the end marker
    a.feed((3,), b"\x05")  # a path that names nothing
    a.end()
    assert a.values == (Ready([1, 2, 3]),)
    assert len(a.unclaimed) == 3


def test_stream_without_end_marker_is_an_error() -> None:
    a = AsyncAssembler([U8S])
    a.feed(ROOT, b"\x00")
    a.feed((0,), bytes.fromhex("02 0102"))
    with pytest.raises(AssemblyError) as e:
        a.end()
    assert e.value.rule == STREAM_UNTERMINATED


def test_stream_chunk_cut_short_names_the_list_rule() -> None:
    a = AsyncAssembler([U8S])
    a.feed(ROOT, b"\x00")
    a.feed((0,), bytes.fromhex("03 0102"))
    with pytest.raises(AssemblyError) as e:
        a.end()
    assert e.value.rule == "value.list-truncated"


def test_future_in_record_field_path() -> None:
    job = RecordType("job", (Field("id", Prim.U32), Field("done", FutureType(Prim.BOOL))))
    a = AsyncAssembler([job])
    a.feed(ROOT, bytes.fromhex("07 00"))  # id 7, done pending
    a.feed((0, 1), b"\x01")  # record field 1 of value 0 (wrpc.md §3): true
    a.end()
    assert a.values == ({"id": 7, "done": Ready(True)},)


def test_unresolved_future_is_an_error() -> None:
    a = AsyncAssembler([FutureType(Prim.U8)])
    a.feed(ROOT, b"\x00")
    with pytest.raises(AssemblyError) as e:
        a.end()
    assert e.value.rule == FUTURE_UNRESOLVED


def test_invalid_chunk_raises_codec_rule() -> None:
    a = AsyncAssembler([StreamType(Prim.STRING)])
    a.feed(ROOT, b"\x00")
    with pytest.raises(AssemblyError) as e:
        a.feed((0,), bytes.fromhex("01 02 eda0"))  # a surrogate: not UTF-8
    assert e.value.rule == "value.string-utf8"


def test_no_values_is_done_at_once() -> None:
    a = AsyncAssembler([])
    assert a.done and a.values == ()


@pytest.mark.parametrize("ty", [OptionType(U8S), StreamType(None), FutureType(U8S)])
def test_unsupported_shapes_are_refused(ty: object) -> None:
    with pytest.raises(UnsupportedShape):
        AsyncAssembler([ty])  # type: ignore[list-item]


# ------------------------------------------------------------------------------------ request

# wrpc.md §2: 00, name(instance), name(function), then a root frame with the parameters.
HEADER = b"\x00\x1e" + ECHO.encode() + b"\x08echo-u32"


def _read(world: World, data: bytes, *, eof: bool = True) -> RequestReader:
    reader = RequestReader(world.call("echo", "echo-u32", 624485).function)
    for i in range(len(data)):  # byte by byte: the reader must not care about splits
        reader.feed(data[i : i + 1])
    if eof:
        reader.eof()
    return reader


def _problems(world: World, reader: RequestReader, *, half_closed: bool = True,
              value: Value = 624485) -> list[Problem]:
    call = world.call("echo", "echo-u32", value)
    return request_problems(reader, instance=call.instance, function=call.function,
                            expected=call.args, half_closed=half_closed)


def test_canonical_request_has_no_problem(world: World) -> None:
    reader = _read(world, HEADER + bytes.fromhex("00 03 e58e26"))
    assert reader.complete
    assert _problems(world, reader) == []


def test_overlong_leb_parameter_fails_strict_only(world: World) -> None:
    reader = _read(world, HEADER + bytes.fromhex("00 04 e58ea600"))
    (problem,) = _problems(world, reader)
    assert problem.strict_only and problem.rule is ClientRule.REQUEST_PARAMS


def test_wrong_value_and_missing_half_close(world: World) -> None:
    reader = _read(world, HEADER + bytes.fromhex("00 01 05"), eof=False)
    rules = [p.rule for p in _problems(world, reader, half_closed=False)]
    assert rules == [ClientRule.REQUEST_PARAMS, ClientRule.REQUEST_HALF_CLOSE]


def test_wrong_function_name(world: World) -> None:
    data = b"\x00\x1e" + ECHO.encode() + b"\x08echo-s32" + bytes.fromhex("00 03 e58e26")
    problems = _problems(world, _read(world, data))
    assert problems[0].rule is ClientRule.REQUEST_HEADER


def test_truncated_request_and_bad_version(world: World) -> None:
    truncated = _read(world, HEADER + bytes.fromhex("00 03 e58e"))
    assert "frame.truncated" in (truncated.error or "")
    assert _problems(world, truncated)[0].detail.startswith("malformed request")
    version = _read(world, b"\x01" + HEADER[1:])
    assert "header.version" in (version.error or "")


# ------------------------------------------------------------------------------------ answers


def test_async_parts_bytes_follow_the_spec() -> None:
    parts = async_parts((Ready([1, 2, 3]),), (U8S,))
    # root frame: path_len 0, data_len 1, 00 (pending); path [0]: one chunk, then the end.
    assert parts.frames() == [bytes.fromhex("00 01 00"), bytes.fromhex("01 00 04 03010203"),
                              bytes.fromhex("01 00 01 00")]
    each = async_parts((Ready([1, 2]),), (U8S,), chunking=singles)
    assert b"".join(each.frames()) == bytes.fromhex("000100 0100020101 0100020102 01000100")
    fut = async_parts((Ready(42),), (FutureType(Prim.U8),))
    assert fut.frames() == [bytes.fromhex("00 01 00"), bytes.fromhex("01 00 01 2a")]


def test_answer_ends_with_fin_unless_told() -> None:
    assert Answer(Trigger.ON_EOF, (Write(b"x"),)).closing()[-1] == Close(CloseMode.FIN)
    held = Answer(Trigger.ON_EOF, (Hold(),))
    assert held.closing() == (Hold(),)


# -------------------------------------------------------------------------------------- judge


def _case(cases: list[ClientCase], case_id: str) -> ClientCase:
    (case,) = [c for c in cases if c.id == case_id]
    return case


def _obs(code: int | None, out: bytes = b"", err: bytes = b"", conns: int = 1,
         problems: tuple[Problem, ...] = ()) -> Observation:
    return Observation(code, out, err, conns, problems, timeout_s=10)


def test_judge_success(cases: list[ClientCase]) -> None:
    case = _case(cases, "wrpc-client.frames.u32.one-frame")
    assert judge(case, _obs(0, b"624485\n")).strict is Verdict.PASS
    assert judge(case, _obs(0, b"624485\r\n")).lenient is Verdict.PASS
    for bad in (b"624486\n", b"hello\n", b"624485\n624485\n", b""):
        j = judge(case, _obs(0, bad))
        assert (j.strict, j.lenient) == (Verdict.FAIL, Verdict.FAIL), bad
    assert judge(case, _obs(1, err=b"boom")).lenient is Verdict.FAIL
    assert "killed" in judge(case, _obs(None)).detail


def test_judge_failure_needs_message_and_empty_stdout(cases: list[ClientCase]) -> None:
    case = _case(cases, "wrpc-client.close.partial-value")
    assert judge(case, _obs(1, err=b"error: closed early\n")).strict is Verdict.PASS
    assert judge(case, _obs(1)).strict is Verdict.FAIL
    assert judge(case, _obs(1, out=b"5\n", err=b"x")).strict is Verdict.FAIL
    assert judge(case, _obs(0, b"624485\n")).strict is Verdict.FAIL
    assert judge(case, _obs(3, err=b"x")).strict is Verdict.FAIL


def test_judge_connections(cases: list[ClientCase]) -> None:
    case = _case(cases, "wrpc-client.close.partial-value")
    assert "2 connections" in judge(case, _obs(1, err=b"x", conns=2)).detail
    assert "never connected" in judge(case, _obs(1, err=b"x", conns=0)).detail
    usage = _case(cases, "wrpc-client.usage.arg-not-wave")
    assert judge(usage, _obs(2, conns=0)).strict is Verdict.PASS
    assert judge(usage, _obs(2, conns=1)).strict is Verdict.FAIL
    assert judge(usage, _obs(1, err=b"x", conns=0)).strict is Verdict.FAIL


def test_judge_strict_only_problem_and_reading(cases: list[ClientCase]) -> None:
    case = _case(cases, "wrpc-client.frames.u32.one-frame")
    noncanonical = Problem(ClientRule.REQUEST_PARAMS, "overlong", strict_only=True)
    j = judge(case, _obs(0, b"624485\n", problems=(noncanonical,)))
    assert (j.strict, j.lenient) == (Verdict.FAIL, Verdict.PASS)
    trailing = _case(cases, "wrpc-client.malformed.trailing-root-byte")
    accepted = judge(trailing, _obs(0, b"624485\n"))
    assert (accepted.strict, accepted.lenient, accepted.reading) == (
        Verdict.FAIL, Verdict.PASS, "accepted")
    rejected = judge(trailing, _obs(1, err=b"trailing"))
    assert (rejected.strict, rejected.lenient, rejected.reading) == (
        Verdict.PASS, Verdict.PASS, "rejected")


# -------------------------------------------------------------------------------------- cases

ID = re.compile(r"wrpc-client\.[a-z]+\.[a-z0-9][a-z0-9.-]*")


def test_case_ids_and_rules(cases: list[ClientCase]) -> None:
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids))
    assert all(ID.fullmatch(i) for i in ids), [i for i in ids if not ID.fullmatch(i)]
    client_rules = {r.id for r in ClientRule}
    for c in cases:
        assert c.rule in client_rules or c.id.startswith("wrpc-client.vector."), c.id
        assert c.citation and c.description
    network = [c for c in cases if c.strict is not Expect.USAGE and not c.tcp_only]
    assert len(network) >= 200
    groups = {c.group for c in cases}
    assert groups == {"vector", "frames", "split", "async", "request", "malformed", "close",
                      "silence", "usage"}


def test_vector_cases_take_the_vector_verdict(cases: list[ClientCase]) -> None:
    valid = _case(cases, "wrpc-client.vector.value.u32.max")
    assert (valid.strict, valid.lenient) == (Expect.SUCCESS, Expect.SUCCESS)
    assert valid.accepted == (4294967295,) and valid.call.args == (4294967295,)
    assert valid.answer.sent == bytes.fromhex("00 05 ffffffff0f")
    invalid = [c for c in cases if c.id.startswith("wrpc-client.vector.value.string.")
               and c.strict is Expect.FAILURE and c.lenient is Expect.FAILURE]
    assert invalid
    trailing = [c for c in cases if c.rule == "value.trailing-bytes"]
    assert trailing and all((c.strict, c.lenient) == (Expect.FAILURE, Expect.EITHER)
                            for c in trailing)
    flagged = [c for c in cases if "flags-bits-beyond-n" in c.flags]
    assert flagged and all(c.lenient is Expect.EITHER for c in flagged)


def test_every_success_answer_decodes_to_the_accepted_value(cases: list[ClientCase]) -> None:
    """The catalogue's own answers are right: frames decoded by the reference framing and
    assembled per path give the value a client must print."""
    from wasmnet_reference.framing import decode_stream

    checked = 0
    for c in cases:
        if c.strict is not Expect.SUCCESS or not c.call.result_types:
            continue
        _, frames = decode_stream(c.answer.sent, expect_header=False)
        a = AsyncAssembler(c.call.result_types)
        for f in frames:
            a.feed(f.path, f.data)
        a.end()
        assert a.unclaimed == [], c.id
        assert any(values_equal(a.values[0], v) for v in c.accepted), c.id
        checked += 1
    assert checked > 100


def test_split_cases_cover_every_position(cases: list[ClientCase]) -> None:
    u32 = [c for c in cases if c.id.startswith("wrpc-client.split.u32.at-")]
    # root frame of u32 624485: 00 03 e5 8e 26 -> cut after byte 1..4
    assert sorted(c.id for c in u32) == [f"wrpc-client.split.u32.at-{k}" for k in range(1, 5)]
    assert all(c.answer.sent == bytes.fromhex("0003e58e26") for c in u32)


def test_pending_values_never_expected_on_stdout(cases: list[ClientCase]) -> None:
    def has_pending(v: object) -> bool:
        if v is PENDING:
            return True
        if isinstance(v, (list, tuple)):
            return any(has_pending(x) for x in v)
        if isinstance(v, dict):
            return any(has_pending(x) for x in v.values())
        return has_pending(getattr(v, "value", None)) if hasattr(v, "value") else False

    assert not [c.id for c in cases if any(has_pending(v) for v in c.accepted)]


def test_profiles_map(cases: list[ClientCase]) -> None:
    c = _case(cases, "wrpc-client.malformed.unknown-path")
    assert c.expect(Profile.STRICT) is Expect.FAILURE
    assert c.expect(Profile.LENIENT) is Expect.EITHER
