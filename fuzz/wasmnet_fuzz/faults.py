"""Wire-level faults at one node of a typed value: the rule-breaking shapes of wrpc.md §4.

Each fault rewrites the bytes of one node (see :func:`wasmnet_fuzz.tree.encode_tree`) so that
exactly one rule is at stake: a count or case index off by one or far out of range, a LEB128
that is overlong (valid), one byte too long or with unused bits set, a tag byte other than
``00``/``01``, an ill-formed UTF-8 sequence with a correct length, a non-canonical NaN, a
flags bit beyond the labels, or the node cut short.
"""

from __future__ import annotations

import random

from wasmnet_reference.codec.leb128 import decode_uleb, encode_sleb, encode_uleb
from wasmnet_reference.values import Value
from wasmnet_reference.wit.types import (
    EnumType,
    FlagsType,
    FutureType,
    HandleType,
    OptionType,
    Prim,
    ResultType,
    WitType,
)

U32_MAX = 0xFFFF_FFFF

ILL_FORMED_UTF8: tuple[bytes, ...] = (
    b"\xc0\xaf",  # overlong 2-byte '/'
    b"\xc1\x81",  # overlong 2-byte 'A'
    b"\xe0\x80\xaf",  # overlong 3-byte
    b"\xf0\x80\x80\xaf",  # overlong 4-byte
    b"\xed\xa0\x80",  # surrogate U+D800
    b"\xed\xbf\xbf",  # surrogate U+DFFF
    b"\xf4\x90\x80\x80",  # above U+10FFFF
    b"\x80",  # lone continuation byte
    b"\xc2",  # lead byte without continuation
    b"\xe2\x82",  # 3-byte sequence cut short
    b"\xf8\x88\x80\x80\x80",  # 5-byte form
    b"\xff",
)
NONCANONICAL_NAN_F32: tuple[bytes, ...] = (
    bytes.fromhex("0100c07f"), bytes.fromhex("0000c0ff"), bytes.fromhex("0100807f"),
)
NONCANONICAL_NAN_F64: tuple[bytes, ...] = (
    bytes.fromhex("010000000000f87f"), bytes.fromhex("000000000000f8ff"),
    bytes.fromhex("010000000000f07f"),
)


def leb_variants(n: int, rng: random.Random, *, bits: int = 32, signed: bool = False) -> bytes:
    """Another encoding of the LEB128 integer ``n``: overlong (valid), too long, unused bits
    set in the last permitted byte, or cut short."""
    encode = encode_sleb if signed else encode_uleb
    limit = (bits + 6) // 7
    minimal = encode(n)
    op = rng.randrange(4)
    if op == 0 and len(minimal) < limit:
        return encode(n, width=rng.randint(len(minimal) + 1, limit))
    if op == 1:
        padded = bytearray(encode(n, width=limit))
        padded[-1] |= 0x80
        return bytes(padded) + (b"\x7f" if signed and n < 0 else b"\x00")
    if op == 2:
        padded = bytearray(encode(n, width=limit))
        spare = 7 - (bits - 7 * (limit - 1))
        if spare > 0:
            padded[-1] ^= 1 << (7 - rng.randint(1, spare))
        return bytes(padded)
    return bytes([minimal[0] | 0x80]) if minimal else b"\x80"


def count_fault(count: int, rng: random.Random, *, upper: int | None = None) -> bytes:
    """A uleb32 count or case index replaced: off by one or two, the first invalid index
    (``upper``), a large or maximal value, or a different LEB128 shape of the same number."""
    op = rng.randrange(5)
    if op == 0:
        return encode_uleb(max(0, count + rng.choice((-2, -1, 1, 2))))
    if op == 1 and upper is not None:
        return encode_uleb(upper)
    if op == 2:
        return encode_uleb(rng.choice((U32_MAX, 1 << 20, 1025, 4097, 65537, 1 << 28)))
    return leb_variants(count, rng)


GENERIC_SHARE = 0.2
"""Share of faults that ignore the node's kind: cut short, a byte too many, random bytes."""


def fault(ty: WitType, value: Value, head: bytes | None, body: bytes, rng: random.Random,
          generic_share: float = GENERIC_SHARE) -> bytes:
    """The bytes written instead of one node (``head`` is the constructor prefix, None for a
    leaf; ``body`` the children's bytes, or the whole leaf)."""
    if rng.random() < generic_share:
        return _generic(head or b"", body, rng)
    if head is not None:
        return _constructor(ty, value, head, body, rng)
    return _leaf(ty, value, body, rng)


def _generic(head: bytes, body: bytes, rng: random.Random) -> bytes:
    whole = head + body
    op = rng.randrange(3)
    if op == 0 and whole:
        return whole[: rng.randrange(len(whole))]  # cut short
    if op == 1:
        return whole + bytes([rng.randrange(256)])  # a byte too many
    return rng.randbytes(len(whole)) if whole else bytes([rng.randrange(256)])


def _constructor(ty: WitType, value: Value, head: bytes, body: bytes, rng: random.Random) -> bytes:
    if isinstance(ty, (OptionType, ResultType, FutureType)):
        return bytes([rng.randint(2, 255)]) + body
    if not head:  # tuple, record: no prefix of their own
        return _generic(head, body, rng)
    got = decode_uleb(head, 0, 32)
    count = 0 if got is None else got[0]
    upper = None
    cases = getattr(ty, "cases", None)
    if cases is not None:
        upper = len(cases)
    return count_fault(count, rng, upper=upper) + body


def _leaf(ty: WitType, value: Value, body: bytes, rng: random.Random) -> bytes:
    if isinstance(ty, EnumType):
        got = decode_uleb(body, 0, 32)
        return count_fault(0 if got is None else got[0], rng, upper=len(ty.cases))
    if isinstance(ty, FlagsType):
        spare = len(body) * 8 - len(ty.labels)
        raw = bytearray(body)
        if spare > 0:
            bit = len(ty.labels) + rng.randrange(spare)
            raw[bit // 8] |= 1 << (bit % 8)
            return bytes(raw)
        return bytes(raw[:-1]) if raw else b""
    if isinstance(ty, HandleType):
        got = decode_uleb(body, 0, 32)
        if got is None:
            return body
        return count_fault(got[0], rng) + body[got[1] :]
    assert isinstance(ty, Prim)
    if ty is Prim.BOOL:
        return bytes([rng.randint(2, 255)])
    if ty is Prim.F32:
        return rng.choice(NONCANONICAL_NAN_F32)
    if ty is Prim.F64:
        return rng.choice(NONCANONICAL_NAN_F64)
    if ty is Prim.CHAR:
        return rng.choice(ILL_FORMED_UTF8)
    if ty is Prim.STRING:
        return _string(value, rng)
    if ty.is_integer and ty.bits > 8 and isinstance(value, int):
        return leb_variants(value, rng, bits=ty.bits, signed=ty.signed)
    return _generic(b"", body, rng)


def _string(value: Value, rng: random.Random) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else b""
    if rng.random() < 0.7:
        i = rng.randint(0, len(raw))
        bad = raw[:i] + rng.choice(ILL_FORMED_UTF8) + raw[i:]
        return encode_uleb(len(bad)) + bad
    return count_fault(len(raw), rng) + raw
