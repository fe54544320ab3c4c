"""Targets over the value codec (wrpc.md §4). Input: ``typecode ++ value bytes``
(``typecode.py``): the input chooses the type.

- ``value_decoder``: ``decode_value`` must accept or reject with a ``CodecError``; the
  incremental ``ValueDecoder`` fed in pieces must give the same value or the same rule at the
  same offset; an accepted value re-encodes canonically (never longer than the input, equal
  to it exactly when the input was canonical) and decodes back equal;
- ``roundtrip``: a value (decoded from the bytes, or generated from them when they do not
  decode) survives encode -> decode, and WAVE format -> parse, and WAVE printing is stable.
"""

from __future__ import annotations

import random

from wasmnet_fuzz.common import FUZZ_LIMITS, InvariantViolation, short
from wasmnet_fuzz.generate import gen_value
from wasmnet_fuzz.splits import pieces
from wasmnet_fuzz.tree import children, rebuild
from wasmnet_fuzz.typecode import split_input
from wasmnet_reference.codec.decode import ValueDecoder, decode_value
from wasmnet_reference.codec.encode import encode_value
from wasmnet_reference.errors import CodecError
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import PENDING, Ready, Value, values_equal
from wasmnet_reference.wave import format_wave, parse_wave
from wasmnet_reference.wit.types import StreamType, WitType, depth

Outcome = tuple[str, object]


def _whole(ty: WitType, raw: bytes) -> Outcome:
    try:
        return "ok", decode_value(raw, ty, FUZZ_LIMITS)
    except CodecError as e:
        return "error", (e.rule.id, e.offset)


def _incremental(ty: WitType, raw: bytes) -> Outcome:
    """decode_value's contract (exactly one value) on top of the incremental decoder."""
    try:
        decoder = ValueDecoder(ty, FUZZ_LIMITS)
        used = 0
        for piece in pieces(raw):
            used += decoder.feed(piece)
            if decoder.done:
                break
        decoder.end()
    except CodecError as e:
        return "error", (e.rule.id, e.offset)
    if used != len(raw):
        return "error", (Rule.TRAILING_BYTES.id, used)
    return "ok", decoder.value


def _same(a: Outcome, b: Outcome) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "ok":
        return values_equal(a[1], b[1])  # type: ignore[arg-type]
    return a[1] == b[1]


def value_decoder(data: bytes) -> None:
    ty, raw = split_input(data)
    whole = _whole(ty, raw)
    streamed = _incremental(ty, raw)
    if not _same(whole, streamed):
        raise InvariantViolation(
            "incremental-disagrees",
            f"type {ty!r} bytes {short(raw)}: whole {whole!r}, in pieces {streamed!r}",
        )
    if whole[0] == "ok":
        value: Value = whole[1]  # type: ignore[assignment]
        canonical = encode_value(value, ty)
        if len(canonical) > len(raw):
            raise InvariantViolation("canonical-longer", f"{short(canonical)} vs {short(raw)}")
        back = decode_value(canonical, ty, FUZZ_LIMITS)
        if not values_equal(back, value):
            raise InvariantViolation("reencode-differs", f"{value!r} re-encoded reads {back!r}")


def roundtrip(data: bytes) -> None:
    ty, raw = split_input(data)
    if depth(ty) > FUZZ_LIMITS.max_depth:
        return  # no value of this type decodes (limit.depth): nothing to round-trip
    try:
        value: Value = decode_value(raw, ty, FUZZ_LIMITS)
    except CodecError:
        value = gen_value(ty, random.Random(raw))
    encoded = encode_value(value, ty)
    back = decode_value(encoded, ty, FUZZ_LIMITS)
    if not values_equal(back, value) and not _ready_stream_reading(value, back, ty):
        raise InvariantViolation("encode-decode", f"{value!r} -> {short(encoded)} -> {back!r}")
    text = format_wave(back, ty)
    parsed = parse_wave(text, ty)
    if not values_equal(parsed, back):
        raise InvariantViolation("wave-roundtrip", f"{back!r} -> {text!r} -> {parsed!r}")
    again = format_wave(parsed, ty)
    if again != text:
        raise InvariantViolation("wave-unstable", f"{text!r} printed again as {again!r}")


def _ready_stream_reading(value: Value, back: Value, ty: WitType) -> bool:
    """``Ready([])`` has no wire form of its own: it is written as, and reads back as, PENDING
    (``Ambiguity.READY_STREAM``). Equal once every empty ready stream is taken as pending."""
    return values_equal(_empty_streams_pending(ty, value), back)


def _empty_streams_pending(ty: WitType, value: Value) -> Value:
    if isinstance(ty, StreamType) and isinstance(value, Ready) and value.value == []:
        return PENDING
    parts = children(ty, value)
    if not parts:
        return value
    return rebuild(ty, value, [_empty_streams_pending(t, v) for t, v in parts])
