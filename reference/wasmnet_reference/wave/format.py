"""Canonical single-line WAVE text for a value, checked against its type.

The output follows the wasm-wave writer: ``", "`` between items and ``": "`` after a field
label; records in declared field order, leaving out fields whose option value is ``none``
(``{:}`` when none are left); flags in declared order; ``some(v)`` and ``ok(v)`` always
explicit; a variant or enum case named like a keyword (WAVE's, plus this suite's ``pending``
and ``ready``) gets ``%``. Numbers are printed as in ``numbers.py``.

Chars and strings escape ``\\`` ``"`` ``'`` as ``\\\\`` ``\\"`` ``\\'``, tab, LF and CR as
``\\t`` ``\\n`` ``\\r``, and the other control characters (U+0000-001F, U+007F-009F) as
``\\u{hex}``; everything else is written as itself. (wasm-wave also escapes non-printable and
combining characters; that set depends on the Unicode version, so it is not copied here.)

A value that does not belong to the type raises WaveError (without an offset), so the output
always parses back to an equal value.
"""

from __future__ import annotations

import reprlib

from wasmnet_reference.values import (
    PENDING,
    EnumValue,
    Err,
    Handle,
    Ok,
    Ready,
    Some,
    Value,
    VariantValue,
)
from wasmnet_reference.wave.error import WaveError
from wasmnet_reference.wave.lexer import EXTENSION_KEYWORDS, LABEL, WAVE_KEYWORDS
from wasmnet_reference.wave.numbers import format_float, is_f32
from wasmnet_reference.wit.printer import type_expr
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
)

_ESCAPES: dict[int, str] = {
    **{code: f"\\u{{{code:x}}}" for code in (*range(0x20), *range(0x7F, 0xA0))},
    ord("\\"): "\\\\", ord('"'): '\\"', ord("'"): "\\'",
    ord("\t"): "\\t", ord("\n"): "\\n", ord("\r"): "\\r",
}
_CASE_KEYWORDS = WAVE_KEYWORDS | EXTENSION_KEYWORDS


def format_wave(value: Value, ty: WitType) -> str:
    """The canonical WAVE text of ``value`` as a ``ty``; parse_wave reads it back equal."""
    if isinstance(ty, Prim):
        return _prim(value, ty)
    if isinstance(ty, ListType):
        if not isinstance(value, list):
            raise _mismatch(value, ty)
        return _items("[", [format_wave(v, ty.element) for v in value], "]")
    if isinstance(ty, TupleType):
        if not ty.elements or not isinstance(value, tuple) or len(value) != len(ty.elements):
            raise _mismatch(value, ty)  # WAVE has no empty tuple (nor does WIT)
        elements = zip(value, ty.elements, strict=True)
        return _items("(", [format_wave(v, t) for v, t in elements], ")")
    if isinstance(ty, RecordType):
        return _record(value, ty)
    if isinstance(ty, VariantType):
        return _variant(value, ty)
    if isinstance(ty, EnumType):
        if not isinstance(value, EnumValue) or value.case not in ty.cases:
            raise _mismatch(value, ty)
        return _case_label(value.case)
    if isinstance(ty, OptionType):
        if value is None:
            return "none"
        if not isinstance(value, Some):
            raise _mismatch(value, ty)
        return f"some({format_wave(value.value, ty.inner)})"
    if isinstance(ty, ResultType):
        if isinstance(value, Ok):
            return _maybe_payload("ok", value.value, ty.ok, ty)
        if isinstance(value, Err):
            return _maybe_payload("err", value.value, ty.err, ty)
        raise _mismatch(value, ty)
    if isinstance(ty, FlagsType):
        if not isinstance(value, frozenset) or not value <= set(ty.labels):
            raise _mismatch(value, ty)
        return _items("{", [_label(f) for f in ty.labels if f in value], "}")
    if isinstance(ty, HandleType):
        if not isinstance(value, Handle) or not isinstance(value.data, bytes):
            raise _mismatch(value, ty)
        return _items("[", [str(b) for b in value.data], "]")
    if isinstance(ty, FutureType):
        if value is PENDING:
            return "pending"
        if not isinstance(value, Ready):
            raise _mismatch(value, ty)
        return _maybe_payload("ready", value.value, ty.inner, ty)
    return _stream(value, ty)


def _prim(value: Value, ty: Prim) -> str:
    if ty is Prim.BOOL:
        if isinstance(value, bool):
            return "true" if value else "false"
    elif ty.is_integer:
        low, high = ty.int_range
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return str(value)
    elif ty in (Prim.F32, Prim.F64):
        if isinstance(value, float) and (ty is Prim.F64 or is_f32(value)):
            return format_float(value, ty)
    elif ty is Prim.CHAR:
        if isinstance(value, str) and len(value) == 1 and _is_scalars(value):
            return f"'{value.translate(_ESCAPES)}'"
    elif isinstance(value, str) and _is_scalars(value):  # Prim.STRING
        return f'"{value.translate(_ESCAPES)}"'
    raise _mismatch(value, ty)


def _record(value: Value, ty: RecordType) -> str:
    if not isinstance(value, dict) or set(value) != {f.name for f in ty.fields}:
        raise _mismatch(value, ty)
    entries = [
        f"{_label(f.name)}: {format_wave(value[f.name], f.type)}"
        for f in ty.fields
        if not (isinstance(f.type, OptionType) and value[f.name] is None)
    ]
    return _items("{", entries, "}") if entries else "{:}"


def _variant(value: Value, ty: VariantType) -> str:
    if not isinstance(value, VariantValue):
        raise _mismatch(value, ty)
    case = next((c for c in ty.cases if c.name == value.case), None)
    if case is None:
        raise _mismatch(value, ty)
    return _maybe_payload(_case_label(case.name), value.payload, case.type, ty)


def _stream(value: Value, ty: StreamType) -> str:
    if value is PENDING:
        return "pending"
    if not isinstance(value, Ready) or not isinstance(value.value, list):
        raise _mismatch(value, ty)
    if ty.inner is None:
        if any(v is not None for v in value.value):
            raise _mismatch(value, ty)
        return f"ready({_items('[', ['_'] * len(value.value), ']')})"
    inner = ty.inner
    return f"ready({_items('[', [format_wave(v, inner) for v in value.value], ']')})"


def _maybe_payload(word: str, payload: Value, payload_type: WitType | None, ty: WitType) -> str:
    """``word`` alone for a missing payload type, else ``word(payload)``."""
    if payload_type is None:
        if payload is not None:
            raise _mismatch(payload, ty)
        return word
    return f"{word}({format_wave(payload, payload_type)})"


def _items(opening: str, items: list[str], closing: str) -> str:
    return f"{opening}{', '.join(items)}{closing}"


def _label(name: str) -> str:
    if not LABEL.fullmatch(name):
        raise WaveError(f"{name!r} is not a WAVE label (kebab-case words)")
    return name


def _case_label(name: str) -> str:
    """README "Keywords": a case named like a keyword is written with ``%``."""
    return f"%{name}" if name in _CASE_KEYWORDS else _label(name)


def _is_scalars(s: str) -> bool:
    """True if ``s`` holds only Unicode scalar values (no lone surrogates)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _mismatch(value: Value, ty: WitType) -> WaveError:
    return WaveError(f"{reprlib.repr(value)} is not a value of type {type_expr(ty)}")
