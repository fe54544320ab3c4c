"""Decoder: component-model value bytes (wrpc.md §4) to a Python value, strict, incremental and
bounded.

Design. A type is compiled once (cached per type and limits) into a tree of nodes of three kinds:

- a *leaf* reads a construct of a few bytes at most (a LEB128, a float, a char, a flags set,
  a one-byte tag) with ``parse(buf, pos)``: ``(value, next_pos)``, or ``None`` while
  the bytes so far are a valid beginning. It raises as soon as the bytes break its rule;
- a *body* reads a string's or a ``list<u8>``'s announced bytes, consuming what is there and
  keeping its own state (one per value, created once the length is known and bounded);
- a *composite* (list, record, option, ...) is a generator that yields the nodes to read and
  receives their values.

``ValueDecoder`` runs composites on an explicit stack (a trampoline), so nesting costs no Python
stack. When a leaf is cut off, its few bytes are kept and re-parsed together with the next
input; bodies consume their bytes as they come, so nothing else is kept between calls. Bytes
present at once are decoded in one pass, without per-byte round trips.

Every rejection is a ``CodecError`` carrying its ``Rule`` and an offset from the start of the
value: the offending byte for LEB128 encodings, bool and tag bytes and flags (their last byte);
the first byte of the construct for floats, chars, counts and case indexes; the first byte of the
ill-formed sequence for string UTF-8; the end of input for truncation; the first byte after the
value for trailing bytes. The same input gives the same value or the same error however it is
split between ``feed`` calls (the tests check every split of every case).

Readings taken: a set flags bit beyond N is rejected (``Ambiguity.FLAGS_BITS_BEYOND_N``); a stream
with count 0 is PENDING and a non-empty one a ready stream (``Ambiguity.READY_STREAM``). Elements
that take no bytes (``stream`` without a type) are bounded only by ``max_list_length``.
"""

from __future__ import annotations

import codecs
import functools
import struct
from collections.abc import Generator

from wasmnet_reference.codec.encode import CANONICAL_NAN_F32, CANONICAL_NAN_F64
from wasmnet_reference.codec.leb128 import Buffer, decode_sleb, decode_uleb, max_bytes
from wasmnet_reference.errors import CodecError
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.rules import Rule
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
from wasmnet_reference.wit import types
from wasmnet_reference.wit.types import (
    EnumType,
    FlagsType,
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

# What a node hands back: a value, or the raw bytes of a ``list<u8>`` / handle body.
_Read = Value | bytes
_Parsed = tuple[_Read, int] | None

# uleb32 (core:u32): lengths, counts and case indexes; its first 4 bytes may all continue.
U32_BITS = 32
U32_MAX_BYTES = max_bytes(U32_BITS)

# Unicode Table 3-7 (well-formed UTF-8), as strict UTF-8 requires (wrpc.md §4): for each
# multi-byte lead byte, (sequence length, lowest and highest allowed second byte). Lead bytes
# absent here (80-C1, F5-FF) are ill-formed. E0 and F0 exclude overlong forms, ED excludes the
# surrogates D800-DFFF, F4 excludes code points above 10FFFF.
CONTINUATION_LOW = 0x80
CONTINUATION_HIGH = 0xBF
_UTF8_LEADS: dict[int, tuple[int, int, int]] = {
    **{lead: (2, 0x80, 0xBF) for lead in range(0xC2, 0xE0)},
    0xE0: (3, 0xA0, 0xBF),
    **{lead: (3, 0x80, 0xBF) for lead in range(0xE1, 0xED)},
    0xED: (3, 0x80, 0x9F),
    0xEE: (3, 0x80, 0xBF),
    0xEF: (3, 0x80, 0xBF),
    0xF0: (4, 0x90, 0xBF),
    **{lead: (4, 0x80, 0xBF) for lead in range(0xF1, 0xF4)},
    0xF4: (4, 0x80, 0x8F),
}
UTF8_INCOMPLETE = 0
UTF8_ILL_FORMED = -1


def _utf8_sequence(buf: Buffer, pos: int) -> int:
    """Length (1-4) of the well-formed UTF-8 sequence at ``buf[pos]``; ``UTF8_INCOMPLETE`` if
    ``buf`` ends while the bytes are still a valid beginning; ``UTF8_ILL_FORMED`` as soon as a
    byte cannot belong to a well-formed sequence."""
    end = len(buf)
    if pos >= end:
        return UTF8_INCOMPLETE
    lead = buf[pos]
    if lead < 0x80:
        return 1
    shape = _UTF8_LEADS.get(lead)
    if shape is None:
        return UTF8_ILL_FORMED
    length, low, high = shape
    for i in range(1, length):
        if pos + i >= end:
            return UTF8_INCOMPLETE
        if not low <= buf[pos + i] <= high:
            return UTF8_ILL_FORMED
        low, high = CONTINUATION_LOW, CONTINUATION_HIGH
    return length


# --------------------------------------------------------------------------------------- nodes


class _Leaf:
    """A construct of at most ``max_len`` bytes, parsed in one go once its bytes are there."""

    __slots__ = ("max_len", "truncated")

    def __init__(self, max_len: int, truncated: Rule) -> None:
        self.max_len = max_len
        self.truncated = truncated

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        """``(value, next_pos)``, ``None`` if ``buf`` ends first; offsets in errors are
        relative to ``buf``."""
        raise NotImplementedError


class _Body:
    """The announced bytes of a string or ``list<u8>``: consumed as they arrive."""

    truncated: Rule

    def take(self, buf: Buffer, pos: int) -> _Parsed:
        """Consume from ``buf[pos:]``; ``(value, next_pos)`` once complete, else ``None``
        (everything available was consumed)."""
        raise NotImplementedError


class _Composite:
    """A construct made of other nodes. ``truncated`` names the rule reported when input ends
    inside it (between its parts); ``None`` defers to the part being read."""

    truncated: Rule | None = None

    def walk(self) -> Generator[_Node, _Read, Value]:
        raise NotImplementedError


_Node = _Leaf | _Body | _Composite
_Walk = Generator[_Node, _Read, Value]


class _Tag(_Leaf):
    """One byte, 00 or 01, read as False / True: bool and the option, result and future
    discriminants (wrpc.md §3, §4)."""

    __slots__ = ("rule",)

    def __init__(self, rule: Rule) -> None:
        super().__init__(1, Rule.FIXED_WIDTH_TRUNCATED)
        self.rule = rule

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        if pos >= len(buf):
            return None
        byte = buf[pos]
        if byte > 1:
            raise CodecError(self.rule, f"byte {byte:#04x} is neither 00 nor 01", pos)
        return byte == 1, pos + 1


class _Byte(_Leaf):
    """u8 / s8: one raw byte, two's complement for s8."""

    __slots__ = ("signed",)

    def __init__(self, signed: bool) -> None:
        super().__init__(1, Rule.FIXED_WIDTH_TRUNCATED)
        self.signed = signed

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        if pos >= len(buf):
            return None
        byte = buf[pos]
        return (byte - 256 if self.signed and byte > 127 else byte), pos + 1


class _Leb(_Leaf):
    """u16..u64 / s16..s64: ``core:uN`` / ``core:sN`` (rules enforced by leb128.py)."""

    __slots__ = ("bits", "signed")

    def __init__(self, bits: int, signed: bool) -> None:
        super().__init__(max_bytes(bits), Rule.LEB128_TRUNCATED)
        self.bits = bits
        self.signed = signed

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        if self.signed:
            return decode_sleb(buf, pos, self.bits)
        return decode_uleb(buf, pos, self.bits)


class _Bounded(_Leaf):
    """A uleb32 that must not exceed ``maximum``: a length or count (bounded by a limit before
    anything is allocated) or a case index (bounded by the number of cases).

    The bound is checked as soon as the bytes read prove it broken: the payload bits of the
    leading continuation bytes are a lower bound of the value."""

    __slots__ = ("maximum", "rule")

    def __init__(self, maximum: int, rule: Rule) -> None:
        super().__init__(U32_MAX_BYTES, Rule.LEB128_TRUNCATED)
        self.maximum = maximum
        self.rule = rule

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        floor = 0
        for i in range(min(len(buf) - pos, U32_MAX_BYTES - 1)):
            byte = buf[pos + i]
            floor |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                break
        if floor > self.maximum:
            raise self._over(floor, pos)
        parsed = decode_uleb(buf, pos, U32_BITS)
        if parsed is not None and parsed[0] > self.maximum:
            raise self._over(parsed[0], pos)
        return parsed

    def _over(self, at_least: int, pos: int) -> CodecError:
        return CodecError(self.rule, f"{at_least} or more exceeds {self.maximum}", pos)


class _EnumCase(_Bounded):
    """enum: a uleb32 case index naming a declared case."""

    __slots__ = ("cases",)

    def __init__(self, cases: tuple[str, ...]) -> None:
        super().__init__(len(cases) - 1, Rule.ENUM_DISCRIMINANT)
        self.cases = cases

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        parsed = super().parse(buf, pos)
        if parsed is None:
            return None
        index, nxt = parsed
        assert isinstance(index, int)
        return EnumValue(self.cases[index]), nxt


class _Float(_Leaf):
    """f32 / f64 little-endian; a NaN is valid only as the canonical pattern (wrpc.md §4)."""

    __slots__ = ("canonical_nan", "fmt")

    def __init__(self, fmt: str, canonical_nan: bytes) -> None:
        super().__init__(len(canonical_nan), Rule.FIXED_WIDTH_TRUNCATED)
        self.fmt = fmt
        self.canonical_nan = canonical_nan

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        end = pos + self.max_len
        if end > len(buf):
            return None
        raw = bytes(buf[pos:end])
        x: float = struct.unpack(self.fmt, raw)[0]
        if x != x and raw != self.canonical_nan:
            raise CodecError(
                Rule.FLOAT_CANONICAL_NAN, f"NaN pattern {raw.hex()} is not canonical", pos
            )
        return x, end


class _Char(_Leaf):
    """char: the strict UTF-8 of one scalar value, 1-4 bytes, no prefix (wrpc.md §4)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(4, Rule.CHAR_TRUNCATED)

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        length = _utf8_sequence(buf, pos)
        if length == UTF8_INCOMPLETE:
            return None
        if length == UTF8_ILL_FORMED:
            raise CodecError(Rule.CHAR_UTF8, "ill-formed UTF-8 sequence", pos)
        return bytes(buf[pos : pos + length]).decode("utf-8"), pos + length


class _Flags(_Leaf):
    """flags: exactly ceil(N/8) bytes, label i = bit (i mod 8) of byte i // 8; a set bit beyond
    N is rejected (reference reading of ``Ambiguity.FLAGS_BITS_BEYOND_N``)."""

    __slots__ = ("labels",)

    def __init__(self, ty: FlagsType) -> None:
        super().__init__(ty.byte_width, Rule.FIXED_WIDTH_TRUNCATED)
        self.labels = ty.labels

    def parse(self, buf: Buffer, pos: int) -> _Parsed:
        end = pos + self.max_len
        if end > len(buf):
            return None
        bits = int.from_bytes(buf[pos:end], "little")
        if bits >> len(self.labels):
            raise CodecError(
                Rule.FLAGS_UNKNOWN_BIT,
                f"bit set beyond the {len(self.labels)} declared labels",
                end - 1,
            )
        return frozenset(x for i, x in enumerate(self.labels) if bits >> i & 1), end


class _Utf8Body(_Body):
    """A string's ``length`` bytes, strict UTF-8. All there at once: one ``bytes.decode``.
    Split: an incremental decoder, which rejects a bad sequence as soon as it is complete; the
    beginning it holds back is checked too, since CPython accepts ``ED A0`` (a surrogate's
    first two bytes) until the third arrives."""

    truncated = Rule.STRING_TRUNCATED

    def __init__(self, length: int) -> None:
        self.remaining = length
        self.decoder: codecs.BufferedIncrementalDecoder | None = None
        self.parts: list[str] = []

    def take(self, buf: Buffer, pos: int) -> _Parsed:
        count = min(len(buf) - pos, self.remaining)
        chunk = bytes(buf[pos : pos + count])
        done = count == self.remaining
        if self.decoder is None and done:
            try:
                return chunk.decode("utf-8"), pos + count
            except UnicodeDecodeError as e:
                raise CodecError(Rule.STRING_UTF8, e.reason, pos + e.start) from None
        if self.decoder is None:
            self.decoder = codecs.getincrementaldecoder("utf-8")()
        held = len(self.decoder.getstate()[0])  # bytes held back before this chunk
        try:
            self.parts.append(self.decoder.decode(chunk, done))
        except UnicodeDecodeError as e:
            raise CodecError(Rule.STRING_UTF8, e.reason, pos - held + e.start) from None
        self.remaining -= count
        if done:
            return "".join(self.parts), pos + count
        tail = self.decoder.getstate()[0]
        if _utf8_sequence(tail, 0) == UTF8_ILL_FORMED:
            raise CodecError(Rule.STRING_UTF8, "ill-formed UTF-8 sequence", pos + count - len(tail))
        return None


class _RawBody(_Body):
    """The ``length`` bytes of a ``list<u8>`` or handle blob, taken in bulk."""

    truncated = Rule.LIST_TRUNCATED

    def __init__(self, length: int) -> None:
        self.remaining = length
        self.parts = bytearray()

    def take(self, buf: Buffer, pos: int) -> _Parsed:
        count = min(len(buf) - pos, self.remaining)
        end = pos + count
        if count == self.remaining and not self.parts:
            return bytes(buf[pos:end]), end
        self.parts += buf[pos:end]
        self.remaining -= count
        return (bytes(self.parts), end) if self.remaining == 0 else None


class _String(_Composite):
    """string: uleb32 byte length (bounded by ``max_string_length``) ++ UTF-8."""

    truncated = Rule.STRING_TRUNCATED

    def __init__(self, length: _Bounded) -> None:
        self.length = length

    def walk(self) -> _Walk:
        length = yield self.length
        assert isinstance(length, int)
        text = yield _Utf8Body(length)
        assert isinstance(text, str)
        return text


_U8 = _Byte(signed=False)


def _elements(element: _Node | None, count: int) -> _Walk:
    """``count`` elements, already bounded by ``max_list_length``: in bulk for ``u8``, ``None``
    each when the element type is absent (``stream`` without a type)."""
    if element is None:
        return [None] * count
    if element is _U8:
        raw = yield _RawBody(count)
        assert isinstance(raw, bytes)
        return list(raw)
    items: list[Value] = []
    for _ in range(count):
        item = yield element
        items.append(item)  # type: ignore[arg-type]  # only _RawBody hands back bytes
    return items


class _List(_Composite):
    """list<T>: uleb32 element count (bounded by ``max_list_length``) ++ elements."""

    truncated = Rule.LIST_TRUNCATED

    def __init__(self, count: _Bounded, element: _Node) -> None:
        self.count = count
        self.element = element

    def walk(self) -> _Walk:
        count = yield self.count
        assert isinstance(count, int)
        return (yield from _elements(self.element, count))


class _Stream(_Composite):
    """stream<T>: a ``list<T>``; empty is PENDING, non-empty a ready stream (upstream reading,
    ``Ambiguity.READY_STREAM``)."""

    truncated = Rule.LIST_TRUNCATED

    def __init__(self, count: _Bounded, element: _Node | None) -> None:
        self.count = count
        self.element = element

    def walk(self) -> _Walk:
        count = yield self.count
        assert isinstance(count, int)
        if count == 0:
            return PENDING
        return Ready((yield from _elements(self.element, count)))


class _Handle(_Composite):
    """own<R> / borrow<R>: the opaque blob as ``list<u8>`` (wrpc.md §3, Resources)."""

    truncated = Rule.LIST_TRUNCATED

    def __init__(self, count: _Bounded) -> None:
        self.count = count

    def walk(self) -> _Walk:
        count = yield self.count
        assert isinstance(count, int)
        raw = yield _RawBody(count)
        assert isinstance(raw, bytes)
        return Handle(raw)


class _Tuple(_Composite):
    """tuple: the elements concatenated, no prefix."""

    def __init__(self, elements: tuple[_Node, ...]) -> None:
        self.elements = elements

    def walk(self) -> _Walk:
        items: list[Value] = []
        for element in self.elements:
            item = yield element
            items.append(item)  # type: ignore[arg-type]  # elements never hand back bytes
        return tuple(items)


class _Record(_Composite):
    """record: the fields concatenated in declaration order, no prefix."""

    def __init__(self, fields: tuple[tuple[str, _Node], ...]) -> None:
        self.fields = fields

    def walk(self) -> _Walk:
        out: dict[str, Value] = {}
        for name, node in self.fields:
            item = yield node
            out[name] = item  # type: ignore[assignment]  # fields never hand back bytes
        return out


class _Variant(_Composite):
    """variant: uleb32 case index (a declared case) ++ the case's payload, if it has one."""

    def __init__(self, cases: tuple[tuple[str, _Node | None], ...]) -> None:
        self.index = _Bounded(len(cases) - 1, Rule.VARIANT_DISCRIMINANT)
        self.cases = cases

    def walk(self) -> _Walk:
        index = yield self.index
        assert isinstance(index, int)
        name, payload_node = self.cases[index]
        payload = None if payload_node is None else (yield payload_node)
        return VariantValue(name, payload)  # type: ignore[arg-type]


_OPTION_TAG = _Tag(Rule.OPTION_DISCRIMINANT)
_RESULT_TAG = _Tag(Rule.RESULT_DISCRIMINANT)
_FUTURE_TAG = _Tag(Rule.FUTURE_DISCRIMINANT)


class _Option(_Composite):
    """option<T>: 00 none, 01 ++ T some."""

    def __init__(self, inner: _Node) -> None:
        self.inner = inner

    def walk(self) -> _Walk:
        if not (yield _OPTION_TAG):
            return None
        value = yield self.inner
        return Some(value)  # type: ignore[arg-type]


class _Result(_Composite):
    """result<T, E>: 00 ++ T ok, 01 ++ E error; an absent payload type takes no bytes."""

    def __init__(self, ok: _Node | None, err: _Node | None) -> None:
        self.ok = ok
        self.err = err

    def walk(self) -> _Walk:
        is_err = yield _RESULT_TAG
        node = self.err if is_err else self.ok
        payload = None if node is None else (yield node)
        return Err(payload) if is_err else Ok(payload)  # type: ignore[arg-type]


class _Future(_Composite):
    """future<T>: ``variant { pending, ready(T) }``, 00 or 01 ++ T (wrpc.md §3)."""

    def __init__(self, inner: _Node | None) -> None:
        self.inner = inner

    def walk(self) -> _Walk:
        if not (yield _FUTURE_TAG):
            return PENDING
        value = None if self.inner is None else (yield self.inner)
        return Ready(value)  # type: ignore[arg-type]


_PRIM_LEAVES: dict[Prim, _Leaf] = {
    Prim.BOOL: _Tag(Rule.BOOL_BYTE),
    Prim.U8: _U8,
    Prim.S8: _Byte(signed=True),
    **{p: _Leb(p.bits, p.signed) for p in Prim if p.is_integer and p.bits > 8},
    Prim.F32: _Float("<f", CANONICAL_NAN_F32),
    Prim.F64: _Float("<d", CANONICAL_NAN_F64),
    Prim.CHAR: _Char(),
}


@functools.lru_cache(maxsize=256)
def _compile(ty: WitType, limits: Limits) -> _Node:
    """The node tree of ``ty``. Recursion follows the type, whose depth is already bounded."""
    if isinstance(ty, Prim):
        if ty is Prim.STRING:
            return _String(_Bounded(limits.max_string_length, Rule.LIMIT_STRING_LENGTH))
        return _PRIM_LEAVES[ty]
    if isinstance(ty, EnumType):
        return _EnumCase(ty.cases)
    if isinstance(ty, FlagsType):
        return _Flags(ty)
    count = _Bounded(limits.max_list_length, Rule.LIMIT_LIST_LENGTH)
    if isinstance(ty, HandleType):
        return _Handle(count)
    if isinstance(ty, ListType):
        return _List(count, _compile(ty.element, limits))
    if isinstance(ty, StreamType):
        return _Stream(count, _compile_optional(ty.inner, limits))
    if isinstance(ty, TupleType):
        return _Tuple(tuple(_compile(t, limits) for t in ty.elements))
    if isinstance(ty, RecordType):
        return _Record(tuple((f.name, _compile(f.type, limits)) for f in ty.fields))
    if isinstance(ty, VariantType):
        return _Variant(tuple((c.name, _compile_optional(c.type, limits)) for c in ty.cases))
    if isinstance(ty, OptionType):
        return _Option(_compile(ty.inner, limits))
    if isinstance(ty, ResultType):
        return _Result(_compile_optional(ty.ok, limits), _compile_optional(ty.err, limits))
    return _Future(_compile_optional(ty.inner, limits))


def _compile_optional(ty: WitType | None, limits: Limits) -> _Node | None:
    return None if ty is None else _compile(ty, limits)


# ------------------------------------------------------------------------------------- decoder


def _moved(error: CodecError, base: int) -> CodecError:
    """``error`` with its offset made relative to the start of the value."""
    if base == 0 or error.offset is None:
        return error
    return CodecError(error.rule, error.detail, error.offset + base)


class ValueDecoder:
    """Sans-IO incremental decoder of ONE value of a type.

    ``feed`` bytes as they arrive (any split), then ``end`` when the input is over; ``done`` and
    ``value`` give the result. The type's depth is checked against ``limits.max_depth`` here,
    lengths and counts against their limits as soon as they are read."""

    def __init__(self, ty: WitType, limits: Limits = DEFAULT_LIMITS) -> None:
        depth = types.depth(ty)
        if depth > limits.max_depth:
            raise CodecError(
                Rule.LIMIT_DEPTH, f"type depth {depth} exceeds {limits.max_depth}", 0
            )
        self._stack: list[_Walk] = []
        # Per stack entry: its truncation rule and the offset where it began.
        self._frames: list[tuple[Rule | None, int]] = []
        self._leaf: _Node = _compile(ty, limits)  # the node waiting for bytes
        self._carry = bytearray()  # the bytes of a cut-off leaf, from its first byte
        self._taken = 0  # bytes taken so far: the offset of the next input byte
        self._done = False
        self._value: Value = None
        self._error: CodecError | None = None
        self.feed(b"")  # settle a value that takes no bytes (e.g. flags without labels)

    @property
    def done(self) -> bool:
        return self._done

    @property
    def value(self) -> Value:
        if not self._done:
            raise RuntimeError("the value is not complete")
        return self._value

    def feed(self, data: bytes | bytearray | memoryview) -> int:
        """Take bytes until the value is complete; returns how many bytes of ``data`` were
        consumed (bytes after the end of the value are not). Raises CodecError as soon as the
        bytes seen break a rule; after that, every call raises the same error."""
        if self._error is not None:
            raise self._error
        if self._done:
            return 0
        try:
            with memoryview(data) as view:
                return self._feed(view.cast("B"))
        except CodecError as e:
            # A fresh copy: the traceback of ``e`` holds frames whose views pin ``data``.
            self._error = CodecError(e.rule, e.detail, e.offset)
        raise self._error

    def end(self) -> None:
        """Input ended: raise the truncation rule of the construct being read if not done.

        That construct is the cut-off leaf if it has begun; else the innermost string or list
        that has begun (input ended between its parts); else the leaf that was about to begin."""
        if self._error is not None:
            raise self._error
        if self._done:
            return
        rule = self._leaf.truncated
        if not self._carry and not isinstance(self._leaf, _Body):
            for frame_rule, start in reversed(self._frames):
                if frame_rule is not None and start < self._taken:
                    rule = frame_rule
                    break
        assert rule is not None  # leaves and bodies always name one
        self._error = CodecError(rule, f"input ended after {self._taken} bytes", self._taken)
        raise self._error

    def _feed(self, data: memoryview) -> int:
        node: _Node | None = self._leaf
        value: _Read = None
        pos = 0
        if self._carry:
            # The cut-off leaf again, from its first byte: carry ++ just enough new bytes.
            assert isinstance(node, _Leaf)
            carried = len(self._carry)
            chunk = bytes(self._carry) + bytes(data[: node.max_len - carried])
            try:
                parsed = node.parse(chunk, 0)
            except CodecError as e:
                raise _moved(e, self._taken - carried) from None
            if parsed is None:
                self._carry = bytearray(chunk)
                self._taken += len(data)
                return len(data)
            value, pos = parsed
            pos -= carried
            node = None
            self._carry = bytearray()
        base = self._taken
        try:
            stop = self._run(data, pos, base, node, value)
        except CodecError as e:
            raise _moved(e, base) from None
        self._taken = base + stop
        return stop

    def _run(self, buf: memoryview, pos: int, base: int, node: _Node | None, value: _Read) -> int:
        """Read from ``buf[pos:]``, starting with ``node`` (or by handing ``value`` up when
        ``node`` is None). Returns where reading stopped: the end of the value, or the end of
        ``buf`` when it ran out (the cut-off leaf's bytes are then kept in the carry)."""
        stack = self._stack
        frames = self._frames
        while True:
            if node is None:
                if not stack:
                    self._done = True
                    self._value = value  # type: ignore[assignment]  # the root is never a body
                    return pos
                try:
                    node = stack[-1].send(value)
                except StopIteration as stop:
                    stack.pop()
                    frames.pop()
                    value = stop.value
                    continue
            if isinstance(node, _Leaf):
                parsed = node.parse(buf, pos)
            elif isinstance(node, _Body):
                parsed = node.take(buf, pos)
            else:
                stack.append(node.walk())
                frames.append((node.truncated, base + pos))
                node = None
                value = None
                continue
            if parsed is None:
                self._leaf = node
                if isinstance(node, _Leaf):
                    self._carry = bytearray(buf[pos:])
                return len(buf)
            value, pos = parsed
            node = None


def decode_prefix(
    data: bytes | bytearray | memoryview, ty: WitType, limits: Limits = DEFAULT_LIMITS
) -> tuple[Value, int]:
    """The value at the start of ``data`` and how many bytes it took."""
    decoder = ValueDecoder(ty, limits)
    used = decoder.feed(data)
    decoder.end()
    return decoder.value, used


def decode_value(
    data: bytes | bytearray | memoryview, ty: WitType, limits: Limits = DEFAULT_LIMITS
) -> Value:
    """Exactly one value of ``ty``: bytes left over raise ``Rule.TRAILING_BYTES``."""
    value, used = decode_prefix(data, ty, limits)
    if used != len(data):
        raise CodecError(
            Rule.TRAILING_BYTES, f"{len(data) - used} bytes after the value", used
        )
    return value
