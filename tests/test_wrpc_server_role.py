"""Unit tests of the server role's building blocks: the wire trace, addresses, the request
builders, the response assembler, the judge and the case catalogue. Expected bytes are written
by hand from the spec rules (wrpc.md §2-§4), never produced by the code under test."""

from __future__ import annotations

from pathlib import Path

import pytest

from wasmnet_conformance.codec.vectors import ValueVector, load_vectors
from wasmnet_conformance.errors import UsageError
from wasmnet_conformance.results import Profile, Verdict
from wasmnet_conformance.wiretrace import WireTrace
from wasmnet_conformance.wrpc_server.address import TcpAddress, UnixAddress, parse_address
from wasmnet_conformance.wrpc_server.cases import catalogue
from wasmnet_conformance.wrpc_server.connection import End
from wasmnet_conformance.wrpc_server.judge import Judgment, Observation, judge, with_liveness
from wasmnet_conformance.wrpc_server.model import (
    Expect,
    HalfClose,
    Kind,
    ScriptCase,
    Send,
    ServerCase,
)
from wasmnet_conformance.wrpc_server.request import call, pieces, stream_frames
from wasmnet_conformance.wrpc_server.response import ResponseAssembler
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.values import Err, Ok, Ready, Value, values_equal
from wasmnet_reference.wit.types import FutureType, Prim, ResultType, StreamType

REPO = Path(__file__).resolve().parents[1]
ECHO_INSTANCE = b"wasmnet:conformance/echo@0.1.0"


@pytest.fixture(scope="module")
def world() -> World:
    return World.load(REPO / "conformance" / "wit")


@pytest.fixture(scope="module")
def cases(world: World) -> list[ServerCase | ScriptCase]:
    return catalogue(world, load_vectors(REPO / "vectors").vectors)


def fed(result: Prim | FutureType | StreamType | ResultType | None, *chunks: str,
        eof: bool = True) -> ResponseAssembler:
    r = ResponseAssembler(result)
    for c in chunks:
        r.feed(bytes.fromhex(c))
    if eof:
        r.end()
    return r


# ------------------------------------------------------------------------------ wire trace


def test_trace_directions_follow_the_suites_role() -> None:
    ticks = iter([10.0, 10.5, 11.25, 12.0, 13.0])
    t = WireTrace(lambda: next(ticks), suite_is="client")
    t.sent(b"\x00\x01")
    t.received(b"\xff")
    t.note("FIN")
    t.received(b"")
    assert [(e.direction, e.data) for e in t.entries()] == [
        ("c2s", b"\x00\x01"), ("s2c", b"\xff"), ("note", b""), ("note", b"")]
    assert t.to_json()[0] == {"t": 0.5, "dir": "c2s", "hex": "0001", "note": ""}
    assert t.to_json()[2]["t"] == 2.0
    assert t.to_json()[3]["note"] == "EOF from peer"
    server = WireTrace(suite_is="server")
    server.sent(b"a")
    server.received(b"b")
    assert [e.direction for e in server.entries()] == ["s2c", "c2s"]


def test_trace_render_truncates_with_a_marker() -> None:
    t = WireTrace(suite_is="client")
    t.sent(bytes(range(40)))
    t.received(b"\xaa\xbb")
    text = t.render(max_bytes=20)
    assert "00 01 02 03" in text and "+0.000s c2s 40 bytes" in text
    assert "aa bb" not in text
    assert "trace truncated: 22 bytes not shown" in text
    assert "truncated" not in WireTrace(suite_is="client").render()


def test_trace_rejects_unknown_role() -> None:
    with pytest.raises(ValueError):
        WireTrace(suite_is="peer")  # type: ignore[arg-type]


# ------------------------------------------------------------------------------ addresses


def test_addresses_parse_and_stay_on_loopback() -> None:
    assert parse_address("tcp://127.0.0.1:8080") == TcpAddress("127.0.0.1", 8080)
    assert parse_address("tcp://[::1]:9") == TcpAddress("::1", 9)
    assert str(TcpAddress("::1", 9)) == "tcp://[::1]:9"
    assert parse_address("tcp://localhost:1") == TcpAddress("localhost", 1)
    for bad in ("tcp://10.0.0.1:80", "tcp://example.org:80", "tcp://127.0.0.1:0",
                "tcp://127.0.0.1", "udp://127.0.0.1:1", "unix:", "127.0.0.1:80"):
        with pytest.raises(UsageError):
            parse_address(bad)


@pytest.mark.skipif(not hasattr(__import__("socket"), "AF_UNIX"), reason="no AF_UNIX")
def test_unix_address() -> None:
    assert parse_address("unix:/tmp/x.sock") == UnixAddress("/tmp/x.sock")


# ------------------------------------------------------------------------------ requests


def test_call_bytes_follow_the_header_and_frame_grammar(world: World) -> None:
    t = world.target("echo", "echo-u32")
    want = (b"\x00" + bytes([len(ECHO_INSTANCE)]) + ECHO_INSTANCE + b"\x08echo-u32"
            + bytes.fromhex("0003e58e26"))
    assert call(t, bytes.fromhex("e58e26")) == want
    wide = call(t, bytes.fromhex("e58e26"), length_width=5)
    assert wide.startswith(b"\x00\x9e\x80\x80\x80\x00" + ECHO_INSTANCE + b"\x88\x80\x80\x80\x00")
    assert wide.endswith(bytes.fromhex("8080808000" "8380808000" "e58e26"))


def test_stream_frames_end_with_the_empty_chunk() -> None:
    frames = stream_frames((0,), StreamType(Prim.U8), [[1, 2], [], [3]])
    assert frames == [((0,), b"\x02\x01\x02"), ((0,), b"\x01\x03"), ((0,), b"\x00")]
    assert stream_frames((0,), StreamType(Prim.U8), [[1]], end=False) == [((0,), b"\x01\x01")]


def test_pieces_drop_empty_writes() -> None:
    assert pieces(b"abcd", [1, 1, 3]) == (b"a", b"bc", b"d")
    assert pieces(b"ab", []) == (b"ab",)


# ------------------------------------------------------------------------------ responses


def test_u32_result_in_any_split_is_complete() -> None:
    stream = bytes.fromhex("0003e58e26")
    for n in range(len(stream) + 1):
        r = ResponseAssembler(Prim.U32)
        r.feed(stream[:n])
        r.feed(stream[n:])
        assert r.complete and r.value == 624485 and r.canonical
        assert r.problem() is None


def test_root_split_across_frames_and_empty_root_frames() -> None:
    r = fed(Prim.U32, "0000", "0001e5", "0002", "8e", "26")
    assert r.complete and r.value == 624485 and r.empty_frames == 1


def test_overlong_result_is_complete_but_not_canonical() -> None:
    r = fed(Prim.U32, "000281" "00")
    assert r.complete and r.value == 1 and not r.canonical


def test_trailing_root_bytes_are_a_problem() -> None:
    assert fed(Prim.U32, "00020100").problem() == "1 root bytes after the result value"


def test_incomplete_and_broken_results() -> None:
    assert not fed(Prim.U32, "0003e58e").complete
    truncated = fed(Prim.U32, "0005e58e")
    assert not truncated.complete and "inside a frame" in (truncated.problem() or "")
    bad = fed(Prim.BOOL, "000102")
    assert not bad.complete and "value.bool" in (bad.problem() or "")


def test_function_without_results() -> None:
    assert fed(None).complete
    assert not fed(None, eof=False).complete
    assert fed(None, "0000").complete
    assert "function without results" in (fed(None, "000101").problem() or "")


def test_pending_stream_result_with_chunks_split_across_frames() -> None:
    # root 00 (pending); path [0]: chunk [1,2,3] split over two frames, chunk [4], end 00
    r = fed(StreamType(Prim.U8), "000100", "0100020301", "010002" "0203", "0100020104",
            "01000100")
    assert r.complete and values_equal(r.value, Ready([1, 2, 3, 4]))
    assert r.readings == {"result-async-form": "pending"} and r.elements() == 4


def test_stream_data_before_the_root_value_is_held() -> None:
    r = fed(StreamType(Prim.U8), "0100020109", "01000100", "000100")
    assert r.complete and values_equal(r.value, Ready([9]))


def test_stream_without_end_marker_is_incomplete() -> None:
    r = fed(StreamType(Prim.U8), "000100", "0100020109")
    assert not r.complete and r.problem() is None


def test_ready_stream_result() -> None:
    r = fed(StreamType(Prim.U8), "0003020102")
    assert r.complete and values_equal(r.value, Ready([1, 2])) and r.readings == {}


def test_data_on_an_unclaimed_path_is_a_problem() -> None:
    r = fed(Prim.U32, "000101", "01050101")
    assert "[(5,)]" in (r.problem() or "")


def test_data_after_a_stream_end_is_a_problem() -> None:
    r = fed(StreamType(Prim.U8), "000100", "01000100", "0100020101")
    assert r.problem() is not None


def test_future_result_and_unit_future() -> None:
    r = fed(FutureType(Prim.U32), "000100", "010003e58e26")
    assert r.complete and values_equal(r.value, Ready(624485))
    unit = fed(FutureType(None), "000100", "010000")
    assert unit.complete and values_equal(unit.value, Ready(None))
    assert not fed(FutureType(None), "000100").complete


@pytest.mark.parametrize(("path", "reading"), [
    ("0100", "parent-path"),  # upstream: the payload appends nothing
    ("020000", "case-index-appended"),  # SPEC.md: ok is case 0
])
def test_result_payload_path_readings(path: str, reading: str) -> None:
    ty = ResultType(StreamType(Prim.U32), Prim.STRING)
    # root: 00 (ok) 00 (pending stream); the stream [7] and its end on the payload's path
    r = fed(ty, "00020000", path + "020107", path + "0100")
    assert r.complete and values_equal(r.value, Ok(Ready([7])))
    assert r.readings["variant-payload-path"] == reading


def test_err_result_has_no_async_data() -> None:
    ty = ResultType(StreamType(Prim.U32), Prim.STRING)
    r = fed(ty, "000401026e6f")
    assert r.complete and values_equal(r.value, Err("no"))


@pytest.mark.parametrize("inner_path", ["0100", "020000"])
def test_nested_future_either_path(inner_path: str) -> None:
    ty = FutureType(FutureType(Prim.U8))
    r = fed(ty, "000100", "01000100", inner_path + "012a")
    assert r.complete and values_equal(r.value, Ready(Ready(42)))


# ------------------------------------------------------------------------------ judging


def _case(kind: Kind, values: tuple[Value, ...] = (624485,), *, strict_rejects: bool = True,
          world: World) -> ServerCase:
    target = world.target("echo", "echo-u32")
    return ServerCase("wrpc-server.t", "t", "rule", "summary", target,
                      (Send(b""), HalfClose()), Expect(kind, values,
                                                         strict_rejects=strict_rejects))


def _obs(*chunks: str, end: End | None = End.EOF) -> Observation:
    r = ResponseAssembler(Prim.U32)
    trace = WireTrace(suite_is="client")
    for c in chunks:
        r.feed(bytes.fromhex(c))
        trace.received(bytes.fromhex(c))
    if end is End.EOF:
        r.end()
    return Observation(r, trace, end=end, timeout_s=5.0)


def _verdicts(j: Judgment) -> tuple[Verdict, Verdict]:
    return j.verdicts[Profile.LENIENT], j.verdicts[Profile.STRICT]


def test_judge_valid(world: World) -> None:
    valid = _case(Kind.VALID, world=world)
    assert _verdicts(judge(valid, _obs("0003e58e26"))) == (Verdict.PASS, Verdict.PASS)
    wrong = judge(valid, _obs("000101"))
    assert _verdicts(wrong) == (Verdict.FAIL, Verdict.FAIL) and "wrong results" in wrong.detail
    no_fin = judge(valid, _obs("0003e58e26", end=None))
    assert no_fin.failed and "half-closes" in no_fin.detail
    assert judge(valid, _obs("0003e58e", end=End.EOF)).failed
    overlong = judge(valid, _obs("0005e58ea68000"))
    assert _verdicts(overlong) == (Verdict.PASS, Verdict.FAIL)
    assert overlong.reading is not None and "non-canonical-encoding" in overlong.reading


def test_judge_invalid(world: World) -> None:
    bad = _case(Kind.INVALID, world=world)
    assert _verdicts(judge(bad, _obs())) == (Verdict.PASS, Verdict.PASS)
    assert _verdicts(judge(bad, _obs(end=End.RESET))) == (Verdict.PASS, Verdict.PASS)
    assert _verdicts(judge(bad, _obs("0002e5", end=End.RESET))) == (Verdict.PASS, Verdict.PASS)
    accepted = judge(bad, _obs("0003e58e26"))
    assert accepted.failed and "accepted bad input" in accepted.detail
    hang = judge(bad, _obs(end=None))
    assert hang.failed and "hang" in hang.detail


def test_judge_acceptable(world: World) -> None:
    amb = _case(Kind.ACCEPTABLE, world=world)
    accepted = judge(amb, _obs("0003e58e26"))
    assert _verdicts(accepted) == (Verdict.PASS, Verdict.FAIL) and accepted.reading == "accepted"
    rejected = judge(amb, _obs())
    assert _verdicts(rejected) == (Verdict.PASS, Verdict.PASS) and rejected.reading == "rejected"
    assert judge(amb, _obs("000101")).failed  # accepted, but a value no reading allows
    assert judge(amb, _obs(end=None)).failed
    either = _case(Kind.ACCEPTABLE, strict_rejects=False, world=world)
    assert _verdicts(judge(either, _obs("0003e58e26"))) == (Verdict.PASS, Verdict.PASS)


def test_liveness_failure_fails_the_case(world: World) -> None:
    ok = judge(_case(Kind.INVALID, world=world), _obs())
    dead = judge(_case(Kind.VALID, world=world), _obs(end=End.RESET))
    folded = with_liveness(ok, dead)
    assert _verdicts(folded) == (Verdict.FAIL, Verdict.FAIL)
    assert folded.detail.startswith("server lost liveness")
    assert with_liveness(ok, judge(_case(Kind.VALID, world=world), _obs("0003e58e26"))) is ok


# ------------------------------------------------------------------------------ catalogue


def test_catalogue_is_large_unique_and_cited(cases: list[ServerCase | ScriptCase]) -> None:
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)) >= 400
    assert all(i.startswith("wrpc-server.") for i in ids)
    assert all(c.rule for c in cases)
    for c in cases:
        if isinstance(c, ServerCase) and c.expect.kind is not Kind.VALID:
            assert c.liveness_after, c.id
        if isinstance(c, ServerCase) and c.expect.kind is Kind.ACCEPTABLE:
            assert c.flags, f"{c.id}: an ambiguous case names its ambiguity"


def test_catalogue_covers_the_issue(cases: list[ServerCase | ScriptCase]) -> None:
    ids = {c.id for c in cases}
    for expected in (
        "wrpc-server.echo.value.u32.max",
        "wrpc-server.split.echo-u32.at-1",
        "wrpc-server.split.echo-string.bytewise",
        "wrpc-server.frames.echo-u32.empty-root-first",
        "wrpc-server.overlong.echo-string.width-5",
        "wrpc-server.header.version-1",
        "wrpc-server.header.instance-unknown",
        "wrpc-server.header.function-unknown",
        "wrpc-server.header.function-utf8.surrogate",
        "wrpc-server.invalid-value.value.bool.invalid-02",
        "wrpc-server.frame.truncated.at-42",
        "wrpc-server.frame.unknown-path.before-params",
        "wrpc-server.limits.path-length-2^32-1",
        "wrpc-server.limits.data-length-2^32-1",
        "wrpc-server.async.two-streams.interleaved",
        "wrpc-server.async.echo-stream-u8.missing-end",
        "wrpc-server.conn.stalled.mid-header",
        "wrpc-server.conn.no-half-close.echo-u32",
        "wrpc-server.conn.fd-leak",
    ):
        assert expected in ids, expected


def test_every_valid_vector_with_an_echo_function_is_a_case(
    world: World, cases: list[ServerCase | ScriptCase]
) -> None:
    """docs/conformance-world.md: 271 of the 283 valid vectors have an echo function; those
    whose value is a pending future or stream need path data and are left to the async
    family."""
    ids = {c.id for c in cases}
    vectors = load_vectors(REPO / "vectors").vectors
    echoable = [v for v in vectors if isinstance(v, ValueVector)
                and v.result == "valid" and world.echo_for(v.type) is not None]
    assert len(echoable) >= 250
    covered = [v for v in echoable if f"wrpc-server.echo.{v.id}" in ids]
    assert len(covered) >= len(echoable) - 10
