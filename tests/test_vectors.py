"""The golden vectors (vectors/*.json) are well formed, complete and true.

(a) every file validates against vectors/schema/vectors.schema.json; (b) IDs are unique;
(c) build_vectors.py --check finds the files up to date (and notices when they are not);
(d) every type with a wire form appears in valid and invalid vectors; (e) every rule id exists
(rules.py or the grammar ids of docs/vector-format.md); (f) every WIT type text parses with
wasm-tools into the type of ``type.json`` -- except flags-over-32 vectors, which wasm-tools must
reject; (g) tests/oracle.py, an independent encoder, reproduces the bytes of every canonical
valid vector; (h) the reference decoder agrees with every vector.
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.oracle import encode, encode_stream
from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.errors import WireError, WitError
from wasmnet_reference.framing.decoder import decode_stream, per_path_data
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Ambiguity, Rule
from wasmnet_reference.values import values_equal
from wasmnet_reference.wave.parse import parse_wave
from wasmnet_reference.wit.json_form import from_json
from wasmnet_reference.wit.loader import load_wit_text
from wasmnet_reference.wit.types import FlagsType, Prim, WitType, children

ROOT = Path(__file__).resolve().parents[1]


VECTORS = ROOT / "vectors"
SCHEMA = VECTORS / "schema" / "vectors.schema.json"
BUILDER = VECTORS / "build" / "build_vectors.py"
FORMAT_DOC = ROOT / "docs" / "vector-format.md"

Vector = dict[str, Any]

PRIMITIVES = ["bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64",
              "char", "string"]
CONSTRUCTORS = ["list", "tuple", "record", "variant", "enum", "option", "result<T, E>",
                "result<T>", "result<_, E>", "result", "flags", "own", "borrow", "future",
                "stream"]


@functools.cache
def vector_files() -> dict[str, Any]:
    """Every vectors/*.json by file name."""
    return {p.name: json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(VECTORS.glob("*.json"))}


def vectors_of(doc: Any) -> Iterator[Vector]:
    for group in doc["groups"]:
        yield from group["vectors"]


@functools.cache
def all_vectors() -> list[Vector]:
    return [v for doc in vector_files().values() for v in vectors_of(doc)]


def by_kind(kind: str, *results: str) -> list[Vector]:
    return [v for v in all_vectors() if v["kind"] == kind and v["result"] in results]


def ids(vectors: list[Vector]) -> list[str]:
    return [v["id"] for v in vectors]


@functools.cache
def grammar_ids() -> frozenset[str]:
    """The ids listed under "## Grammar rule ids" in docs/vector-format.md."""
    text = FORMAT_DOC.read_text(encoding="utf-8")
    section = text.split("## Grammar rule ids", 1)[1].split("\n## ", 1)[0]
    return frozenset(re.findall(r"^- `(grammar\.[a-z0-9-]+)`", section, flags=re.MULTILINE))


RULES_BY_ID = {r.id: r for r in Rule}


def type_of(v: Vector) -> WitType:
    return from_json(v["type"]["json"])


def limits_of(v: Vector) -> Limits:
    return Limits.from_json(v.get("limits"))


def top_kind(t: Any) -> str:
    """The constructor of a JSON type, results told apart by shape."""
    if isinstance(t, str):
        return t
    ((key, body),) = t.items()
    if key != "result":
        return str(key)
    ok, err = body["ok"] is not None, body["err"] is not None
    return {(True, True): "result<T, E>", (True, False): "result<T>",
            (False, True): "result<_, E>", (False, False): "result"}[(ok, err)]


def wide_flags(t: WitType) -> bool:
    """True if ``t`` is or contains flags with more than 32 labels."""
    if isinstance(t, FlagsType) and len(t.labels) > 32:
        return True
    return any(wide_flags(c) for c in children(t))


# (a) schema ------------------------------------------------------------------------------


@pytest.mark.parametrize("fname", sorted(vector_files()))
def test_file_matches_schema(fname: str) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(vector_files()[fname]),
                    key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors)


def test_schema_rejects_a_valid_vector_without_value() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    doc = json.loads(json.dumps(vector_files()["scalars.json"]))
    first = doc["groups"][0]["vectors"][0]
    assert first["result"] == "valid"
    del first["value"]
    assert not jsonschema.Draft202012Validator(schema).is_valid(doc)


def test_file_names_match_envelope() -> None:
    for fname, doc in vector_files().items():
        assert fname == f"{doc['file']}.json"


# (b) ids ---------------------------------------------------------------------------------


def test_ids_unique_across_files() -> None:
    seen: dict[str, int] = {}
    for vid in ids(all_vectors()):
        seen[vid] = seen.get(vid, 0) + 1
    assert [vid for vid, n in seen.items() if n > 1] == []


def test_enough_vectors() -> None:
    assert len(all_vectors()) >= 450


def test_upstream_examples_present() -> None:
    upstream = [vid for vid in ids(all_vectors()) if "upstream" in vid]
    for needle in ("u32.upstream-624485", "s32.upstream-minus-123456", "s64.upstream-minus-1",
                   "string.upstream-f-gothic-o", "f32.nan-canonical-upstream",
                   "tuple.upstream-u8-u32", "result.upstream-ok-true",
                   "frame.upstream-path-0-1-2", "frame.upstream-empty-root",
                   "header.upstream-hello-capture"):
        assert any(needle in vid for vid in upstream), needle


# (c) the committed files are what the recipes give ---------------------------------------


def test_build_check_up_to_date() -> None:
    proc = subprocess.run([sys.executable, str(BUILDER), "--check"], capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr


def test_build_check_notices_edits(tmp_path: Path) -> None:
    """--check must fail on an edited file and on a file no recipe produces."""
    copy = tmp_path / "vectors"
    shutil.copytree(VECTORS / "build", copy / "build",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for p in VECTORS.glob("*.json"):
        shutil.copy(p, copy / p.name)
    script = copy / "build" / "build_vectors.py"

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                              text=True, timeout=300, check=False)

    assert check().returncode == 0
    edited = copy / "scalars.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace('"ff"', '"fe"', 1),
                      encoding="utf-8")
    result = check()
    assert result.returncode == 1 and "scalars.json" in result.stderr
    shutil.copy(VECTORS / "scalars.json", edited)
    (copy / "stray.json").write_text("{}\n", encoding="utf-8")
    result = check()
    assert result.returncode == 1 and "stray.json" in result.stderr


# (d) coverage ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PRIMITIVES + CONSTRUCTORS)
def test_type_kind_in_valid_and_invalid(kind: str) -> None:
    values = by_kind("value", "valid", "invalid")
    results = {v["result"] for v in values if top_kind(v["type"]["json"]) == kind}
    assert results == {"valid", "invalid"}, kind


@pytest.mark.parametrize("header", [True, False])
def test_frames_valid_and_invalid(header: bool) -> None:
    results = {v["result"] for v in by_kind("frames", "valid", "invalid")
               if v["header"] is header}
    assert results == {"valid", "invalid"}


def test_every_flag_has_a_note_and_every_note_a_flag() -> None:
    for fname, doc in vector_files().items():
        used = {f for v in vectors_of(doc) for f in v["flags"]}
        assert used == set(doc["notes"]), fname
        assert used <= {a.value for a in Ambiguity}, fname


def test_flags_over_32_marks_exactly_the_wide_flags_types() -> None:
    for v in by_kind("value", "valid", "invalid", "acceptable"):
        marked = Ambiguity.FLAGS_OVER_32.value in v["flags"]
        assert marked == wide_flags(type_of(v)), v["id"]


def test_limit_vectors_carry_limits() -> None:
    for v in all_vectors():
        if v["rule"].startswith("limit."):
            assert "limits" in v, v["id"]


# (e) rule ids ----------------------------------------------------------------------------


def test_grammar_ids_documented() -> None:
    assert grammar_ids(), "no grammar ids found in docs/vector-format.md"
    assert not grammar_ids() & set(RULES_BY_ID)


def test_rule_ids_known() -> None:
    unknown = [(v["id"], v["rule"]) for v in all_vectors()
               if v["rule"] not in RULES_BY_ID and v["rule"] not in grammar_ids()]
    assert unknown == []


def test_rejection_rule_class_is_listed() -> None:
    """An invalid or acceptable vector's rule reports one of the vector's error classes."""
    for v in all_vectors():
        if v["result"] != "valid":
            rule = RULES_BY_ID[v["rule"]]  # a grammar id names no rejection
            assert rule.error_class.value in v["error_classes"], v["id"]


# (f) WIT text parses with wasm-tools into type.json -------------------------------------


def _interfaces(types: list[Any]) -> str:
    """One WIT package with one interface ``v<i>`` per type, each aliasing it as ``t``."""
    lines = ["package wasmnet:vectors;"]
    for i, ty in enumerate(types):
        lines.append(f"interface v{i} {{")
        lines.extend(f"  {d}" for d in ty["wit_definitions"])
        lines.append(f"  type t = {ty['wit']};")
        lines.append("}")
    return "\n".join(lines) + "\n"


def _distinct_types(fname: str, *, wide: bool) -> list[Any]:
    seen: dict[str, Any] = {}
    for v in vectors_of(vector_files()[fname]):
        if v["kind"] == "value" and wide_flags(type_of(v)) is wide:
            seen.setdefault(json.dumps(v["type"], sort_keys=True), v["type"])
    return list(seen.values())


VALUE_FILES = sorted(f for f, doc in vector_files().items()
                     if any(v["kind"] == "value" for v in vectors_of(doc)))


@pytest.mark.parametrize("fname", VALUE_FILES)
def test_wit_text_parses_to_type_json(fname: str) -> None:
    types = _distinct_types(fname, wide=False)
    package = load_wit_text(_interfaces(types))  # one wasm-tools call per file
    for i, ty in enumerate(types):
        assert package.interfaces[f"v{i}"].types["t"] == from_json(ty["json"]), ty["wit"]


def test_wasm_tools_rejects_flags_over_32() -> None:
    wide = [ty for fname in VALUE_FILES for ty in _distinct_types(fname, wide=True)]
    assert wide, "expected vectors flagged flags-over-32"
    for ty in wide:
        with pytest.raises(WitError, match="flags"):
            load_wit_text(_interfaces([ty]))


# (g) the independent oracle reproduces every canonical valid vector ---------------------

CANONICAL_VALUES = [v for v in by_kind("value", "valid") if v["canonical"]]
CANONICAL_FRAMES = [v for v in by_kind("frames", "valid") if v["canonical"]]


@pytest.mark.parametrize("v", CANONICAL_VALUES, ids=ids(CANONICAL_VALUES))
def test_oracle_encodes_value_vector(v: Vector) -> None:
    ty = type_of(v)
    assert encode(ty, parse_wave(v["value"], ty)).hex() == v["bytes"]


@pytest.mark.parametrize("v", CANONICAL_FRAMES, ids=ids(CANONICAL_FRAMES))
def test_oracle_encodes_frames_vector(v: Vector) -> None:
    expect = v["expect"]
    assert encode_stream(expect["header"], expect["frames"]).hex() == v["bytes"]


def test_non_canonical_vectors_are_not_what_an_encoder_writes() -> None:
    """``canonical: false`` is true to its word: the oracle writes other bytes."""
    mislabelled = []
    for v in by_kind("value", "valid"):
        if not v["canonical"]:
            ty = type_of(v)
            if encode(ty, parse_wave(v["value"], ty)).hex() == v["bytes"]:
                mislabelled.append(v["id"])
    for v in by_kind("frames", "valid"):
        if not v["canonical"]:
            expect = v["expect"]
            if encode_stream(expect["header"], expect["frames"]).hex() == v["bytes"]:
                mislabelled.append(v["id"])
    assert mislabelled == []


UTF8_RULES = {Rule.CHAR_UTF8.id, Rule.STRING_UTF8.id}


def test_utf8_vectors_agree_with_python_codec() -> None:
    """A third opinion on text vectors: Python's strict UTF-8 decoder accepts exactly the
    bodies of the valid ones (chars: all bytes; strings: after a 1-byte length)."""
    disagree = []
    for v in all_vectors():
        if v["rule"] not in UTF8_RULES:
            continue
        raw = bytes.fromhex(v["bytes"])
        if v["type"]["json"] == "char":
            body = raw
        elif raw and raw[0] < 0x80 and len(raw) == 1 + raw[0]:
            body = raw[1:]
        else:
            continue  # multi-byte length or cut body: not a plain UTF-8 question
        try:
            body.decode("utf-8", errors="strict")
            accepted = True
        except UnicodeDecodeError:
            accepted = False
        if accepted != (v["result"] == "valid"):
            disagree.append(v["id"])
    assert disagree == []


def test_oracle_agrees_with_spec_examples() -> None:
    """The oracle itself, on the wrpc.md §4 examples (guards against a vacuous pass)."""
    assert encode(Prim.U32, 624485) == bytes.fromhex("e58e26")
    assert encode(Prim.S32, -123456) == bytes.fromhex("c0bb78")
    assert encode(Prim.S64, -1) == bytes.fromhex("7f")
    assert encode(Prim.S16, -32768) == bytes.fromhex("80807e")
    assert encode(Prim.STRING, "ƒ𐍈Ő") == bytes.fromhex("08c692f0908d88c590")
    assert encode(Prim.F32, float("nan")) == bytes.fromhex("0000c07f")
    frames = [{"path": [0, 1, 2], "data": "74657374"}]
    assert encode_stream(None, frames) == bytes.fromhex("030001020474657374")


# (h) the reference decoder agrees with every vector ---------------------------------------

VALUE_VALID = by_kind("value", "valid")
VALUE_REJECT = by_kind("value", "invalid", "acceptable")
FRAMES_VALID = by_kind("frames", "valid")
FRAMES_INVALID = by_kind("frames", "invalid")


@pytest.mark.parametrize("v", VALUE_VALID, ids=ids(VALUE_VALID))
def test_reference_decodes_valid_value(v: Vector) -> None:
    ty = type_of(v)
    got = decode_value(bytes.fromhex(v["bytes"]), ty, limits_of(v))
    expected = [parse_wave(text, ty) for text in [v["value"], *v.get("alt_values", [])]]
    assert values_equal(got, expected[0]) or any(values_equal(got, e) for e in expected[1:])


@pytest.mark.parametrize("v", VALUE_REJECT, ids=ids(VALUE_REJECT))
def test_reference_rejects_value(v: Vector) -> None:
    """Invalid vectors, and acceptable ones: the reference takes the rejecting reading."""
    ty = type_of(v)
    for text in [v.get("value"), *v.get("alt_values", [])]:
        if text is not None:
            parse_wave(text, ty)  # an accepting reading's value must at least be well formed
    with pytest.raises(WireError) as info:
        decode_value(bytes.fromhex(v["bytes"]), ty, limits_of(v))
    assert info.value.error_class.value in v["error_classes"]


def _streams(frames: list[dict[str, Any]]) -> dict[tuple[int, ...], bytes]:
    out: dict[tuple[int, ...], bytes] = {}
    for f in frames:
        if f["data"]:
            path = tuple(f["path"])
            out[path] = out.get(path, b"") + bytes.fromhex(f["data"])
    return out


@pytest.mark.parametrize("v", FRAMES_VALID, ids=ids(FRAMES_VALID))
def test_reference_decodes_valid_frames(v: Vector) -> None:
    header, frames = decode_stream(bytes.fromhex(v["bytes"]), expect_header=v["header"],
                                   limits=limits_of(v))
    want = v["expect"]["header"]
    got = None if header is None else {"version": header.version, "instance": header.instance,
                                       "function": header.function}
    assert got == want
    assert per_path_data(frames) == _streams(v["expect"]["frames"])


@pytest.mark.parametrize("v", FRAMES_INVALID, ids=ids(FRAMES_INVALID))
def test_reference_rejects_frames(v: Vector) -> None:
    with pytest.raises(WireError) as info:
        decode_stream(bytes.fromhex(v["bytes"]), expect_header=v["header"], limits=limits_of(v))
    assert info.value.error_class.value in v["error_classes"]
