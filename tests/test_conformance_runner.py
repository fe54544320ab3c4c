"""The conformance runner: pure judging, expectations, progress, and the real CLI against the
reference testee and deliberately broken testees (tests/broken_testees/).

The CLI tests use a small vector set written here by hand from wrpc.md §2/§4 (so the expected
failing IDs of each broken testee are known exactly), plus one run of the reference testee
over the repository's vectors.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wasmnet_conformance import cli
from wasmnet_conformance.codec.cases import Case, Op, cases_for, is_codec_case_id, selected
from wasmnet_conformance.codec.judge import Judgment, judge
from wasmnet_conformance.codec.runner import CaseResult, case_record, run_cases
from wasmnet_conformance.codec.session import HelloInfo, NoAnswer
from wasmnet_conformance.codec.vectors import ValueVector, VectorFileError, load_vectors
from wasmnet_conformance.expectations import (
    NO_EXPECTATIONS,
    Expectation,
    ExpectationFileError,
    Expectations,
    load_expectations,
)
from wasmnet_conformance.progress import Progress
from wasmnet_conformance.results import CaseRecord, Outcome, Profile, Verdict
from wasmnet_conformance.targets import repro_line
from wasmnet_reference.wit.types import Prim

REPO = Path(__file__).resolve().parents[1]
BROKEN = REPO / "tests" / "broken_testees"
HELLO_HANDLER = "wrpc-examples:hello/handler"

FLAGS3 = {"flags": {"name": "f", "flags": ["a", "b", "c"]}}
FLAGS9 = {"flags": {"name": "g", "flags": [f"l{i}" for i in range(9)]}}


def _value(
    vid: str,
    wit: str,
    ty: Any,
    hex_bytes: str,
    result: str,
    rule: str,
    *,
    value: str | None = None,
    canonical: bool = False,
    error_classes: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
    alt_values: tuple[str, ...] = (),
    wit_definitions: tuple[str, ...] = (),
) -> dict[str, Any]:
    v: dict[str, Any] = {
        "id": vid,
        "kind": "value",
        "type": {"wit": wit, "wit_definitions": list(wit_definitions), "json": ty},
        "bytes": hex_bytes,
        "result": result,
        "canonical": canonical,
        "rule": rule,
        "cite": "wrpc.md §4",
        "flags": list(flags),
    }
    if value is not None:
        v["value"] = value
    if error_classes:
        v["error_classes"] = list(error_classes)
    if alt_values:
        v["alt_values"] = list(alt_values)
    return v


def _frames(
    vid: str, header: bool, hex_bytes: str, result: str, *, expect: Any = None,
    error_classes: tuple[str, ...] = (),
) -> dict[str, Any]:
    v: dict[str, Any] = {
        "id": vid, "kind": "frames", "header": header, "bytes": hex_bytes, "result": result,
        "rule": "frame.grammar", "cite": "wrpc.md §2", "flags": [],
    }
    if expect is not None:
        v["expect"] = expect
    if error_classes:
        v["error_classes"] = list(error_classes)
    return v


F_DEFS = ("flags f { a, b, c }",)
G_DEFS = ("flags g { l0, l1, l2, l3, l4, l5, l6, l7, l8 }",)
HELLO_CALL = "00" + "1b" + HELLO_HANDLER.encode().hex() + "05" + b"hello".hex() + "0000"

MINI_GROUPS = {
    "string": [
        _value("t.string.ab", "string", "string", "026162", "valid", "value.string-utf8",
               value='"ab"', canonical=True),
        # c0 af: the overlong 2-byte form of "/" (0x2f)
        _value("t.string.overlong-slash", "string", "string", "02c0af", "invalid",
               "value.string-utf8", error_classes=("invalid-utf8",)),
        # ed a0 80 is the surrogate U+D800
        _value("t.string.surrogate", "string", "string", "03eda080", "invalid",
               "value.string-utf8", error_classes=("invalid-utf8",)),
    ],
    "char": [
        _value("t.char.e-acute", "char", "char", "c3a9", "valid", "value.char-utf8",
               value="'é'", canonical=True),
        # c1 81: the overlong 2-byte form of "A" (0x41)
        _value("t.char.overlong-a", "char", "char", "c181", "invalid", "value.char-utf8",
               error_classes=("invalid-utf8",)),
    ],
    "u32": [
        _value("t.u32.upstream-624485", "u32", "u32", "e58e26", "valid", "leb128.max-bytes",
               value="624485", canonical=True),
        _value("t.u32.non-minimal-1", "u32", "u32", "8100", "valid", "leb128.max-bytes",
               value="1"),
        # six bytes: the fifth (last permitted) still has its continuation bit set
        _value("t.u32.six-bytes", "u32", "u32", "808080808000", "invalid", "leb128.max-bytes",
               error_classes=("leb128-too-long",)),
    ],
    "flags": [
        _value("t.flags.a-and-c", "f", FLAGS3, "05", "valid", "value.flags-unknown-bit",
               value="{a, c}", canonical=True, wit_definitions=F_DEFS),
        _value("t.flags.l8", "g", FLAGS9, "0001", "valid", "value.flags-unknown-bit",
               value="{l8}", canonical=True, wit_definitions=G_DEFS),
        # bit 3 of a 3-label flags: ambiguous; the accepting reading ignores it
        _value("t.flags.bit-3-of-3", "f", FLAGS3, "08", "acceptable", "value.flags-unknown-bit",
               value="{}", error_classes=("invalid-flags",), flags=("flags-bits-beyond-n",),
               wit_definitions=F_DEFS),
    ],
    "floats": [
        _value("t.f32.canonical-nan", "f32", "f32", "0000c07f", "valid",
               "value.float-canonical-nan", value="nan", canonical=True),
        # 7f800001 little-endian: a signalling NaN
        _value("t.f32.signalling-nan", "f32", "f32", "0100807f", "invalid",
               "value.float-canonical-nan", error_classes=("non-canonical-nan",)),
        # fff8000000000000 little-endian: the canonical pattern with the sign bit set
        _value("t.f64.negative-nan", "f64", "f64", "000000000000f8ff", "invalid",
               "value.float-canonical-nan", error_classes=("non-canonical-nan",)),
        _value("t.f64.one", "f64", "f64", "000000000000f03f", "valid",
               "value.float-canonical-nan", value="1", canonical=True),
    ],
    "frames": [
        _frames("t.frame.path-0-1-2", False, "030001020474657374", "valid",
                expect={"header": None, "frames": [{"path": [0, 1, 2], "data": "74657374"}]}),
        # path_len 0, data_len 5, only 3 data bytes before end-of-stream
        _frames("t.frame.cut-data", False, "0005616263", "invalid",
                error_classes=("truncated",)),
        _frames("t.frame.hello-call", True, HELLO_CALL, "valid",
                expect={"header": {"version": 0, "instance": HELLO_HANDLER,
                                   "function": "hello"}, "frames": []}),
    ],
}

MINI_CASES = {
    "t.string.ab#decode", "t.string.ab#encode", "t.string.overlong-slash#decode",
    "t.string.surrogate#decode", "t.char.e-acute#decode", "t.char.e-acute#encode",
    "t.char.overlong-a#decode", "t.u32.upstream-624485#decode", "t.u32.upstream-624485#encode",
    "t.u32.non-minimal-1#decode", "t.u32.six-bytes#decode", "t.flags.a-and-c#decode",
    "t.flags.a-and-c#encode", "t.flags.l8#decode", "t.flags.l8#encode",
    "t.flags.bit-3-of-3#decode", "t.f32.canonical-nan#decode", "t.f32.canonical-nan#encode",
    "t.f32.signalling-nan#decode", "t.f64.negative-nan#decode", "t.f64.one#decode",
    "t.f64.one#encode", "t.frame.path-0-1-2#decode-frames", "t.frame.cut-data#decode-frames",
    "t.frame.hello-call#decode-frames",
}


def _write_vectors(directory: Path, groups: dict[str, list[dict[str, Any]]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": "wasmnet-vectors/1",
        "file": "mini",
        "description": "hand-written vectors for the runner tests",
        "sources": ["wrpc.md"],
        "notes": {"flags-bits-beyond-n": "a set bit beyond N: reject, or ignore it"},
        "groups": [{"id": g, "description": g, "vectors": vs} for g, vs in groups.items()],
    }
    (directory / "mini.json").write_text(json.dumps(doc), encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def mini_vectors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_vectors(tmp_path_factory.mktemp("vectors"), MINI_GROUPS)


@pytest.fixture(scope="module")
def mini_cases(mini_vectors: Path) -> dict[str, Case]:
    return {c.id: c for c in cases_for(load_vectors(mini_vectors).vectors)}


# --- vectors and cases ---------------------------------------------------------------------


def test_cases_are_decode_for_every_value_vector_and_encode_for_canonical_valid(
    mini_cases: dict[str, Case],
) -> None:
    assert set(mini_cases) == MINI_CASES


def test_requests_follow_the_protocol_table(mini_cases: dict[str, Case]) -> None:
    assert mini_cases["t.flags.a-and-c#decode"].request() == {
        "op": "decode-value", "type": FLAGS3, "wit": "f", "wit_definitions": list(F_DEFS),
        "bytes": "05",
    }
    assert mini_cases["t.flags.a-and-c#encode"].request() == {
        "op": "encode-value", "type": FLAGS3, "wit": "f", "wit_definitions": list(F_DEFS),
        "value": "{a, c}",
    }
    assert mini_cases["t.frame.cut-data#decode-frames"].request() == {
        "op": "decode-frames", "header": False, "bytes": "0005616263",
    }


def test_limits_are_sent_with_decode_requests(tmp_path: Path) -> None:
    v = _value("t.list.limit", "list<u8>", {"list": "u8"}, "0201", "invalid",
               "limit.list-length", error_classes=("limit-exceeded",))
    v["limits"] = {"max_list_length": 1}
    (case,) = cases_for(load_vectors(_write_vectors(tmp_path, {"g": [v]})).vectors)
    assert case.request()["limits"] == {"max_list_length": 1}


def test_k_filter_selects_by_substring_any_of() -> None:
    case = Case(Op.DECODE_VALUE, _vector_stub("a.b.c"))
    assert selected(case, [])
    assert selected(case, ["zz", "b.c#dec"])
    assert not selected(case, ["zz"])


def _vector_stub(vid: str) -> ValueVector:
    return ValueVector(vid, "f", "g", "valid", "r", (), (), b"\x01", None, "u8", "u8", (),
                       Prim.U8, True, (("value", "1", 1),))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda v: v.update(result="maybe"), "'result' must be one of"),
        (lambda v: v.update(bytes="abc"), "'bytes'"),
        (lambda v: v.update(value="not wave"), "is not WAVE of its type"),
        (lambda v: v.pop("value"), "needs 'value'"),
        (lambda v: v["type"].update(json="u128"), "'type.json'"),
        (lambda v: v.update(kind="other"), "'kind'"),
        (lambda v: v.update(limits={"max_gizmos": 1}), "unknown limit"),
    ],
)
def test_broken_vector_files_are_reported_not_judged(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], Any], message: str
) -> None:
    v = _value("t.x", "u8", "u8", "01", "valid", "value.bool", value="1", canonical=True)
    mutate(v)
    with pytest.raises(VectorFileError, match=message):
        load_vectors(_write_vectors(tmp_path, {"g": [v]}))


def test_duplicate_vector_ids_are_an_error(tmp_path: Path) -> None:
    v = _value("t.x", "u8", "u8", "01", "valid", "value.bool", value="1")
    with pytest.raises(VectorFileError, match=r"'t\.x' appears"):
        load_vectors(_write_vectors(tmp_path, {"g": [v], "h": [v]}))


# --- pure judging --------------------------------------------------------------------------


def _ok(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "status": "ok", **fields}


def _err(error_class: str, message: str = "m") -> dict[str, Any]:
    return {"id": 1, "status": "error", "class": error_class, "message": message}


def _verdicts(j: Judgment) -> tuple[str, str]:
    return j.strict.value, j.lenient.value


def test_valid_equal_value_passes(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.u32.upstream-624485#decode"], _ok(value="624485"))
    assert _verdicts(j) == ("pass", "pass")
    # equality is on values, not text: flags in another order, whitespace
    j = judge(mini_cases["t.flags.a-and-c#decode"], _ok(value="{ c,a }"))
    assert _verdicts(j) == ("pass", "pass")


def test_nan_equals_nan_and_signed_zero_differs(mini_cases: dict[str, Case]) -> None:
    assert _verdicts(judge(mini_cases["t.f32.canonical-nan#decode"], _ok(value="nan"))) == (
        "pass", "pass")
    assert _verdicts(judge(mini_cases["t.f64.one#decode"], _ok(value="1.0"))) == ("pass", "pass")
    assert _verdicts(judge(mini_cases["t.f64.one#decode"], _ok(value="-1"))) == ("fail", "fail")


def test_signed_zero_is_not_zero(tmp_path: Path) -> None:
    v = _value("t.f64.neg-zero", "f64", "f64", "0000000000000080", "valid",
               "value.float-canonical-nan", value="-0", canonical=True)
    (case, _) = cases_for(load_vectors(_write_vectors(tmp_path, {"g": [v]})).vectors)
    assert _verdicts(judge(case, _ok(value="0"))) == ("fail", "fail")
    assert _verdicts(judge(case, _ok(value="-0"))) == ("pass", "pass")


def test_valid_different_value_fails_naming_both(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.u32.upstream-624485#decode"], _ok(value="624484"))
    assert _verdicts(j) == ("fail", "fail")
    assert "624484" in j.detail and "624485" in j.detail


def test_valid_rejected_fails(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.u32.non-minimal-1#decode"], _err("leb128-too-long", "too long"))
    assert _verdicts(j) == ("fail", "fail")
    assert "rejected valid input: leb128-too-long: too long" in j.detail


def test_value_that_is_not_wave_of_the_type_fails_clearly(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.u32.upstream-624485#decode"], _ok(value="\"624485\""))
    assert _verdicts(j) == ("fail", "fail")
    assert "is not WAVE of type u32" in j.detail


def test_invalid_rejected_passes_with_a_note_for_another_class(
    mini_cases: dict[str, Case],
) -> None:
    case = mini_cases["t.u32.six-bytes#decode"]
    same = judge(case, _err("leb128-too-long"))
    assert _verdicts(same) == ("pass", "pass") and same.class_note is None
    other = judge(case, _err("truncated"))
    assert _verdicts(other) == ("pass", "pass")
    assert other.class_note is not None
    assert other.class_note.startswith("rejected for a different reason: truncated")
    unknown = judge(case, _err("unknown"))
    assert _verdicts(unknown) == ("pass", "pass") and "without a class" in str(unknown.class_note)


def test_invalid_accepted_fails(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.string.overlong-slash#decode"], _ok(value='"/"'))
    assert _verdicts(j) == ("fail", "fail")
    assert "accepted invalid input" in j.detail and "invalid-utf8" in j.detail


def test_acceptable_readings(mini_cases: dict[str, Case]) -> None:
    case = mini_cases["t.flags.bit-3-of-3#decode"]
    rejected = judge(case, _err("invalid-flags"))
    assert _verdicts(rejected) == ("pass", "pass")
    assert rejected.reading == "rejected (invalid-flags)"
    accepted = judge(case, _ok(value="{}"))
    assert _verdicts(accepted) == ("fail", "pass")
    assert accepted.reading == "accepted (value)"
    wrong = judge(case, _ok(value="{a}"))
    assert _verdicts(wrong) == ("fail", "fail")


def test_acceptable_alt_values(tmp_path: Path) -> None:
    v = _value("t.alt", "u8", "u8", "07", "acceptable", "value.bool", value="7",
               alt_values=("8",), flags=("x",))
    (case,) = cases_for(load_vectors(_write_vectors(tmp_path, {"g": [v]})).vectors)
    alt = judge(case, _ok(value="8"))
    assert _verdicts(alt) == ("fail", "pass") and alt.reading == "accepted (alt_values[0])"
    assert _verdicts(judge(case, _ok(value="9"))) == ("fail", "fail")


def test_valid_vector_alt_value_passes_only_lenient(tmp_path: Path) -> None:
    """A valid vector whose ambiguity has two accepting readings (like ready-stream)."""
    v = _value("t.stream.pending", "stream<u8>", {"stream": "u8"}, "00", "valid",
               "grammar.stream", value="pending", alt_values=("ready([])",),
               flags=("ready-stream",))
    (case,) = cases_for(load_vectors(_write_vectors(tmp_path, {"g": [v]})).vectors)
    primary = judge(case, _ok(value="pending"))
    assert _verdicts(primary) == ("pass", "pass") and primary.reading == "accepted (value)"
    alt = judge(case, _ok(value="ready([])"))
    assert _verdicts(alt) == ("fail", "pass") and alt.reading == "accepted (alt_values[0])"
    assert "strict profile requires pending" in alt.detail


def test_unsupported_is_skipped_never_passed(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.u32.upstream-624485#decode"],
              {"id": 1, "status": "unsupported", "message": "no"})
    assert _verdicts(j) == ("skip", "skip")


def test_bad_request_answer_fails_even_for_invalid_input(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.u32.six-bytes#decode"], _err("bad-request", "what is u32?"))
    assert _verdicts(j) == ("fail", "fail")
    assert "malformed" in j.detail and "what is u32?" in j.detail


@pytest.mark.parametrize(
    "response",
    [
        {"id": 1},
        {"id": 1, "status": "maybe"},
        {"id": 1, "status": "ok"},
        {"id": 1, "status": "ok", "value": 624485},
        {"id": 1, "status": "error"},
    ],
)
def test_malformed_responses_fail(mini_cases: dict[str, Case], response: dict[str, Any]) -> None:
    j = judge(mini_cases["t.u32.upstream-624485#decode"], response)
    assert _verdicts(j) == ("fail", "fail")
    assert "malformed response" in j.detail


def test_encode_same_bytes_pass(mini_cases: dict[str, Case]) -> None:
    assert _verdicts(judge(mini_cases["t.flags.l8#encode"], _ok(bytes="0001"))) == (
        "pass", "pass")


def test_encode_longer_leb128_passes_only_lenient(mini_cases: dict[str, Case]) -> None:
    # 624485 padded to the 5 bytes a u32 may take: e5 8e a6 80 00
    j = judge(mini_cases["t.u32.upstream-624485#encode"], _ok(bytes="e58ea68000"))
    assert _verdicts(j) == ("fail", "pass")
    assert "non-canonical" in j.detail


def test_encode_bytes_the_reference_rejects_fail(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.flags.a-and-c#encode"], _ok(bytes="0500"))
    assert _verdicts(j) == ("fail", "fail")
    assert "reference rejects" in j.detail and "trailing" in j.detail


def test_encode_bytes_of_another_value_fail(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.flags.a-and-c#encode"], _ok(bytes="03"))
    assert _verdicts(j) == ("fail", "fail")
    assert "decode to {a, b}" in j.detail


def test_encode_refusal_fails(mini_cases: dict[str, Case]) -> None:
    j = judge(mini_cases["t.char.e-acute#encode"], _err("invalid-value"))
    assert _verdicts(j) == ("fail", "fail")
    assert "refused to encode" in j.detail


def test_frames_compare_per_path_data_not_frame_boundaries(mini_cases: dict[str, Case]) -> None:
    case = mini_cases["t.frame.path-0-1-2#decode-frames"]
    split = [{"path": [0, 1, 2], "data": "7465"}, {"path": [0, 1, 2], "data": ""},
             {"path": [0, 1, 2], "data": "7374"}, {"path": [5], "data": ""}]
    assert _verdicts(judge(case, _ok(header=None, frames=split))) == ("pass", "pass")
    other_path = [{"path": [0, 1], "data": "74657374"}]
    assert _verdicts(judge(case, _ok(header=None, frames=other_path))) == ("fail", "fail")


def test_frames_header_must_match(mini_cases: dict[str, Case]) -> None:
    case = mini_cases["t.frame.hello-call#decode-frames"]
    good = {"version": 0, "instance": HELLO_HANDLER, "function": "hello"}
    root = [{"path": [], "data": ""}]
    assert _verdicts(judge(case, _ok(header=good, frames=root))) == ("pass", "pass")
    bad = {**good, "function": "hell"}
    assert _verdicts(judge(case, _ok(header=bad, frames=root))) == ("fail", "fail")
    assert _verdicts(judge(case, _ok(header=None, frames=root))) == ("fail", "fail")
    assert "malformed" in judge(case, _ok(header=good, frames=[{"path": [-1]}])).detail


# --- expectations --------------------------------------------------------------------------


def test_outcomes_under_expectations() -> None:
    e = Expectations(
        {"x": Expectation("x", "known", None, frozenset(Profile)),
         "s": Expectation("s", "strict only", None, frozenset({Profile.STRICT}))},
        "f.json",
    )
    assert e.outcome("x", Profile.LENIENT, Verdict.FAIL) is Outcome.XFAILED
    assert e.outcome("x", Profile.LENIENT, Verdict.PASS) is Outcome.XPASSED
    assert e.outcome("x", Profile.LENIENT, Verdict.SKIP) is Outcome.SKIPPED
    assert e.outcome("s", Profile.STRICT, Verdict.FAIL) is Outcome.XFAILED
    assert e.outcome("s", Profile.LENIENT, Verdict.PASS) is Outcome.PASSED
    assert e.outcome("y", Profile.STRICT, Verdict.FAIL) is Outcome.FAILED
    assert e.unknown_ids(["x"]) == ["s"]


def _expectations_file(tmp_path: Path, entries: list[Any], target: str = "t") -> Path:
    path = tmp_path / "exp.json"
    path.write_text(json.dumps({"format": "wasmnet-expectations/1", "target": target,
                                "expected_failures": entries}), encoding="utf-8")
    return path


def test_expectation_file_loading(tmp_path: Path) -> None:
    path = _expectations_file(tmp_path, [
        {"id": "a#decode", "reason": "r", "link": "https://example.org/1"},
        {"id": "b#encode", "reason": "r", "profiles": ["strict"]},
    ], target="other")
    e = load_expectations(path, "t")
    assert e.entries["a#decode"].profiles == frozenset(Profile)
    assert e.entries["b#encode"].profiles == frozenset({Profile.STRICT})
    assert e.warnings and "'other'" in e.warnings[0]


@pytest.mark.parametrize(
    "entries",
    [
        [{"id": "a"}],
        [{"id": "a", "reason": "r", "profiles": ["loose"]}],
        [{"id": "a", "reason": "r", "profiles": "strict"}],
        [{"id": "a", "reason": "r", "colour": "red"}],
        [{"id": "a", "reason": "r"}, {"id": "a", "reason": "again"}],
        ["a"],
    ],
)
def test_bad_expectation_files(tmp_path: Path, entries: list[Any]) -> None:
    with pytest.raises(ExpectationFileError):
        load_expectations(_expectations_file(tmp_path, entries), "t")


# --- run loop with a fake session, progress ------------------------------------------------


class FakeSession:
    def __init__(self, replies: dict[str, dict[str, Any] | NoAnswer], ops: tuple[str, ...]):
        self.replies = replies
        self.ops = ops
        self.asked: list[dict[str, Any]] = []

    def ensure_started(self) -> HelloInfo:
        return HelloInfo("fake", "0", self.ops, {})

    def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any] | NoAnswer:
        self.asked.append(request)
        return self.replies[request["bytes"]]


def test_run_cases_skips_unoffered_ops_and_deselected_and_fails_no_answer(
    mini_cases: dict[str, Case],
) -> None:
    cases = [mini_cases[i] for i in (
        "t.u32.upstream-624485#decode", "t.u32.upstream-624485#encode",
        "t.u32.six-bytes#decode", "t.string.ab#decode",
    )]
    session = FakeSession(
        {"e58e26": NoAnswer("testee exited with status 3"),
         "808080808000": _err("leb128-too-long")},
        ops=("hello", "decode-value"),
    )
    seen: list[CaseResult] = []
    _, results = run_cases(cases, session, filters=["u32"], expectations=NO_EXPECTATIONS,
                           case_timeout=1.0, on_result=seen.append)
    assert seen == results
    outcomes = [r.outcomes[Profile.LENIENT] for r in results]
    assert outcomes == [Outcome.FAILED, Outcome.SKIPPED, Outcome.PASSED, Outcome.SKIPPED]
    assert results[0].judgment.detail == "testee exited with status 3"
    assert "does not list op 'encode-value'" in results[1].judgment.detail
    assert results[3].judgment.detail == "not selected by -k"
    assert len(session.asked) == 2


def test_progress_plain_lines_every_tenth() -> None:
    out = io.StringIO()
    now = [0.0]
    progress = Progress(20, out, profile=Profile.LENIENT, tty=False, clock=lambda: now[0])
    record = _passed_record("t.string.ab#decode")
    for _ in range(5):
        progress.update(record)
    assert out.getvalue().splitlines() == ["[2/20  10%] passed 2", "[4/20  20%] passed 4"]
    now[0] = 2.5  # no new tenth, but 2 s since the last line
    progress.update(record)
    assert out.getvalue().splitlines()[-1] == "[6/20  30%] passed 6"


def _passed_record(case_id: str) -> CaseRecord:
    return CaseRecord(case_id, "mini.g", {p: Outcome.PASSED for p in Profile}, "ok")


def test_progress_label_and_counts_per_outcome() -> None:
    out = io.StringIO()
    progress = Progress(4, out, profile=Profile.STRICT, tty=False, label="codec reference")
    progress.update(_passed_record("a"))
    progress.update(CaseRecord("b", "g", {Profile.STRICT: Outcome.FAILED,
                                          Profile.LENIENT: Outcome.PASSED}, "no"))
    assert out.getvalue().splitlines() == [
        "[codec reference 1/4  25%] passed 1", "[codec reference 2/4  50%] passed 1 failed 1"]


def test_progress_tty_rewrites_one_line() -> None:
    out = io.StringIO()
    progress = Progress(2, out, profile=Profile.LENIENT, tty=True)
    record = _passed_record("t.string.ab#decode")
    progress.update(record)
    progress.update(record)
    progress.finish()
    text = out.getvalue()
    assert text.count("\r") == 3 and text.count("\n") == 1 and "t.string.ab#decode" in text


# --- the real CLI ----------------------------------------------------------------------------


def _cli(
    tmp_path: Path, vectors: Path, *args: str, testee: list[str] | None = None,
    timeout: float = 240,
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any] | None]:
    reports = tmp_path / "reports"
    command = [sys.executable, "-m", "wasmnet_conformance", "--parts", "codec",
               "--vectors", str(vectors), "--reports", str(reports), *args]
    if testee is not None:
        command += ["--testee", shlex.join(testee)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    summaries = list(reports.glob("*/summary.json"))
    summary = json.loads(summaries[0].read_text(encoding="utf-8")) if summaries else None
    return done, summary


def _broken(name: str, *args: str) -> list[str]:
    return [sys.executable, str(BROKEN / name), *args]


def _ids(summary: dict[str, Any], outcome: str) -> set[str]:
    return {c["id"] for c in summary["cases"] if c["outcome"] == outcome}


def test_reference_passes_the_mini_vectors(tmp_path: Path, mini_vectors: Path) -> None:
    done, summary = _cli(tmp_path, mini_vectors, "--profile", "strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary is not None
    assert summary["target"] == "reference" and summary["profile"] == "strict"
    assert summary["counts"]["passed"] == len(MINI_CASES)
    assert summary["profiles"]["lenient"]["passed"] == len(MINI_CASES)
    assert summary["meta"]["testee"]["hello"]["name"] == "wasmnet-reference"
    flags = summary["ambiguities"]["flags-bits-beyond-n"]
    assert flags["cases"] == {"t.flags.bit-3-of-3#decode": "rejected (invalid-flags)"}
    assert flags["note"].startswith("a set bit beyond N")
    junit = ET.parse(tmp_path / "reports" / "reference" / "junit.xml").getroot()
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("tests") == str(len(MINI_CASES))
    assert suite.get("failures") == "0"
    names = {tc.get("name"): tc.get("classname") for tc in suite.iter("testcase")}
    assert names["t.frame.cut-data#decode-frames"] == "mini.frames"
    assert "result: PASS" in done.stdout


@pytest.mark.parametrize(
    ("testee", "failing"),
    [
        (("overlong_utf8.py",), {"t.string.overlong-slash#decode", "t.char.overlong-a#decode"}),
        (("wide_flags.py",), {"t.flags.a-and-c#encode", "t.flags.l8#encode"}),
        (("noncanonical_nan.py",), {"t.f32.signalling-nan#decode", "t.f64.negative-nan#decode"}),
    ],
)
def test_single_bug_testees_fail_exactly_their_vectors(
    tmp_path: Path, mini_vectors: Path, testee: tuple[str, ...], failing: set[str]
) -> None:
    done, summary = _cli(tmp_path, mini_vectors, testee=_broken(*testee))
    assert done.returncode == 1, done.stdout + done.stderr
    assert summary is not None
    assert _ids(summary, "failed") == failing
    assert _ids(summary, "passed") == MINI_CASES - failing
    for case_id in failing:
        assert case_id in done.stdout


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("crash", "testee exited with status 3 before answering"),
        ("hang", "no answer within 1 s (testee killed)"),
        ("garbage", "testee wrote bytes that are not a protocol message"),
    ],
)
def test_misbehaving_testee_fails_one_case_and_the_run_goes_on(
    tmp_path: Path, mini_vectors: Path, mode: str, reason: str
) -> None:
    done, summary = _cli(tmp_path, mini_vectors, "--case-timeout", "1",
                         testee=_broken("misbehave_on_input.py", mode, "e58e26"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert summary is not None
    (failed,) = [c for c in summary["cases"] if c["outcome"] == "failed"]
    assert failed["id"] == "t.u32.upstream-624485#decode"
    assert failed["detail"].startswith(reason)
    assert f"misbehaving ({mode}) on e58e26" in failed["detail"]  # the testee's last stderr
    assert _ids(summary, "passed") == MINI_CASES - {failed["id"]}
    assert summary["meta"]["testee"]["starts"] == 2
    # target derived from the command: base names of its words, slugged
    assert summary["target"].endswith(f"-misbehave-on-input-{mode}-e58e26")


def test_expected_failures_become_xfailed_and_stale_ones_xpassed(
    tmp_path: Path, mini_vectors: Path
) -> None:
    testee = _broken("overlong_utf8.py")
    known = _expectations_file(tmp_path, [
        {"id": "t.string.overlong-slash#decode", "reason": "overlong accepted"},
        {"id": "t.char.overlong-a#decode", "reason": "overlong accepted",
         "link": "https://example.org/issue/1"},
        {"id": "t.no-such-vector#decode", "reason": "typo"},
    ], target="overlong")
    done, summary = _cli(tmp_path, mini_vectors, "--target", "overlong",
                         "--expectations", str(known), testee=testee)
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary is not None
    assert _ids(summary, "xfailed") == {"t.string.overlong-slash#decode",
                                        "t.char.overlong-a#decode"}
    assert summary["counts"]["failed"] == 0
    assert any("t.no-such-vector#decode" in w for w in summary["warnings"])

    stale = _expectations_file(tmp_path, [
        {"id": "t.string.overlong-slash#decode", "reason": "overlong accepted"},
        {"id": "t.char.overlong-a#decode", "reason": "overlong accepted"},
        {"id": "t.u32.six-bytes#decode", "reason": "fixed since"},
    ], target="overlong")
    done, summary = _cli(tmp_path, mini_vectors, "--target", "overlong",
                         "--expectations", str(stale), testee=testee)
    assert done.returncode == 1
    assert summary is not None
    assert _ids(summary, "xpassed") == {"t.u32.six-bytes#decode"}
    assert "XPASSED t.u32.six-bytes#decode" in done.stdout


def test_strict_profile_gates_on_acceptable_inputs(tmp_path: Path, mini_vectors: Path) -> None:
    """A testee that ignores flag bits beyond N passes lenient, fails strict; the summary
    records both and the reading it took."""
    program = tmp_path / "ignore_bits.py"
    program.write_text(
        "import sys\n"
        "from wasmnet_reference.testee.__main__ import run\n"
        "from wasmnet_reference.testee.server import handle_request\n"
        "def handle(r):\n"
        "    if r.get('op') == 'decode-value' and r.get('bytes') == '08':\n"
        "        return {'id': r['id'], 'status': 'ok', 'value': '{}'}\n"
        "    return handle_request(r)\n"
        "sys.exit(run(handle))\n",
        encoding="utf-8",
    )
    testee = [sys.executable, str(program)]
    lenient, summary = _cli(tmp_path, mini_vectors, "-k", "t.flags", testee=testee)
    assert lenient.returncode == 0, lenient.stdout + lenient.stderr
    assert summary is not None
    case = next(c for c in summary["cases"] if c["id"] == "t.flags.bit-3-of-3#decode")
    assert case["profile_outcomes"] == {"strict": "failed", "lenient": "passed"}
    assert summary["ambiguities"]["flags-bits-beyond-n"]["readings"] == {"accepted (value)": 1}
    strict, _ = _cli(tmp_path, mini_vectors, "-k", "t.flags", "--profile", "strict",
                     testee=testee)
    assert strict.returncode == 1


def test_k_filter_list_and_skips(tmp_path: Path, mini_vectors: Path) -> None:
    listed, _ = _cli(tmp_path, mini_vectors, "--list", "-k", "t.u32", "-k", "#encode")
    assert listed.returncode == 0
    assert set(listed.stdout.split()) == {c for c in MINI_CASES if "t.u32" in c or "#encode" in c}
    done, summary = _cli(tmp_path, mini_vectors, "-k", "t.char", "--quiet")
    assert done.returncode == 0
    assert summary is not None
    assert _ids(summary, "passed") == {"t.char.e-acute#decode", "t.char.e-acute#encode",
                                       "t.char.overlong-a#decode"}
    assert summary["counts"]["skipped"] == len(MINI_CASES) - 3
    assert done.stderr == ""  # --quiet: no progress


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-k", "no-such-case"], "no case ID contains"),
        (["--testee", "/nonexistent/testee-binary"], "failed to start 3 times in a row"),
        (["--testee", f"{sys.executable} -c pass"], "failed to start 3 times in a row"),
        (["--target", "../escape"], "--target"),
        (["--expectations", "/nonexistent.json"], "no such file"),
    ],
)
def test_usage_and_infrastructure_errors_exit_2(
    tmp_path: Path, mini_vectors: Path, args: list[str], message: str
) -> None:
    done, _ = _cli(tmp_path, mini_vectors, *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_broken_vectors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "bad.json").write_text("{}", encoding="utf-8")
    done, _ = _cli(tmp_path, tmp_path / "v")
    assert done.returncode == 2 and "not a wasmnet-vectors/1 file" in done.stderr


def test_help_explains_options() -> None:
    done = subprocess.run([sys.executable, "-m", "wasmnet_conformance", "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0
    for option in ("--testee", "--target", "--vectors", "--reports", "--profile",
                   "--expectations", "--case-timeout", "-k", "--list", "--quiet", "--parts",
                   "xpassed", "parts:", "targets:", "profiles:", "outcomes:", "reports:",
                   "index.json", "registered parts:\n  codec"):
        assert option in done.stdout


def test_reference_passes_the_repository_vectors(tmp_path: Path) -> None:
    vectors = REPO / "vectors"
    if not list(vectors.glob("*.json")):
        pytest.skip("no vector files generated yet")
    done, summary = _cli(tmp_path, vectors, "--profile", "strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert summary is not None and summary["counts"]["failed"] == 0
    assert summary["counts"]["passed"] > 0
    assert any(c["op"] == "decode-frames" for c in summary["cases"])


def _repo_cases() -> dict[str, Case]:
    vectors = REPO / "vectors"
    if not list(vectors.glob("*.json")):
        pytest.skip("no vector files generated yet")
    return {c.id: c for c in cases_for(load_vectors(vectors).vectors)}


def _top_level_flags_encode(case: Case) -> bool:
    v = case.vector
    return case.op is Op.ENCODE_VALUE and isinstance(v, ValueVector) and isinstance(
        v.type_json, dict) and "flags" in v.type_json


def _float_nan_rejection(case: Case) -> bool:
    v = case.vector
    return (case.op is Op.DECODE_VALUE and isinstance(v, ValueVector)
            and v.type in (Prim.F32, Prim.F64) and v.result == "invalid"
            and v.error_classes == ("non-canonical-nan",))


def _text_utf8_rejection(case: Case) -> bool:
    v = case.vector
    return (case.op is Op.DECODE_VALUE and isinstance(v, ValueVector)
            and v.type in (Prim.STRING, Prim.CHAR) and v.result == "invalid"
            and v.error_classes == ("invalid-utf8",))


@pytest.mark.parametrize(
    ("testee", "filters", "may_fail", "must_fail_all"),
    [
        # accepts only the overlong subset of the UTF-8 rejections: some, not all, fail
        ("overlong_utf8.py", ["value.string", "value.char"], _text_utf8_rejection, False),
        # every top-level flags encode is one byte too wide
        ("wide_flags.py", ["value.flags"], _top_level_flags_encode, True),
        # every NaN the reference rejects as non-canonical is accepted
        ("noncanonical_nan.py", ["value.f32", "value.f64"], _float_nan_rejection, True),
    ],
)
def test_single_bug_testees_on_the_repository_vectors(
    tmp_path: Path, testee: str, filters: list[str], may_fail: Callable[[Case], bool],
    must_fail_all: bool,
) -> None:
    cases = _repo_cases()
    args = [a for f in filters for a in ("-k", f)]
    done, summary = _cli(tmp_path, REPO / "vectors", *args, testee=_broken(testee))
    assert summary is not None, done.stderr
    failed = _ids(summary, "failed")
    assert failed, done.stdout
    assert all(may_fail(cases[i]) for i in failed), failed
    if must_fail_all:
        selected_ids = {i for i in cases if selected(cases[i], filters)}
        assert failed == {i for i in selected_ids if may_fail(cases[i])}


# --- repro lines -----------------------------------------------------------------------------


def test_repro_line_is_quoted_for_a_posix_shell() -> None:
    line = repro_line(["--testee", "/opt/my impl/testee --fast"], "value.u8.x#decode")
    assert line == ("python -m wasmnet_conformance --testee '/opt/my impl/testee --fast' "
                    "-k 'value.u8.x#decode'")
    assert shlex.split(line)[-4:] == ["--testee", "/opt/my impl/testee --fast", "-k",
                                      "value.u8.x#decode"]


def test_codec_case_record_carries_vector_details_and_repro(mini_cases: dict[str, Case]) -> None:
    case = mini_cases["t.u32.six-bytes#decode"]
    j = judge(case, _err("truncated"))
    result = CaseResult(case, j, {p: Outcome.PASSED for p in Profile}, 0.5)
    rec = case_record(result, NO_EXPECTATIONS, "python -m wasmnet_conformance -k x")
    assert (rec.id, rec.classname, rec.rule, rec.repro) == (
        "t.u32.six-bytes#decode", "mini.u32", "leb128.max-bytes",
        "python -m wasmnet_conformance -k x")
    assert rec.extra == {"vector_id": "t.u32.six-bytes", "op": "decode-value", "file": "mini",
                         "group": "u32", "result": "invalid", "class_note": j.class_note,
                         "expected_failure": None}
    assert rec.detail.splitlines() == ["rejected: truncated: m", f"note: {j.class_note}"]


def test_repro_reruns_exactly_one_failing_case(tmp_path: Path, mini_vectors: Path) -> None:
    done, summary = _cli(tmp_path, mini_vectors, testee=_broken("overlong_utf8.py"))
    assert summary is not None and done.returncode == 1
    (case,) = [c for c in summary["cases"] if c["id"] == "t.char.overlong-a#decode"]
    assert case["repro"] in done.stdout  # shown under the unexpected result
    words = shlex.split(case["repro"])
    assert words[:3] == ["python", "-m", "wasmnet_conformance"]
    assert words[-2:] == ["-k", "t.char.overlong-a#decode"]
    reports = tmp_path / "again"
    rerun = subprocess.run([sys.executable, *words[1:], "--reports", str(reports)],
                           capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 1, rerun.stdout + rerun.stderr
    (again_path,) = reports.glob("*/summary.json")
    again = json.loads(again_path.read_text(encoding="utf-8"))
    assert again["target"] == summary["target"]
    assert _ids(again, "failed") == {"t.char.overlong-a#decode"}
    assert again["counts"]["skipped"] == len(MINI_CASES) - 1
    skipped = len(MINI_CASES) - 1
    assert rerun.stdout.splitlines()[-1] == f"conformance: 0 passed, 1 failed, {skipped} skipped"


# --- the part registry, closing line and index (fake parts, in process) ---------------------

FAKE_PART = '''
from __future__ import annotations

import argparse

from wasmnet_conformance.cli import Common
from wasmnet_conformance.expectations import expectations_for
from wasmnet_conformance.results import CaseRecord, PartRun, Profile, Verdict

NAME = __name__.rsplit(".", 1)[-1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(f"{NAME} part")
    group.add_argument(f"--{NAME}-target", metavar="NAME")
    group.add_argument(f"--{NAME}-fail", action="store_true")


def selected(args: argparse.Namespace) -> bool | None:
    return True if getattr(args, f"{NAME}_target") is not None else None


def run(args: argparse.Namespace, common: Common) -> list[PartRun]:
    target = getattr(args, f"{NAME}_target") or "reference"
    fail = getattr(args, f"{NAME}_fail")
    plan = [("ok", Verdict.PASS), ("bad", Verdict.FAIL if fail else Verdict.PASS),
            ("unsupported", Verdict.SKIP)]
    ids = [f"{NAME}.{c}" for c, _ in plan]
    chosen = [i for i in ids if not common.filters or any(f in i for f in common.filters)]
    if common.list_only:
        print("\\n".join(chosen))
        return []
    expectations = expectations_for(target, common.expectations)
    records = [
        CaseRecord(i, f"{NAME}.group", expectations.outcomes(
            i, {p: v if i in chosen else Verdict.SKIP for p in Profile}), f"detail of {i}",
            flags=("amb",), reading="read-1", repro=f"rerun {i}", extra={"part_field": NAME})
        for i, (_, v) in zip(ids, plan)
    ]
    return [PartRun(NAME, target, "2024-01-01T00:00:00+00:00", 0.25, common.profile, records,
                    notes={"amb": "an ambiguity"}, meta={"server": {"address": "127.0.0.1"}})]
'''

CLOSING = re.compile(r"(\w+: )?\d+ passed, \d+ failed(, \d+ skipped)?")
"""What CI reads: the counts line, alone on a line."""


@pytest.fixture
def fake_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    package = tmp_path / "fake_suite_parts"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in ("alpha", "beta"):
        (package / f"{name}.py").write_text(FAKE_PART, encoding="utf-8")
    (package / "gamma.py").write_text("import wasmnet_no_such_dependency\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [m for m in sys.modules if m.startswith("fake_suite_parts")]:
        monkeypatch.delitem(sys.modules, name)
    return [f"fake_suite_parts.{n}" for n in ("alpha", "beta", "gamma")]


def _main(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    code = cli.main(["--reports", str(tmp_path / "reports"), *args], part_modules=fake_parts)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_part_names_come_from_the_module_path() -> None:
    assert cli.part_name("wasmnet_conformance.codec.cli") == "codec"
    assert cli.part_name("wasmnet_conformance.sockets.cli") == "sockets"
    assert cli.part_name("fake_suite_parts.alpha") == "alpha"
    assert cli.PARTS[0] == "wasmnet_conformance.codec.cli"


def test_default_runs_every_available_part_and_names_the_missing_one(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(fake_parts, tmp_path, capsys, "--alpha-fail")
    assert code == 1
    assert "skipping part 'gamma'" in err and "wasmnet_no_such_dependency" in err
    assert "part alpha, target 'reference'" in out and "part beta, target 'reference'" in out
    lines = out.splitlines()
    assert lines[-1] == "conformance: 3 passed, 1 failed, 2 skipped"
    assert [line for line in lines if CLOSING.fullmatch(line)] == [lines[-1]]
    assert "  alpha reference: 1 passed, 1 failed, 0 xfailed, 0 xpassed, 1 skipped [FAIL]" in lines
    assert "  beta reference: 2 passed, 0 failed, 0 xfailed, 0 xpassed, 1 skipped [PASS]" in lines


def test_closing_line_counts_xpassed_as_failed_and_leaves_out_xfailed(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    known = _expectations_file(tmp_path, [{"id": "alpha.bad", "reason": "known"},
                                          {"id": "beta.ok", "reason": "stale"}], "reference")
    code, out, _ = _main(fake_parts, tmp_path, capsys, "--alpha-fail", "--parts", "alpha,beta",
                         "--expectations", str(known))
    assert code == 1  # beta.ok is xpassed
    lines = out.splitlines()
    assert "  alpha reference: 1 passed, 0 failed, 1 xfailed, 0 xpassed, 1 skipped [PASS]" in lines
    assert "  beta reference: 1 passed, 0 failed, 0 xfailed, 1 xpassed, 1 skipped [FAIL]" in lines
    assert lines[-1] == "conformance: 2 passed, 1 failed, 2 skipped"


def test_a_named_target_runs_only_its_part(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(fake_parts, tmp_path, capsys, "--beta-target", "impl-b")
    assert code == 0 and err == ""
    assert "part beta, target 'impl-b'" in out and "part alpha" not in out
    assert out.splitlines()[-1] == "conformance: 2 passed, 0 failed, 1 skipped"


def test_parts_option_restricts_and_rejects_unknown_or_unavailable(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _main(fake_parts, tmp_path, capsys, "--parts", "beta")
    assert code == 0 and "part alpha" not in out and "part beta" in out
    code, _, err = _main(fake_parts, tmp_path, capsys, "--parts", "delta")
    assert code == 2 and "known parts are alpha, beta, gamma" in err
    code, _, err = _main(fake_parts, tmp_path, capsys, "--parts", "gamma")
    assert code == 2 and "part 'gamma' is unavailable" in err
    code, _, err = _main(fake_parts, tmp_path, capsys, "--parts", "alpha", "--beta-target", "x")
    assert code == 2 and "leaves out the part(s) whose target was given: beta" in err


def test_options_of_an_unavailable_part_are_a_clear_usage_error(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _main(fake_parts, tmp_path, capsys, "--gamma-target", "x")
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --gamma-target x" in err and "gamma: cannot import" in err


def test_k_filter_across_parts_and_list(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _main(fake_parts, tmp_path, capsys, "--list", "-k", ".ok")
    assert code == 0 and out.split() == ["alpha.ok", "beta.ok"]
    code, out, _ = _main(fake_parts, tmp_path, capsys, "-k", "beta.ok", "--alpha-fail")
    assert code == 0  # alpha.bad is deselected
    assert out.splitlines()[-1] == "conformance: 1 passed, 0 failed, 5 skipped"
    code, _, err = _main(fake_parts, tmp_path, capsys, "-k", "nothing-matches")
    assert code == 2 and "no case ID contains any of ['nothing-matches']" in err


def test_summary_and_junit_are_generic(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, _ = _main(fake_parts, tmp_path, capsys, "--alpha-target", "impl-a", "--alpha-fail")
    assert code == 1
    summary = json.loads((tmp_path / "reports" / "impl-a" / "summary.json").read_text("utf-8"))
    assert (summary["part"], summary["target"], summary["passed"]) == ("alpha", "impl-a", False)
    assert summary["meta"] == {"server": {"address": "127.0.0.1"}}
    assert summary["ambiguities"] == {"amb": {"note": "an ambiguity", "readings": {"read-1": 3},
                                              "cases": {"alpha.ok": "read-1", "alpha.bad": "read-1",
                                                        "alpha.unsupported": "read-1"}}}
    bad = next(c for c in summary["cases"] if c["id"] == "alpha.bad")
    assert bad["outcome"] == "failed" and bad["classname"] == "alpha.group"
    assert bad["repro"] == "rerun alpha.bad" and bad["part_field"] == "alpha"
    assert bad["expected_failure"] is None
    junit = ET.parse(tmp_path / "reports" / "impl-a" / "junit.xml").getroot()
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("name") == "wasmnet-conformance.alpha.impl-a"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["server.address"] == "127.0.0.1" and props["part"] == "alpha"
    (case,) = [tc for tc in suite.iter("testcase") if tc.get("name") == "alpha.bad"]
    failure = case.find("failure")
    assert failure is not None and failure.get("message") == "detail of alpha.bad"
    out = case.find("system-out")
    assert out is not None and out.text == "repro: rerun alpha.bad"


def test_index_lists_every_part_and_target_with_a_summary(
    fake_parts: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    _main(fake_parts, tmp_path, capsys, "--alpha-fail")  # alpha and beta, both 'reference'
    _main(fake_parts, tmp_path, capsys, "--beta-target", "impl-b")  # a second implementation
    (reports / "broken").mkdir()
    (reports / "broken" / "summary.json").write_text("{", encoding="utf-8")
    code, out, _ = _main(fake_parts, tmp_path, capsys, "--alpha-target", "impl-a")
    assert code == 0
    assert "broken/summary.json: not a readable summary" in out
    index = json.loads((reports / "index.json").read_text(encoding="utf-8"))
    rows = {(r["part"], r["target"]): r for r in index["rows"]}
    assert list(rows) == [("alpha", "impl-a"), ("alpha", "reference"), ("beta", "impl-b"),
                          ("beta", "reference")]
    # two parts testing one target name: the second one's reports get their own directory
    assert rows[("alpha", "reference")]["summary"] == "reference/summary.json"
    assert rows[("beta", "reference")]["summary"] == "reference.beta/summary.json"
    assert rows[("alpha", "reference")]["passed"] is False
    assert rows[("alpha", "reference")]["counts"] == {
        "passed": 1, "failed": 1, "xfailed": 0, "xpassed": 0, "skipped": 1}
    for row in rows.values():
        summary = json.loads((reports / row["summary"]).read_text(encoding="utf-8"))
        assert (summary["part"], summary["target"]) == (row["part"], row["target"])
        assert (reports / row["junit"]).is_file()
    md = (reports / "index.md").read_text(encoding="utf-8").splitlines()
    table = [line for line in md if line.startswith("| alpha") or line.startswith("| beta")]
    assert len(table) == 4
    assert table[1].startswith("| alpha | reference | FAIL | lenient | 1 | 1 | 0 | 0 | 1 |")
    assert "[reference.beta/summary.json](reference.beta/summary.json)" in table[3]


def test_only_codec_shaped_unknown_ids_are_warned_about() -> None:
    """One expectation file serves every part of a target: other parts' IDs are not typos."""
    assert is_codec_case_id("value.u8.x#decode") and is_codec_case_id("frame.y#decode-frames")
    assert is_codec_case_id("value.u8.x#encode")
    assert not is_codec_case_id("wrpc-server.call.hello") and not is_codec_case_id("x#decod")


def test_reference_repro_keeps_the_reference_target(tmp_path: Path, mini_vectors: Path) -> None:
    """Without --testee the target is 'reference'; the repro names the testee explicitly, so it
    must also name the target (the expectation file and report directory follow it)."""
    done, summary = _cli(tmp_path, mini_vectors, "-k", "t.string.ab#decode", "--quiet")
    assert done.returncode == 0 and summary is not None
    (case,) = [c for c in summary["cases"] if c["id"] == "t.string.ab#decode"]
    words = shlex.split(case["repro"])
    assert words[words.index("--testee") + 1] == shlex.join(
        [sys.executable, "-m", "wasmnet_reference.testee"])
    assert words[words.index("--target") + 1] == "reference"
    assert words[words.index("--vectors") + 1] == str(mini_vectors)
