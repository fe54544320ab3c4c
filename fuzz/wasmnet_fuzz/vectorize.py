"""A fuzz input as golden vectors (docs/vector-format.md), with the reference's answer.

The reference is the executable spec: a vector records what it says about the input (accepted
with this value, or rejected by this rule), classified the way the vector format wants it:

- a rejection by ``value.flags-unknown-bit`` is the ``flags-bits-beyond-n`` ambiguity: the
  vector is ``acceptable`` and ``value`` is what the other reading (ignore the extra bits)
  gives;
- a pending stream (count 0) in an accepted value is the ``ready-stream`` ambiguity: the other
  reading's values go to ``alt_values``;
- flags with more than 32 labels carry ``flags-over-32``; a zero-length frame on a non-root path
  ``zero-length-frame``;
- a rejection by a ``limit.*`` rule carries the limits the fuzz targets decode under.

Both the differential targets (which judge a peer's answer against these vectors with the
conformance judge) and ``to_vector`` (which writes them to vectors/findings/) use this module,
so a recorded finding fails the conformance run exactly as it failed the fuzz target.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

from wasmnet_fuzz.common import FUZZ_LIMITS
from wasmnet_fuzz.tree import children as value_children
from wasmnet_fuzz.tree import rebuild
from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.codec.encode import encode_value
from wasmnet_reference.errors import CodecError, WireError
from wasmnet_reference.framing import decode_stream, encode_frame, encode_header
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.rules import Ambiguity, Rule
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wave import format_wave
from wasmnet_reference.wit.json_form import to_json
from wasmnet_reference.wit.printer import definitions, type_expr
from wasmnet_reference.wit.types import (
    EnumType,
    FlagsType,
    FutureType,
    HandleType,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
    children,
)

Vector = dict[str, Any]

MAX_READY_STREAM_ALTS = 3
"""Pending streams in one value for which every other reading is listed (2^n - 1 values)."""
FLAGS_TOOLING_LIMIT = 32
"""wasm-tools 1.262 rejects flags with more labels (``Ambiguity.FLAGS_OVER_32``)."""

_GRAMMAR: dict[type, str] = {
    ListType: "grammar.list",
    TupleType: "grammar.tuple",
    RecordType: "grammar.record",
    VariantType: "grammar.variant",
    EnumType: "grammar.enum",
    OptionType: "grammar.option",
    ResultType: "grammar.result",
    FlagsType: "grammar.flags",
    HandleType: "grammar.handle",
    FutureType: "grammar.future",
    StreamType: "grammar.stream",
}
_CITE = {
    "grammar.header": "wrpc.md §2: 00 name(instance) name(function) frame*",
    "grammar.frame": "wrpc.md §2: frame := uleb32(path_len) uleb32(path[i])* uleb32(data_len) data",
}


def governing_rule(ty: WitType) -> str:
    """The rule or grammar id a valid value of ``ty`` is filed under (docs/vector-format.md)."""
    if isinstance(ty, Prim):
        if ty is Prim.BOOL:
            return Rule.BOOL_BYTE.id
        if ty in (Prim.U8, Prim.S8):
            return "grammar.byte"
        if ty.is_integer:
            return Rule.LEB128_MAX_BYTES.id
        if ty in (Prim.F32, Prim.F64):
            return "grammar.float"
        return Rule.CHAR_UTF8.id if ty is Prim.CHAR else Rule.STRING_UTF8.id
    return _GRAMMAR[type(ty)]


def _limits_json(rule: Rule, limits: Limits) -> dict[str, int] | None:
    """The non-default limits, for a vector whose rule is a limit rule."""
    if not rule.id.startswith("limit."):
        return None
    changed = {
        f.name: getattr(limits, f.name)
        for f in fields(Limits)
        if getattr(limits, f.name) != getattr(DEFAULT_LIMITS, f.name)
    }
    return changed or None


def _walk_types(ty: WitType) -> Iterator[WitType]:
    yield ty
    for child in children(ty):
        yield from _walk_types(child)


def _type_flags(ty: WitType) -> list[str]:
    wide = any(isinstance(t, FlagsType) and len(t.labels) > FLAGS_TOOLING_LIMIT
               for t in _walk_types(ty))
    return [Ambiguity.FLAGS_OVER_32.value] if wide else []


def lenient_flags_value(data: bytes, ty: WitType, limits: Limits) -> Value | CodecError:
    """What the reading "ignore flags bits beyond N" makes of ``data``: the value, or the
    error that reading still hits. The reference reports such a bit at the flags' last byte,
    which holds every bit beyond N; clearing that byte's bits from the top stops the error
    exactly when the bits beyond N are clear."""
    raw = bytearray(data)
    for _ in range(8 * len(raw) + 1):
        try:
            return decode_value(bytes(raw), ty, limits)
        except CodecError as e:
            if e.rule is not Rule.FLAGS_UNKNOWN_BIT or e.offset is None:
                return e
            byte = raw[e.offset]
            raw[e.offset] = byte & ~(1 << (byte.bit_length() - 1))
    raise AssertionError("unreachable: every round clears one bit")


def _pending_streams(ty: WitType, value: Value) -> int:
    here = int(isinstance(ty, StreamType) and value is PENDING)
    return here + sum(_pending_streams(t, v) for t, v in value_children(ty, value))


def _ready_readings(ty: WitType, value: Value, choice: Iterator[bool]) -> Value:
    """``value`` with each pending stream replaced by ``ready([])`` where ``choice`` says so."""
    if isinstance(ty, StreamType) and value is PENDING:
        return Ready([]) if next(choice) else value
    parts = value_children(ty, value)
    if not parts:
        return value
    return rebuild(ty, value, [_ready_readings(t, v, choice) for t, v in parts])


def _alt_values(ty: WitType, value: Value) -> list[str]:
    n = _pending_streams(ty, value)
    if not 0 < n <= MAX_READY_STREAM_ALTS:
        return []
    out = []
    for combo in itertools.product((False, True), repeat=n):
        if any(combo):
            out.append(format_wave(_ready_readings(ty, value, iter(combo)), ty))
    return out


def value_vector(vid: str, ty: WitType, data: bytes, *, limits: Limits = FUZZ_LIMITS,
                 comment: str | None = None) -> Vector:
    """The value vector for ``data`` as ONE value of ``ty``, with the reference's answer.
    Raises whatever the reference raises that is not a ``WireError`` (a reference bug)."""
    vector: Vector = {
        "id": vid,
        "kind": "value",
        "type": {"wit": type_expr(ty), "wit_definitions": definitions(ty), "json": to_json(ty)},
        "bytes": data.hex(),
    }
    flags = _type_flags(ty)
    try:
        value = decode_value(data, ty, limits)
    except CodecError as e:
        rule = e.rule
        vector["rule"] = rule.id
        vector["cite"] = rule.citation
        classes = [rule.error_class.value]
        result = "invalid"
        if rule is Rule.FLAGS_UNKNOWN_BIT:
            other = lenient_flags_value(data, ty, limits)
            flags.append(Ambiguity.FLAGS_BITS_BEYOND_N.value)
            if isinstance(other, CodecError):
                if other.error_class.value not in classes:
                    classes.append(other.error_class.value)
            else:
                result = "acceptable"
                vector["value"] = format_wave(other, ty)
        vector["result"] = result
        vector["error_classes"] = classes
        extra = _limits_json(rule, limits)
        if extra:
            vector["limits"] = extra
    else:
        rule_id = governing_rule(ty)
        vector.update(result="valid", value=format_wave(value, ty),
                      canonical=encode_value(value, ty) == data, rule=rule_id,
                      cite=f"wrpc.md §4 value encoding ({rule_id})")
        alts = _alt_values(ty, value)
        if alts:
            vector["alt_values"] = alts
            flags.append(Ambiguity.READY_STREAM.value)
    vector["flags"] = sorted(set(flags))
    if comment:
        vector["comment"] = comment
    return vector


def frames_vector(vid: str, data: bytes, *, header: bool, limits: Limits = FUZZ_LIMITS,
                  comment: str | None = None) -> Vector:
    """The frames vector for ``data`` as a whole stream (a client stream if ``header``)."""
    vector: Vector = {"id": vid, "kind": "frames", "header": header, "bytes": data.hex()}
    flags: list[str] = []
    try:
        head, frames = decode_stream(data, expect_header=header, limits=limits)
    except WireError as e:
        vector.update(result="invalid", rule=e.rule.id, cite=e.rule.citation,
                      error_classes=[e.rule.error_class.value])
        extra = _limits_json(e.rule, limits)
        if extra:
            vector["limits"] = extra
    else:
        rule_id = "grammar.header" if header else "grammar.frame"
        canonical = b"".join(encode_frame(f.path, f.data) for f in frames)
        if head is not None:
            canonical = encode_header(head.instance, head.function) + canonical
        vector.update(
            result="valid",
            expect={
                "header": None if head is None else {
                    "version": head.version, "instance": head.instance,
                    "function": head.function,
                },
                "frames": [{"path": list(f.path), "data": f.data.hex()} for f in frames],
            },
            canonical=canonical == data,
            rule=rule_id,
            cite=_CITE[rule_id],
        )
        if any(f.path and not f.data for f in frames):
            flags.append(Ambiguity.ZERO_LENGTH_FRAME.value)
    vector["flags"] = flags
    if comment:
        vector["comment"] = comment
    return vector
