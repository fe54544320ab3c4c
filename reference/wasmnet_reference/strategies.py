"""Hypothesis strategies for WIT types, their values and wRPC framed streams.

Public so that implementers can property-test their own codec against the reference: generate
``(type, value)`` pairs with :func:`typed_values`, encode with both implementations, compare
bytes, decode each other's output. Types go to another implementation through the neutral JSON
form (``wit.json_form.to_json``) or as WIT text (``wit.printer``); values as WAVE
(``wave.format_wave``).

What is generated, and why:

- :func:`wit_types` covers every type kind with a wire form (wrpc.md §4): all primitives, list,
  tuple (1..5 elements), record (1..6 fields), variant (1..6 cases, some without payload), enum,
  option, result in all four shapes, flags (1..70 labels so that the one-, four- and eight-byte
  boundaries and the ``flags-over-32`` ambiguity are crossed), own/borrow, and future/stream with
  and without an element type. Names are valid WIT identifiers (lowercase kebab-case, every word
  starting with a letter, never a WIT keyword); WAVE keywords (``true``, ``none``, ``ok`` ...)
  are generated on purpose because WAVE must write them ``%``-escaped. Distinct named types get
  distinct names, so ``printer.definitions`` of a generated type is a valid WIT interface.
- :func:`values_of` draws values of one type, weighting the edges a codec gets wrong: integer
  range ends and LEB128 byte-count boundaries, NaN payloads (the encoder must canonicalise
  them), infinities, -0.0 and subnormals, UTF-8 length boundaries in chars and strings, the
  empty and the full flags set. A ready stream is never empty: ``Ready([])`` and a pending
  stream share one encoding (the ``ready-stream`` ambiguity, wrpc.md §3).
- :func:`frames` and :func:`invocations` draw frame sequences and whole client streams
  (wrpc.md §2), including empty data and path indices at LEB128 boundaries.

Sizes are bounded (lists, strings and handles hold at most ``max_list`` items, 8 by default) so
that a property run of a hundred examples takes seconds.
"""

from __future__ import annotations

import functools
import itertools
import operator
import struct
from collections.abc import Callable
from dataclasses import dataclass, replace

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from wasmnet_reference.framing.events import Frame, Header, Path
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
from wasmnet_reference.wit.printer import is_keyword
from wasmnet_reference.wit.types import (
    Case,
    EnumType,
    Field,
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
    resources,
)

__all__ = [
    "DEFAULT_MAX_LIST",
    "MAX_FLAGS",
    "Invocation",
    "frames",
    "identifiers",
    "invocations",
    "paths",
    "typed_values",
    "values_of",
    "wit_types",
]

DEFAULT_MAX_LIST = 8
"""Default bound on list, string, handle and ready-stream sizes."""

MAX_FLAGS = 70
"""Most flags labels generated: past the 32- and 64-bit boundaries (ceil(N/8) bytes, wrpc.md §4)."""

# ---------------------------------------------------------------------------------------------
# Names

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"

# Labels that WAVE reserves (a case or label named so is written with '%'), plus the words this
# suite's WAVE extension uses for futures and streams.
_TRICKY_LABELS = ("true", "false", "inf", "nan", "some", "none", "ok", "err", "pending", "ready")

# A WIT word: a lowercase letter, then lowercase letters and digits.
_WORD = st.builds(operator.add, st.sampled_from(_LOWER), st.text(_LOWER + _DIGITS, max_size=5))


_FRESH_NAMES = st.lists(_WORD, min_size=1, max_size=3).map("-".join).filter(
    lambda n: not is_keyword(n)
)


def identifiers() -> SearchStrategy[str]:
    """Valid WIT identifiers that are not WIT keywords; WAVE keywords included on purpose."""
    return st.one_of(_FRESH_NAMES, st.sampled_from(_TRICKY_LABELS))


def _unique_names(min_size: int, max_size: int) -> SearchStrategy[tuple[str, ...]]:
    return st.lists(identifiers(), min_size=min_size, max_size=max_size, unique=True).map(tuple)


def _numbered_labels(count: int) -> SearchStrategy[tuple[str, ...]]:
    """``count`` labels ``<stem>0 … <stem>{count-1}``; a stem of two or more letters keeps them
    clear of the keywords that mix letters and digits (``u8``, ``s16``, ``f32`` ...)."""
    stem = st.text(_LOWER, min_size=2, max_size=4)
    return stem.map(lambda s: tuple(f"{s}{i}" for i in range(count)))


def _flags_labels(max_flags: int) -> SearchStrategy[tuple[str, ...]]:
    """1..max_flags labels, with the byte-width and 32/64-bit boundaries drawn often."""
    few = _unique_names(1, min(8, max_flags))
    if max_flags <= 8:
        return few
    edges = [n for n in (9, 16, 17, 32, 33, 64, 65, max_flags) if n <= max_flags]
    count = st.one_of(st.sampled_from(edges), st.integers(9, max_flags))
    return st.one_of(few, count.flatmap(_numbered_labels))


# ---------------------------------------------------------------------------------------------
# Types


def wit_types(
    max_depth: int = 4,
    allow_async: bool = True,
    allow_handles: bool = True,
    max_flags: int = MAX_FLAGS,
) -> SearchStrategy[WitType]:
    """WIT types of nesting depth at most ``max_depth`` (``wit.types.depth``; a leaf is 1).

    ``allow_async=False`` leaves out futures and streams, ``allow_handles=False`` own/borrow.
    ``max_flags=32`` keeps every type loadable by wasm-tools, which rejects larger flags (the
    ``flags-over-32`` ambiguity).
    """
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    if not 1 <= max_flags <= MAX_FLAGS:
        raise ValueError(f"max_flags must be within 1..{MAX_FLAGS}")
    return _types(max_depth, allow_async, allow_handles, max_flags).map(_distinct_names)


@functools.cache
def _types(
    depth: int, allow_async: bool, allow_handles: bool, max_flags: int
) -> SearchStrategy[WitType]:
    """Half leaves, half compound types at every level, so sizes stay small on average; half
    the leaves are primitives, whose thirteen encodings hold most of the rules."""
    leaves: list[SearchStrategy[WitType]] = [
        st.builds(EnumType, identifiers(), _unique_names(1, 6)),
        st.builds(FlagsType, identifiers(), _flags_labels(max_flags)),
    ]
    if allow_handles:
        leaves.append(st.builds(HandleType, identifiers(), st.booleans()))
    if allow_async:
        leaves += [st.just(FutureType(None)), st.just(StreamType(None))]
    leaf = st.one_of(st.sampled_from(list(Prim)), st.one_of(leaves))
    if depth == 1:
        return leaf
    inner = _types(depth - 1, allow_async, allow_handles, max_flags)
    maybe_inner = st.none() | inner
    compound: list[SearchStrategy[WitType]] = [
        st.builds(ListType, inner),
        st.builds(TupleType, st.lists(inner, min_size=1, max_size=5).map(tuple)),
        _records(inner),
        _variants(maybe_inner),
        st.builds(OptionType, inner),
        st.builds(ResultType, maybe_inner, maybe_inner),
    ]
    if allow_async:
        compound += [st.builds(FutureType, inner), st.builds(StreamType, inner)]
    return st.one_of(leaf, st.one_of(compound))


@st.composite
def _records(draw: st.DrawFn, inner: SearchStrategy[WitType]) -> WitType:
    names = draw(_unique_names(1, 6))
    return RecordType(draw(identifiers()), tuple(Field(n, draw(inner)) for n in names))


@st.composite
def _variants(draw: st.DrawFn, payload: SearchStrategy[WitType | None]) -> WitType:
    names = draw(_unique_names(1, 6))
    return VariantType(draw(identifiers()), tuple(Case(n, draw(payload)) for n in names))


_Named = (RecordType, VariantType, EnumType, FlagsType)


def _distinct_names(t: WitType) -> WitType:
    """Rename so that different named types never share a name, nor take a resource's name:
    WIT has one namespace per interface for both (equal types keep their shared name)."""
    owners: dict[str, WitType | None] = {r: None for r in resources(t)}  # None: a resource

    def rename(x: WitType) -> WitType:
        x = _map_children(x, rename)
        if not isinstance(x, _Named):
            return x
        for k in itertools.count(1):
            candidate = x if k == 1 else replace(x, name=f"{x.name}-v{k}")
            if owners.setdefault(candidate.name, candidate) == candidate:
                return candidate
        raise AssertionError("unreachable")  # itertools.count never ends

    return rename(t)


def _map_children(t: WitType, f: Callable[[WitType], WitType]) -> WitType:
    """``t`` with ``f`` applied to each direct component type."""

    def opt(x: WitType | None) -> WitType | None:
        return None if x is None else f(x)

    if isinstance(t, ListType):
        return ListType(f(t.element))
    if isinstance(t, TupleType):
        return TupleType(tuple(f(e) for e in t.elements))
    if isinstance(t, RecordType):
        return replace(t, fields=tuple(Field(x.name, f(x.type)) for x in t.fields))
    if isinstance(t, VariantType):
        return replace(t, cases=tuple(Case(c.name, opt(c.type)) for c in t.cases))
    if isinstance(t, OptionType):
        return OptionType(f(t.inner))
    if isinstance(t, ResultType):
        return ResultType(opt(t.ok), opt(t.err))
    if isinstance(t, FutureType):
        return FutureType(opt(t.inner))
    if isinstance(t, StreamType):
        return StreamType(opt(t.inner))
    return t


# ---------------------------------------------------------------------------------------------
# Values


def _int_edges(p: Prim) -> tuple[int, ...]:
    """Range ends, 0 and ±1, and where LEB128 needs one more byte: 7 payload bits per byte,
    the top one the sign for signed integers (wrpc.md §4)."""
    lo, hi = p.int_range
    edges = {lo, lo + 1, -1, 0, 1, hi - 1, hi}
    for k in range(7, p.bits + 7, 7):
        edges |= {(1 << k) - 1, 1 << k, (1 << (k - 1)) - 1, 1 << (k - 1)}
        edges |= {-(1 << (k - 1)), -(1 << (k - 1)) - 1}
    return tuple(sorted(e for e in edges if lo <= e <= hi))


def _f32(bits: int) -> float:
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def _f64(bits: int) -> float:
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


# Bit patterns: ±0, smallest and largest subnormal, smallest normal, largest finite, ±inf,
# the canonical NaN, a signalling NaN and a negative NaN (both must be written canonically).
_F32_EDGES = tuple(
    _f32(b)
    for b in (
        0x00000000, 0x80000000, 0x00000001, 0x007FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF,
        0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0xFFC00000, 0x3F800000,
    )
)
_F64_EDGES = tuple(
    _f64(b)
    for b in (
        0x0000000000000000, 0x8000000000000000, 0x0000000000000001, 0x000FFFFFFFFFFFFF,
        0x0010000000000000, 0x7FEFFFFFFFFFFFFF, 0xFFEFFFFFFFFFFFFF, 0x7FF0000000000000,
        0xFFF0000000000000, 0x7FF8000000000000, 0x7FF0000000000001, 0xFFF8000000000000,
        0x3FF0000000000000,
    )
)

# UTF-8 length boundaries (1/2/3/4 bytes), both sides of the surrogate gap, the last scalar
# value; characters WAVE text escapes (quotes, backslash, C0 and C1 controls) and a combining
# mark, which a WAVE writer may escape or not.
_CHAR_EDGES = (
    "\x00", "\x7f", "\x80", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\ufffd", "\uffff",
    "\U00010000", "\U0010ffff", "'", '"', "\\", "\n", "\r", "\t", "\x9f", "\xa0", "\u0301",
)
_CHARS = st.one_of(st.sampled_from(_CHAR_EDGES), st.characters(exclude_categories=["Cs"]))

# The primitives whose values have no size to bound.
_UNSIZED: dict[Prim, SearchStrategy[Value]] = {
    Prim.BOOL: st.booleans(),
    Prim.F32: st.one_of(st.sampled_from(_F32_EDGES), st.floats(width=32)),
    Prim.F64: st.one_of(st.sampled_from(_F64_EDGES), st.floats()),
    Prim.CHAR: _CHARS,
}


def values_of(ty: WitType, *, max_list: int = DEFAULT_MAX_LIST) -> SearchStrategy[Value]:
    """Values of ``ty`` in the model of ``wasmnet_reference.values``.

    ``max_list`` (at least 1: a ready stream is never empty) bounds the length of every list,
    string, handle blob and ready stream.
    """
    if max_list < 1:
        raise ValueError("max_list must be at least 1")
    return _values(ty, max_list)


@functools.lru_cache(maxsize=4096)
def _values(ty: WitType, max_list: int) -> SearchStrategy[Value]:
    def of(t: WitType) -> SearchStrategy[Value]:
        return _values(t, max_list)

    def side(t: WitType | None) -> SearchStrategy[Value]:
        return st.none() if t is None else of(t)

    if isinstance(ty, Prim):
        if ty.is_integer:
            lo, hi = ty.int_range
            return st.one_of(st.sampled_from(_int_edges(ty)), st.integers(lo, hi))
        if ty is Prim.STRING:
            return st.text(_CHARS, max_size=max_list)
        return _UNSIZED[ty]
    if isinstance(ty, ListType):
        return st.lists(of(ty.element), max_size=max_list)
    if isinstance(ty, TupleType):
        return st.tuples(*(of(e) for e in ty.elements))
    if isinstance(ty, RecordType):
        names = [f.name for f in ty.fields]
        fields = st.tuples(*(of(f.type) for f in ty.fields))
        return fields.map(lambda vs: dict(zip(names, vs, strict=True)))
    if isinstance(ty, VariantType):
        return st.one_of(
            [side(c.type).map(functools.partial(VariantValue, c.name)) for c in ty.cases]
        )
    if isinstance(ty, EnumType):
        return st.sampled_from(ty.cases).map(EnumValue)
    if isinstance(ty, OptionType):
        return st.one_of(st.none(), of(ty.inner).map(Some))
    if isinstance(ty, ResultType):
        return st.one_of(side(ty.ok).map(Ok), side(ty.err).map(Err))
    if isinstance(ty, FlagsType):
        labels = ty.labels
        subsets = st.sets(st.sampled_from(labels)).map(frozenset)
        return st.one_of(st.just(frozenset()), st.just(frozenset(labels)), subsets)
    if isinstance(ty, HandleType):
        return st.binary(max_size=max_list).map(Handle)
    if isinstance(ty, FutureType):
        return st.one_of(st.just(PENDING), side(ty.inner).map(Ready))
    # A stream. Without an element type its elements carry no payload (None), as the WAVE
    # extension writes them (``ready([_, _])``).
    elements = side(ty.inner)
    chunk = st.lists(elements, min_size=1, max_size=max_list)
    return st.one_of(st.just(PENDING), chunk.map(Ready))


def typed_values(
    max_depth: int = 4,
    allow_async: bool = True,
    allow_handles: bool = True,
    max_flags: int = MAX_FLAGS,
    *,
    max_list: int = DEFAULT_MAX_LIST,
) -> SearchStrategy[tuple[WitType, Value]]:
    """``(type, value)`` pairs: a type from :func:`wit_types` and a value of it."""
    types = wit_types(max_depth, allow_async, allow_handles, max_flags)
    return types.flatmap(lambda t: values_of(t, max_list=max_list).map(lambda v: (t, v)))


# ---------------------------------------------------------------------------------------------
# Frames and invocations (wrpc.md §2)

_U32_MAX = 0xFFFF_FFFF
# Path indices: the small ones real calls use, and LEB128 byte-count boundaries of a uleb32.
_INDEX = st.one_of(
    st.integers(0, 3),
    st.sampled_from((127, 128, 16383, 16384, _U32_MAX)),
    st.integers(0, _U32_MAX),
)


def paths(max_length: int = 4) -> SearchStrategy[Path]:
    """Frame paths of at most ``max_length`` indices; the empty path is the root channel."""
    return st.lists(_INDEX, max_size=max_length).map(tuple)


def frames(
    max_frames: int = 8, max_data: int = 16, max_path_length: int = 4
) -> SearchStrategy[list[Frame]]:
    """Frame sequences in send order, empty data frames included (the ``zero-length-frame``
    ambiguity)."""
    frame = st.builds(Frame, paths(max_path_length), st.binary(max_size=max_data))
    return st.lists(frame, max_size=max_frames)


@dataclass(frozen=True)
class Invocation:
    """One client-to-server stream: the header and the frames after it."""

    header: Header
    frames: list[Frame]


_NAME_TEXT = st.text(_CHARS, max_size=12)
# namespace:package/interface[@version], the form real instances take (wrpc.md §2, Naming).
_QUALIFIED = st.builds(
    "{}:{}/{}{}".format,
    identifiers(),
    identifiers(),
    identifiers(),
    st.sampled_from(("", "@0.2.0-draft2", "@1.0.0")),
)
_INSTANCES = st.one_of(st.just(""), _QUALIFIED, _NAME_TEXT)
_FUNCTIONS = st.one_of(
    identifiers(), st.builds("{}.{}".format, identifiers(), identifiers()), _NAME_TEXT
)


def invocations(max_frames: int = 8, max_data: int = 16) -> SearchStrategy[Invocation]:
    """Whole client streams: instance (empty, qualified, or any text), function name (plain,
    ``resource.method``, or any text) and frames. Names are arbitrary UTF-8 because the header
    only requires ``core:name`` (wrpc.md §2)."""
    header = st.builds(Header, _INSTANCES, _FUNCTIONS)
    return st.builds(Invocation, header, frames(max_frames, max_data))
