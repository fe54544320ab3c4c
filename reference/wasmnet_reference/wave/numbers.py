"""WAVE numbers: integer range checks, correctly rounded floats and their shortest text.

README: integers are base-10 numbers; floats are JSON numbers or ``nan``, ``inf``, ``-inf``.
A float is the decimal rounded to the nearest value of its type (ties to even), as a real float
parser does: rounding to f32 is done from the exact decimal, never through f64 (that double
rounding is wrong for decimals near an f32 midpoint). A finite decimal that rounds to infinity
is rejected (wasm-wave would read it as ``inf``; this suite keeps ``inf`` explicit).

Printing follows the wasm-wave writer (Rust ``Display``): the shortest digits that read back
to the same value, written positionally without an exponent (``1``, ``0.1``, ``-0``,
``100000000000000000000``); NaN prints as ``nan``.
"""

from __future__ import annotations

import math
import re
import struct
from decimal import ROUND_HALF_EVEN, Context, Decimal

from wasmnet_reference.wave.error import WaveError
from wasmnet_reference.wit.types import Prim

_INTEGER = re.compile(r"-?[0-9]+")
_MAX_INTEGER_DIGITS = 20  # u64 max has 20 digits; longer text is out of range without int()
_F32_MAX_BITS = 0x7F7F_FFFF
_F32_INFINITY_BITS = 0x7F80_0000
_F32_OVERFLOW = 2.0**128  # the value the bit pattern after f32 max would have without overflow
_F32_DIGITS = 9  # IEEE 754-2008 5.12.2: 9 significant digits always round-trip a binary32
_POSITIONAL = Context(prec=40)  # more than the 17 digits of any shortest f64


def parse_integer(text: str, prim: Prim, offset: int) -> int:
    """A number token as an integer of type ``prim``: no fraction or exponent, in range."""
    if not _INTEGER.fullmatch(text):
        raise WaveError(f"{prim.value} takes an integer, not {text!r}", offset)
    if text.startswith("-") and not prim.signed:
        raise WaveError(f"{prim.value} is unsigned: {text!r} has a sign", offset)
    low, high = prim.int_range
    if len(text.lstrip("-")) > _MAX_INTEGER_DIGITS or not low <= int(text) <= high:
        raise WaveError(f"{text} is out of range for {prim.value} ({low}..{high})", offset)
    return int(text)


def parse_float(text: str, prim: Prim, offset: int) -> float:
    """A number token (or the keyword ``inf`` / ``nan``) as an f32 or f64."""
    if text == "nan":
        return math.nan
    x = float(text)  # the lexer admits only JSON numbers and -inf; float() rounds correctly
    if math.isinf(x) and text.lstrip("-") != "inf":
        raise WaveError(f"{text} is too large for {prim.value}", offset)
    if prim is Prim.F64 or math.isinf(x):
        return x
    rounded = _nearest_f32(text, x)
    if rounded is None:
        raise WaveError(f"{text} is too large for f32", offset)
    return rounded


def is_f32(x: float) -> bool:
    """True if ``x`` is exactly an f32 value (any NaN counts)."""
    return math.isnan(x) or math.isinf(x) or (
        abs(x) <= _f32(_F32_MAX_BITS) and struct.unpack("<f", struct.pack("<f", x))[0] == x
    )


def format_float(x: float, prim: Prim) -> str:
    """The canonical text of an f32 or f64 value (``x`` must be a value of that type)."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    digits = Decimal(repr(x)) if prim is Prim.F64 else _shortest_f32(x)
    return format(digits.normalize(_POSITIONAL), "f")


def _f32(bits: int) -> float:
    value: float = struct.unpack("<f", struct.pack("<I", bits))[0]
    return value


def _nearest_f32(text: str, x: float) -> float | None:
    """The f32 nearest the exact decimal ``text`` (``x`` is its nearest f64, finite), or None
    if that is infinity.

    Between the two f32 values around ``x`` the nearer one wins. Only when ``x`` is exactly
    their midpoint can the f64 rounding have hidden which side the decimal lies on; then the
    exact decimal is compared with the midpoint, and an exact tie goes to the even pattern.
    """
    magnitude = abs(x)
    if magnitude > _f32(_F32_MAX_BITS):
        bits = _F32_MAX_BITS
    else:
        bits = struct.unpack("<I", struct.pack("<f", magnitude))[0]
        if _f32(bits) > magnitude:
            bits -= 1
    low = _f32(bits)
    high = _F32_OVERFLOW if bits + 1 == _F32_INFINITY_BITS else _f32(bits + 1)
    middle = (low + high) / 2  # exact: both are f32 values, f64 has room for one more bit
    if magnitude != middle:
        up = magnitude > middle
    else:
        side = Decimal(text).copy_abs().compare(Decimal(middle))
        up = side > 0 or (side == 0 and bits % 2 == 1)
    if not up:
        return math.copysign(low, x)
    if bits + 1 == _F32_INFINITY_BITS:
        return None
    return math.copysign(high, x)


def _shortest_f32(x: float) -> Decimal:
    """The fewest significant digits that read back as the f32 ``x``; among those, the one
    nearest ``x``. For each length the nearest decimal is tried, then its neighbour on the
    other side of ``x`` (the only other candidate that can round-trip)."""
    exact = Decimal(x)
    for precision in range(1, _F32_DIGITS):
        context = Context(prec=precision, rounding=ROUND_HALF_EVEN)
        nearest = context.create_decimal(exact)
        other = context.next_plus(nearest) if nearest < exact else context.next_minus(nearest)
        for candidate in (nearest, other):
            if _nearest_f32(str(candidate), float(candidate)) == x:
                return candidate
    return Context(prec=_F32_DIGITS, rounding=ROUND_HALF_EVEN).create_decimal(exact)
