"""Loading the golden vector files (docs/vector-format.md) into checked, typed records.

Everything a judgement needs is parsed here, once: the WIT type, the expected values (WAVE), the
expected frames. A vector file that cannot be read that way is an infrastructure error
(:class:`VectorFileError`), never a testee failure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmnet_conformance.codec.frames_json import FramesView, frames_view
from wasmnet_conformance.errors import SuiteError
from wasmnet_reference.errors import WitError
from wasmnet_reference.limits import Limits
from wasmnet_reference.testee.protocol import parse_hex
from wasmnet_reference.values import Value
from wasmnet_reference.wave import WaveError, parse_wave
from wasmnet_reference.wit.json_form import from_json
from wasmnet_reference.wit.types import WitType

FORMAT = "wasmnet-vectors/1"
VALID, INVALID, ACCEPTABLE = "valid", "invalid", "acceptable"
RESULTS = (VALID, INVALID, ACCEPTABLE)
VALUE_FIELD, EXPECT_FIELD = "value", "expect"
"""The primary accepting reading of a value / frames vector (``alt_values`` give others)."""


class VectorFileError(SuiteError):
    """A vector file is unreadable or breaks docs/vector-format.md."""


@dataclass(frozen=True)
class Vector:
    """What every vector has (docs/vector-format.md)."""

    id: str
    file: str
    group: str
    result: str
    rule: str
    flags: tuple[str, ...]
    error_classes: tuple[str, ...]
    data: bytes
    limits: dict[str, int] | None


@dataclass(frozen=True)
class ValueVector(Vector):
    type_json: Any
    wit: str
    wit_definitions: tuple[str, ...]
    type: WitType
    canonical: bool
    accepted: tuple[tuple[str, str, Value], ...]
    """The readings that accept the bytes: (label, WAVE text, parsed value); ``value`` first,
    then ``alt_values[i]``. Empty when no reading accepts them."""


@dataclass(frozen=True)
class FramesVector(Vector):
    header: bool
    expect: FramesView | None


AnyVector = ValueVector | FramesVector


@dataclass(frozen=True)
class VectorSet:
    vectors: list[AnyVector]
    notes: dict[str, str]
    """Ambiguity flag -> the notes text explaining its readings (from the files' ``notes``)."""


def load_vectors(directory: Path) -> VectorSet:
    """Every ``*.json`` directly in ``directory`` (sorted by name); vector IDs must be unique."""
    if not directory.is_dir():
        raise VectorFileError(f"vector directory {directory} does not exist")
    # vectors/findings/ holds vectors written from fuzzer findings (fuzz/wasmnet_fuzz/to_vector.py):
    # they are replayed with the golden ones forever.
    paths = sorted(directory.glob("*.json")) + sorted((directory / "findings").glob("*.json"))
    if not paths:
        raise VectorFileError(f"no *.json vector files in {directory}")
    vectors: list[AnyVector] = []
    notes: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in paths:
        file_vectors, file_notes = _load_file(path)
        for v in file_vectors:
            if v.id in seen:
                raise VectorFileError(f"vector ID {v.id!r} appears in {seen[v.id]} and {v.file}")
            seen[v.id] = v.file
        vectors.extend(file_vectors)
        for flag, text in file_notes.items():
            notes.setdefault(flag, text)
    return VectorSet(vectors, notes)


def _load_file(path: Path) -> tuple[list[AnyVector], dict[str, str]]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise VectorFileError(f"{path}: cannot read: {e}") from None
    where = path.name
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise VectorFileError(f"{where}: not a {FORMAT} file")
    file_name = _get(doc, "file", str, where)
    notes = doc.get("notes", {})
    if not isinstance(notes, dict) or not all(isinstance(t, str) for t in notes.values()):
        raise VectorFileError(f"{where}: 'notes' must map flags to text")
    vectors: list[AnyVector] = []
    for group in _get(doc, "groups", list, where):
        group_id = _get(group, "id", str, f"{where}: group")
        for raw in _get(group, "vectors", list, f"{where}: group {group_id}"):
            vectors.append(vector_from_json(raw, file_name, group_id, f"{where}: group {group_id}"))
    return vectors, dict(notes)


def vector_from_json(raw: Any, file_name: str, group: str, where: str) -> AnyVector:
    vid = _get(raw, "id", str, where)
    where = f"{where}: vector {vid}"
    result = _get(raw, "result", str, where)
    if result not in RESULTS:
        raise VectorFileError(f"{where}: 'result' must be one of {RESULTS}, not {result!r}")
    try:
        data = parse_hex(_get(raw, "bytes", str, where))
    except ValueError as e:
        raise VectorFileError(f"{where}: 'bytes': {e}") from None
    limits = raw.get("limits")
    if limits is not None:
        try:
            if not isinstance(limits, dict):
                raise ValueError("must be an object")
            Limits.from_json(limits)
        except ValueError as e:
            raise VectorFileError(f"{where}: 'limits': {e}") from None
    common = {
        "id": vid,
        "file": file_name,
        "group": group,
        "result": result,
        "rule": _get(raw, "rule", str, where),
        "flags": tuple(_strings(raw.get("flags", []), "flags", where)),
        "error_classes": tuple(_strings(raw.get("error_classes", []), "error_classes", where)),
        "data": data,
        "limits": limits,
    }
    kind = raw.get("kind")
    if kind == "value":
        return _value_vector(raw, common, where)
    if kind == "frames":
        return _frames_vector(raw, common, where)
    raise VectorFileError(f"{where}: 'kind' must be 'value' or 'frames', not {kind!r}")


def _value_vector(raw: dict[str, Any], common: dict[str, Any], where: str) -> ValueVector:
    type_block = _get(raw, "type", dict, where)
    type_json = type_block.get("json")
    try:
        ty = from_json(type_json)
    except WitError as e:
        raise VectorFileError(f"{where}: 'type.json': {e}") from None
    texts: list[tuple[str, str]] = []
    if VALUE_FIELD in raw:
        texts.append((VALUE_FIELD, _get(raw, VALUE_FIELD, str, where)))
    alt = _strings(raw.get("alt_values", []), "alt_values", where)
    texts.extend((f"alt_values[{i}]", t) for i, t in enumerate(alt))
    if common["result"] == VALID and VALUE_FIELD not in raw:
        raise VectorFileError(f"{where}: a valid value vector needs 'value'")
    accepted = []
    for label, text in texts:
        try:
            accepted.append((label, text, parse_wave(text, ty)))
        except WaveError as e:
            raise VectorFileError(f"{where}: {label} {text!r} is not WAVE of its type: {e}") \
                from None
    return ValueVector(
        **common,
        type_json=type_json,
        wit=_get(type_block, "wit", str, where),
        wit_definitions=tuple(
            _strings(type_block.get("wit_definitions", []), "wit_definitions", where)
        ),
        type=ty,
        canonical=raw.get("canonical") is True,
        accepted=tuple(accepted) if common["result"] != INVALID else (),
    )


def _frames_vector(raw: dict[str, Any], common: dict[str, Any], where: str) -> FramesVector:
    expect = raw.get(EXPECT_FIELD)
    if common["result"] == VALID and expect is None:
        raise VectorFileError(f"{where}: a valid frames vector needs 'expect'")
    view = None
    if expect is not None and common["result"] != INVALID:
        try:
            view = frames_view(_get(expect, "header", (dict, type(None)), where),
                               _get(expect, "frames", list, where))
        except ValueError as e:
            raise VectorFileError(f"{where}: 'expect': {e}") from None
    return FramesVector(**common, header=_get(raw, "header", bool, where), expect=view)


def _get(obj: Any, key: str, kind: type[Any] | tuple[type[Any], ...], where: str) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise VectorFileError(f"{where}: missing {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise VectorFileError(f"{where}: {key!r} has the wrong type ({value!r})")
    return value


def _strings(value: Any, key: str, where: str) -> Iterable[str]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise VectorFileError(f"{where}: {key!r} must be a list of strings")
    return value
