"""Random values of a WIT type, and one-node value changes, for the structure-aware mutator.

Values lean to the places where encodings change shape: integer range ends and LEB128 width
boundaries, float classes (zeros, subnormals, infinities, NaN), UTF-8 length boundaries, empty
and one-element lists. Sizes are kept small (the mutator grows them one step at a time).

``byte_mutate`` is libFuzzer's own mutator when running under atheris (``atheris.Mutate``, which
also applies the operands of recently traced comparisons and dictionary words) and a small
stand-in otherwise (tests, replay).
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable

from wasmnet_fuzz.autodict import Constants
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

ByteMutate = Callable[[bytes, int], bytes]
"""``(data, max_size) -> mutated data`` (the shape of ``atheris.Mutate``)."""

MAX_GENERATED_ITEMS = 3
"""Elements of a generated list, string characters are a few more."""


def fallback_byte_mutate(rng: random.Random) -> ByteMutate:
    """A stand-in for ``atheris.Mutate``: flip, set, insert, erase or duplicate bytes."""

    def mutate(data: bytes, max_size: int) -> bytes:
        buf = bytearray(data)
        op = rng.randrange(5)
        if op == 0 and buf:
            i = rng.randrange(len(buf))
            buf[i] ^= 1 << rng.randrange(8)
        elif op == 1 and buf:
            special = (0x00, 0x01, 0x7F, 0x80, 0xFF, rng.randrange(256))
            buf[rng.randrange(len(buf))] = rng.choice(special)
        elif op == 2:
            buf.insert(rng.randrange(len(buf) + 1), rng.randrange(256))
        elif op == 3 and buf:
            del buf[rng.randrange(len(buf))]
        elif buf:
            i = rng.randrange(len(buf))
            buf[i:i] = buf[i : i + rng.randrange(1, 5)]
        return bytes(buf[:max_size])

    return mutate


def int_edges(p: Prim) -> tuple[int, ...]:
    """Range ends, 0 and ±1, and where LEB128 needs one more byte (7 payload bits per byte,
    the top one the sign for signed integers, wrpc.md §4)."""
    lo, hi = p.int_range
    edges = {lo, lo + 1, -1, 0, 1, hi - 1, hi}
    for k in range(7, p.bits + 7, 7):
        edges |= {(1 << k) - 1, 1 << k, (1 << (k - 1)) - 1, 1 << (k - 1), -(1 << (k - 1))}
        edges.add(-(1 << (k - 1)) - 1)
    return tuple(sorted(e for e in edges if lo <= e <= hi))


def _f32(bits: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _f64(bits: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


F32_EDGES = tuple(_f32(b) for b in (
    0x00000000, 0x80000000, 0x00000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0x7F800000,
    0xFF800000, 0x7FC00000, 0x3F800000,
))
F64_EDGES = tuple(_f64(b) for b in (
    0, 0x8000000000000000, 1, 0x000FFFFFFFFFFFFF, 0x0010000000000000, 0x7FEFFFFFFFFFFFFF,
    0x7FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000000, 0x3FF0000000000000,
))
# UTF-8 length boundaries (1-4 bytes), both sides of the surrogate gap, the last scalar value,
# and characters WAVE escapes.
CHAR_EDGES = (
    "\x00", "a", "\x7f", "\x80", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\ufffd", "\uffff",
    "\U00010000", "\U0010ffff", "'", '"', "\\", "\n",
)


def gen_char(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(CHAR_EDGES)
    ceiling = rng.choice((0x7F, 0x7FF, 0xFFFF, 0x10FFFF))
    while True:
        cp = rng.randrange(ceiling + 1)
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)


def gen_string(rng: random.Random) -> str:
    # Every short length: atheris traces a string comparison only between strings of equal
    # length, so a compared constant reaches libFuzzer's table only once a value of its
    # length is compared with it.
    n = rng.randint(0, 8)
    if rng.random() < 0.5:
        return "".join(rng.choice("abcxyz") for _ in range(n))
    return "".join(gen_char(rng) for _ in range(n))


def gen_int(p: Prim, rng: random.Random) -> int:
    lo, hi = p.int_range
    r = rng.random()
    if r < 0.4:
        return rng.choice(int_edges(p))
    if r < 0.7:
        return max(lo, min(hi, rng.randrange(-16, 17)))
    return rng.randint(lo, hi)


def gen_float(p: Prim, rng: random.Random) -> float:
    if rng.random() < 0.5:
        return rng.choice(F32_EDGES if p is Prim.F32 else F64_EDGES)
    if p is Prim.F32:
        return _f32(rng.getrandbits(32))
    return _f64(rng.getrandbits(64))


def gen_value(ty: WitType, rng: random.Random, depth: int = 0) -> Value:
    """A random value of ``ty``; containers get fewer elements the deeper they sit."""
    room = MAX_GENERATED_ITEMS if depth < 3 else 1

    def items(t: WitType) -> list[Value]:
        return [gen_value(t, rng, depth + 1) for _ in range(rng.randint(0, room))]

    if isinstance(ty, Prim):
        if ty is Prim.BOOL:
            return rng.random() < 0.5
        if ty.is_integer:
            return gen_int(ty, rng)
        if ty in (Prim.F32, Prim.F64):
            return gen_float(ty, rng)
        return gen_char(rng) if ty is Prim.CHAR else gen_string(rng)
    if isinstance(ty, ListType):
        return items(ty.element)
    if isinstance(ty, TupleType):
        return tuple(gen_value(t, rng, depth + 1) for t in ty.elements)
    if isinstance(ty, RecordType):
        return {f.name: gen_value(f.type, rng, depth + 1) for f in ty.fields}
    if isinstance(ty, VariantType):
        case = rng.choice(ty.cases)
        payload = None if case.type is None else gen_value(case.type, rng, depth + 1)
        return VariantValue(case.name, payload)
    if isinstance(ty, EnumType):
        return EnumValue(rng.choice(ty.cases))
    if isinstance(ty, OptionType):
        return Some(gen_value(ty.inner, rng, depth + 1)) if rng.random() < 0.7 else None
    if isinstance(ty, ResultType):
        is_ok = rng.random() < 0.5
        side = ty.ok if is_ok else ty.err
        payload = None if side is None else gen_value(side, rng, depth + 1)
        return Ok(payload) if is_ok else Err(payload)
    if isinstance(ty, FlagsType):
        return frozenset(x for x in ty.labels if rng.random() < 0.3)
    if isinstance(ty, HandleType):
        return Handle(rng.randbytes(rng.randint(0, 4)))
    if isinstance(ty, FutureType):
        if rng.random() < 0.4:
            return PENDING
        return Ready(None if ty.inner is None else gen_value(ty.inner, rng, depth + 1))
    assert isinstance(ty, StreamType)
    if rng.random() < 0.4:
        return PENDING
    count = rng.randint(1, room)
    if ty.inner is None:
        return Ready([None] * count)
    return Ready([gen_value(ty.inner, rng, depth + 1) for _ in range(count)])


def _clamp_float(p: Prim, x: float) -> float:
    if p is Prim.F32 and not math.isnan(x):
        try:
            return float(struct.unpack("<f", struct.pack("<f", x))[0])
        except OverflowError:
            return math.copysign(math.inf, x)
    return x


WORD_SHARE = 0.4
"""Share of scalar changes that take a constant of the code under test (``autodict.py``)."""


def mutate_node(
    ty: WitType, value: Value, rng: random.Random, byte_mutate: ByteMutate,
    constants: Constants | None = None,
) -> Value:
    """A different value of ``ty`` close to ``value``: one step (a bound, ±1, a bit, a list
    element added or removed, a case or tag changed), or libFuzzer's byte mutation of the
    scalar's bytes (so compared constants and dictionary words reach the value), or a constant
    of the code under test that fits the type."""
    if isinstance(ty, Prim):
        if constants is not None and rng.random() < WORD_SHARE:
            word = _constant_for(ty, constants, rng)
            if word is not None:
                return word
        return _mutate_prim(ty, value, rng, byte_mutate)
    if isinstance(ty, ListType) and isinstance(value, list):
        return _mutate_list(value, lambda: gen_value(ty.element, rng, 1), rng)
    if isinstance(ty, VariantType):
        return gen_value(ty, rng)
    if isinstance(ty, EnumType):
        return EnumValue(rng.choice(ty.cases))
    if isinstance(ty, OptionType):
        return None if isinstance(value, Some) else Some(gen_value(ty.inner, rng, 1))
    if isinstance(ty, ResultType):
        if isinstance(value, Ok):
            return Err(None if ty.err is None else gen_value(ty.err, rng, 1))
        return Ok(None if ty.ok is None else gen_value(ty.ok, rng, 1))
    if isinstance(ty, FlagsType) and isinstance(value, frozenset):
        return value ^ {rng.choice(ty.labels)}
    if isinstance(ty, HandleType) and isinstance(value, Handle):
        return Handle(byte_mutate(value.data, len(value.data) + 8))
    if isinstance(ty, StreamType) and isinstance(value, Ready) and isinstance(value.value, list):
        items = _mutate_list(
            value.value, lambda: None if ty.inner is None else gen_value(ty.inner, rng, 1), rng
        )
        return Ready(items) if items else PENDING
    return gen_value(ty, rng)


def _constant_for(p: Prim, constants: Constants, rng: random.Random) -> Value:
    """A harvested constant of type ``p``, or None if there is none."""
    if p is Prim.STRING and constants.strings:
        return rng.choice(constants.strings)
    if p is Prim.CHAR:
        chars = [s for s in constants.strings if len(s) == 1]
        return rng.choice(chars) if chars else None
    if p.is_integer:
        lo, hi = p.int_range
        fitting = [i for i in constants.ints if lo <= i <= hi]
        return rng.choice(fitting) if fitting else None
    return None


def _mutate_list(items: list[Value], new: Callable[[], Value], rng: random.Random) -> list[Value]:
    out = list(items)
    op = rng.randrange(4) if out else 0
    if op == 0:
        out.insert(rng.randint(0, len(out)), new())
    elif op == 1:
        del out[rng.randrange(len(out))]
    elif op == 2:
        i = rng.randrange(len(out))
        out.insert(i, out[i])
    else:
        out.clear()
    return out


def _mutate_prim(p: Prim, value: Value, rng: random.Random, byte_mutate: ByteMutate) -> Value:
    if p is Prim.BOOL:
        return not value
    if p.is_integer and isinstance(value, int):
        lo, hi = p.int_range
        op = rng.randrange(4)
        if op == 0:
            return gen_int(p, rng)
        if op == 1:
            return max(lo, min(hi, value + rng.choice((-1, 1))))
        if op == 2:
            return max(lo, min(hi, value ^ (1 << rng.randrange(p.bits))))
        width = p.bits // 8
        raw = (value & ((1 << p.bits) - 1)).to_bytes(width, "little")
        number = int.from_bytes(byte_mutate(raw, width).ljust(width, b"\0")[:width], "little")
        return number - (1 << p.bits) if p.signed and number > hi else number
    if p in (Prim.F32, Prim.F64) and isinstance(value, float):
        if rng.random() < 0.5:
            return gen_float(p, rng)
        fmt, width = ("<f", 4) if p is Prim.F32 else ("<d", 8)
        raw = struct.pack(fmt, _clamp_float(p, value))
        got = byte_mutate(raw, width).ljust(width, b"\0")[:width]
        return float(struct.unpack(fmt, got)[0])
    if p is Prim.CHAR:
        return gen_char(rng)
    text = value if isinstance(value, str) else ""
    op = rng.randrange(4)
    if op == 0:
        return gen_string(rng)
    if op == 1:
        i = rng.randint(0, len(text))
        return text[:i] + gen_char(rng) + text[i:]
    # libFuzzer's mutation of the UTF-8 bytes, or of nothing: from an empty input it can only
    # insert, most often a dictionary word or the operand of a traced string comparison.
    raw = text.encode("utf-8") if op == 2 else b""
    return byte_mutate(raw, len(raw) + 16).decode("utf-8", "ignore")
