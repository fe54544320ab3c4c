"""Fuzzer findings become golden vectors (fuzz/wasmnet_fuzz/vectorize.py, to_vector.py), and the
vector files under vectors/findings/ are as good as the hand-written ones.

- vectorize: the reference's answer classified as docs/vector-format.md wants it (results,
  rules, ambiguity flags, limits), checked on inputs whose expected vectors are written here
  from wrpc.md §2/§4;
- to_vector: one command from a crash file to a schema-valid file, deduplicated by signature;
- the conformance codec part replays the file: the broken testee with the planted bug fails
  it, the reference passes;
- every committed vectors/findings/*.json validates, has provenance, unique IDs (with the
  golden vectors), known rules, notes for its flags, and agrees with the reference decoder.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import wasmnet_fuzz.to_vector as tv
from wasmnet_fuzz.vectorize import frames_vector, value_vector
from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing import decode_stream
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import values_equal
from wasmnet_reference.wave import parse_wave
from wasmnet_reference.wit.json_form import from_json
from wasmnet_reference.wit.types import FlagsType, ListType, Prim, StreamType

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "vectors" / "schema" / "vectors.schema.json").read_text("utf-8"))
FINDINGS = REPO / "vectors" / "findings"
BROKEN = REPO / "tests" / "broken_testees"
GRAMMAR_IDS = {
    "grammar.byte", "grammar.float", "grammar.list", "grammar.tuple", "grammar.record",
    "grammar.variant", "grammar.enum", "grammar.option", "grammar.result", "grammar.flags",
    "grammar.handle", "grammar.future", "grammar.stream", "grammar.header", "grammar.frame",
}
RULE_IDS = {r.id for r in Rule} | GRAMMAR_IDS

HEADER = b"\x00\x1awasmnet:fuzz/planted@0.1.0\x05check"
TRIGGER = bytes.fromhex("01010704") + b"boom"  # [some({a: 7, b: "boom"})] (wrpc.md §4)


def _envelope(vectors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "wasmnet-vectors/1", "file": "t", "description": "t", "sources": ["t"],
            "notes": {}, "groups": [{"id": "g", "description": "g", "vectors": vectors}]}


def _schema_ok(vector: dict[str, Any]) -> None:
    doc = _envelope([vector])
    doc["notes"] = {f: "x" for f in vector["flags"]}
    jsonschema.validate(doc, SCHEMA)


# ------------------------------------------------------------------------------ vectorize


def test_value_vectors_record_the_reference_answer() -> None:
    u32 = value_vector("f.u32", Prim.U32, bytes.fromhex("ffffffff0f"))
    assert (u32["result"], u32["value"], u32["canonical"], u32["rule"]) == (
        "valid", "4294967295", True, "leb128.max-bytes")
    overlong = value_vector("f.overlong", Prim.U32, bytes.fromhex("8100"))  # 1, non-minimal
    assert (overlong["result"], overlong["value"], overlong["canonical"]) == ("valid", "1", False)
    bad_bool = value_vector("f.bool", Prim.BOOL, b"\x02")
    assert (bad_bool["result"], bad_bool["rule"], bad_bool["error_classes"]) == (
        "invalid", "value.bool", ["invalid-bool"])
    assert "value" not in bad_bool and "limits" not in bad_bool
    for v in (u32, overlong, bad_bool):
        _schema_ok(v)


def test_ambiguities_are_flagged_with_the_other_reading() -> None:
    flags = FlagsType("f", ("a", "b", "c"))
    beyond = value_vector("f.flags", flags, b"\x09")  # bits 0 (a) and 3 (beyond N = 3)
    assert beyond["result"] == "acceptable"
    assert beyond["flags"] == ["flags-bits-beyond-n"]
    assert beyond["error_classes"] == ["invalid-flags"]
    assert beyond["value"] == "{a}"  # the reading that ignores bit 3
    stream = value_vector("f.stream", StreamType(Prim.U8), b"\x00")
    assert (stream["result"], stream["value"], stream["alt_values"], stream["flags"]) == (
        "valid", "pending", ["ready([])"], ["ready-stream"])
    wide = value_vector("f.wide", FlagsType("w", tuple(f"l{i}" for i in range(33))),
                        bytes(5))
    assert wide["flags"] == ["flags-over-32"] and wide["value"] == "{}"
    for v in (beyond, stream, wide):
        _schema_ok(v)


def test_limit_rejections_carry_the_limits() -> None:
    over = value_vector("f.limit", ListType(Prim.U8), bytes.fromhex("8108"))  # count 1025
    assert (over["result"], over["rule"], over["error_classes"]) == (
        "invalid", "limit.list-length", ["limit-exceeded"])
    assert over["limits"] == {"max_list_length": 1024, "max_string_length": 65536}
    _schema_ok(over)
    with pytest.raises(WireError):  # the same bytes under those limits, as a peer applies them
        decode_value(bytes.fromhex("8108"), ListType(Prim.U8), Limits.from_json(over["limits"]))


def test_frames_vectors() -> None:
    ok = frames_vector("f.frames", bytes.fromhex("030001020474657374"), header=False)
    assert ok["result"] == "valid" and ok["canonical"] is True
    assert ok["expect"] == {"header": None, "frames": [{"path": [0, 1, 2], "data": "74657374"}]}
    empty_on_path = frames_vector("f.zero", bytes.fromhex("010000"), header=False)
    assert empty_on_path["flags"] == ["zero-length-frame"]
    cut = frames_vector("f.cut", HEADER + b"\x00\x09" + TRIGGER, header=True)
    assert (cut["result"], cut["rule"], cut["error_classes"]) == (
        "invalid", "frame.truncated", ["truncated"])
    for v in (ok, empty_on_path, cut):
        _schema_ok(v)


# ------------------------------------------------------------------------------ to_vector


def _crash(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "crash-test"
    path.write_bytes(data)
    return path


def test_to_vector_writes_one_file_per_signature(tmp_path: Path) -> None:
    out = tmp_path / "findings"
    # [none, some({a: 7, b: "boom"})] over two root frames, then an empty frame on path [0]
    noisy = HEADER + b"\x00\x03\x02\x00\x01" + b"\x00\x06\x07\x04boom" + b"\x01\x00\x00"
    crash = _crash(tmp_path, noisy)
    assert tv.main([str(crash), "--target", "planted", "--out-dir", str(out)]) == 0
    files = list(out.glob("*.json"))
    assert [f.name for f in files] == ["planted-plantedbug-fuzz-planted-planted-decode-value.json"]
    doc = json.loads(files[0].read_text("utf-8"))
    jsonschema.validate(doc, SCHEMA)
    vectors = {v["id"].rsplit(".", 1)[1]: v for v in doc["groups"][0]["vectors"]}
    assert vectors["root"]["bytes"] == TRIGGER.hex()  # minimized to the one trigger element
    assert vectors["root"]["value"] == '[some({a: 7, b: "boom"})]'
    assert vectors["root"]["type"]["wit"] == "list<option<entry>>"
    assert vectors["frames"]["bytes"] == (HEADER + b"\x00\x08" + TRIGGER).hex()
    assert any(s.startswith("provenance: target=planted") for s in doc["sources"])
    assert any(s.startswith("provenance: tools.python=") for s in doc["sources"])
    before = files[0].read_text("utf-8")
    assert tv.main([str(crash), "--target", "planted", "--out-dir", str(out)]) == 0
    assert files[0].read_text("utf-8") == before  # known signature: not written again


def test_to_vector_refuses_what_does_not_reproduce(tmp_path: Path) -> None:
    out = tmp_path / "findings"
    harmless = _crash(tmp_path, HEADER + b"\x00\x01\x00")
    assert tv.main([str(harmless), "--target", "planted", "--out-dir", str(out)]) == 1
    assert not out.exists()
    assert tv.main([str(harmless), "--target", "planted", "--out-dir", str(out), "--fixed"]) == 0
    assert len(list(out.glob("*.json"))) == 1


def _conformance(vectors: Path, reports: Path, testee: list[str] | None
                 ) -> tuple[int, dict[str, Any]]:
    command = [sys.executable, "-m", "wasmnet_conformance", "--parts", "codec", "--vectors",
               str(vectors), "--reports", str(reports)]
    if testee is not None:
        command += ["--testee", subprocess.list2cmdline(testee)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    summary = json.loads(next(reports.glob("*/summary.json")).read_text("utf-8"))
    return done.returncode, summary


@pytest.mark.parametrize("source", ["fresh", "committed"])
def test_conformance_fails_the_buggy_peer_and_passes_the_reference(
        tmp_path: Path, source: str) -> None:
    if source == "fresh":
        vectors = tmp_path / "findings"
        crash = _crash(tmp_path, HEADER + b"\x00\x08" + TRIGGER)
        assert tv.main([str(crash), "--target", "planted", "--out-dir", str(vectors)]) == 0
    else:
        vectors = FINDINGS
    broken = [sys.executable, str(BROKEN / "fuzz_planted.py")]
    code, summary = _conformance(vectors, tmp_path / "broken", broken)
    failed = {c["id"] for c in summary["cases"] if c["outcome"] == "failed"}
    assert code == 1
    assert "finding.planted-plantedbug-fuzz-planted-planted-decode-value.root#decode" in failed
    assert all(c.startswith("finding.planted-") for c in failed)
    code, summary = _conformance(vectors, tmp_path / "reference", None)
    assert code == 0 and summary["counts"]["failed"] == 0 and summary["counts"]["passed"] > 0


# ------------------------------------------------------------------ committed finding files


def _finding_files() -> list[Path]:
    return sorted(FINDINGS.glob("*.json"))


def _golden_ids() -> set[str]:
    ids = set()
    for path in sorted((REPO / "vectors").glob("*.json")):
        for group in json.loads(path.read_text("utf-8"))["groups"]:
            ids |= {v["id"] for v in group["vectors"]}
    return ids


def test_committed_findings_exist() -> None:
    assert _finding_files(), "vectors/findings/ holds the planted-bug finding at least"


@pytest.mark.parametrize("path", _finding_files(), ids=lambda p: p.stem)
def test_committed_finding_file(path: Path) -> None:
    doc = json.loads(path.read_text("utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["file"] == path.stem
    vectors = [v for g in doc["groups"] for v in g["vectors"]]
    flags = {f for v in vectors for f in v["flags"]}
    assert set(doc["notes"]) == flags
    assert not {v["id"] for v in vectors} & _golden_ids()
    for key in ("target", "signature", "date", "tools.python", "seed"):
        assert any(s.startswith(f"provenance: {key}=") for s in doc["sources"]), key
    for v in vectors:
        assert v["rule"] in RULE_IDS
        _agrees_with_reference(v)


def _agrees_with_reference(v: dict[str, Any]) -> None:
    data = bytes.fromhex(v["bytes"])
    limits = Limits.from_json(v.get("limits"))
    if v["kind"] == "value":
        ty = from_json(v["type"]["json"])
        try:
            got = decode_value(data, ty, limits)
        except WireError as e:
            assert v["result"] != "valid", v["id"]
            assert e.rule.id == v["rule"], v["id"]
            return
        assert v["result"] == "valid", v["id"]
        assert values_equal(got, parse_wave(v["value"], ty)), v["id"]
        return
    try:
        header, frames = decode_stream(data, expect_header=v["header"], limits=limits)
    except WireError as e:
        assert v["result"] != "valid" and e.rule.id == v["rule"], v["id"]
        return
    assert v["result"] == "valid", v["id"]
    assert [{"path": list(f.path), "data": f.data.hex()} for f in frames] == \
        v["expect"]["frames"], v["id"]
    assert (header is None) == (v["expect"]["header"] is None)
