"""Values with futures and streams, assembled from a stream's per-path bytes (wrpc.md §3).

Sans-IO: feed ``(path, bytes)`` as frame data arrives, in any split. The root channel carries
the values in declaration order with a *pending* marker for every future or stream whose data
follows on its own path; a pending stream's path carries ``list<T>`` chunks ended by an empty
one, a pending future's path carries one ``T``. When everything is complete, :attr:`values`
holds the values with each pending marker replaced by ``Ready(...)``.

Supported shapes (the ones whose paths wrpc.md §3 pins down): futures and streams of a type
without further async parts, at any position reached through tuples, records and lists.
A future or stream under a variant, option or result payload is refused up front
(``[ambiguous] variant-payload-path``), as is an untyped ``future`` / ``stream`` (its data has
no byte form to wait for).

Bytes that no value accounts for (after the root values, on a path that names no pending value,
after a stream's end marker or a future's value) are not an error here: they are recorded in
:attr:`unclaimed`, because whether they break the call is a profile decision (rules.py,
``RESULT_TRAILING``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wasmnet_reference.codec import ValueDecoder
from wasmnet_reference.errors import CodecError
from wasmnet_reference.framing import ROOT, Path
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wit.types import (
    FutureType,
    ListType,
    OptionType,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
    children,
    is_async,
)

MAX_EARLY_BYTES = 1 << 20
"""Non-root bytes held before the root values say which paths exist (bounded: robustness)."""

STREAM_UNTERMINATED = "stream.unterminated"
FUTURE_UNRESOLVED = "future.unresolved"
EARLY_DATA_LIMIT = "limit.early-data"


class UnsupportedShape(ValueError):
    """A type whose async parts this assembler does not place on paths (see module doc)."""


class AssemblyError(Exception):
    """The bytes break a rule: ``rule`` is a codec rule id (``value.string-utf8``...) or one of
    this module's ids (``stream.unterminated``...)."""

    def __init__(self, rule: str, detail: str) -> None:
        self.rule = rule
        self.detail = detail
        super().__init__(f"{rule}: {detail}")


def check_supported(ty: WitType) -> None:
    """Raise UnsupportedShape unless every future/stream in ``ty`` can be assembled here."""
    if isinstance(ty, (FutureType, StreamType)):
        if ty.inner is None:
            raise UnsupportedShape(f"untyped {type(ty).__name__} has no data to wait for")
        if is_async(ty.inner):
            raise UnsupportedShape("a future or stream nested in a future or stream")
        return
    if isinstance(ty, (VariantType, OptionType, ResultType)) and is_async(ty):
        raise UnsupportedShape("a future or stream under a variant/option/result payload")
    for child in children(ty):
        check_supported(child)


@dataclass(frozen=True)
class AsyncSlot:
    """A future or stream inside a value: its path, its type and its value there."""

    path: Path
    type: FutureType | StreamType
    value: Value


def async_slots(values: Sequence[Value], types: Sequence[WitType]) -> list[AsyncSlot]:
    """Every future/stream position in ``values`` (value ``i`` is path ``(i,)``; record fields,
    tuple elements and list elements append their index), in value order."""
    out: list[AsyncSlot] = []
    for i, (value, ty) in enumerate(zip(values, types, strict=True)):
        _walk(value, ty, (i,), out)
    return out


def _walk(value: Value, ty: WitType, path: Path, out: list[AsyncSlot]) -> None:
    if isinstance(ty, (FutureType, StreamType)):
        out.append(AsyncSlot(path, ty, value))
    elif not is_async(ty):
        return
    elif isinstance(ty, TupleType):
        assert isinstance(value, tuple)
        for j, (v, t) in enumerate(zip(value, ty.elements, strict=True)):
            _walk(v, t, (*path, j), out)
    elif isinstance(ty, RecordType):
        assert isinstance(value, dict)
        for j, f in enumerate(ty.fields):
            _walk(value[f.name], f.type, (*path, j), out)
    elif isinstance(ty, ListType):
        assert isinstance(value, list)
        for k, v in enumerate(value):
            _walk(v, ty.element, (*path, k), out)
    else:
        raise UnsupportedShape(f"async value under {type(ty).__name__}")


def replace_slots(
    values: Sequence[Value], types: Sequence[WitType], new: Callable[[AsyncSlot], Value]
) -> tuple[Value, ...]:
    """``values`` with the value at each async slot replaced by ``new(slot)``."""
    return tuple(
        _replace(v, t, (i,), new) for i, (v, t) in enumerate(zip(values, types, strict=True))
    )


def _replace(value: Value, ty: WitType, path: Path, new: Callable[[AsyncSlot], Value]) -> Value:
    if isinstance(ty, (FutureType, StreamType)):
        return new(AsyncSlot(path, ty, value))
    if not is_async(ty):
        return value
    if isinstance(ty, TupleType):
        assert isinstance(value, tuple)
        return tuple(
            _replace(v, t, (*path, j), new)
            for j, (v, t) in enumerate(zip(value, ty.elements, strict=True))
        )
    if isinstance(ty, RecordType):
        assert isinstance(value, dict)
        return {
            f.name: _replace(value[f.name], f.type, (*path, j), new)
            for j, f in enumerate(ty.fields)
        }
    if isinstance(ty, ListType):
        assert isinstance(value, list)
        return [_replace(v, ty.element, (*path, k), new) for k, v in enumerate(value)]
    raise UnsupportedShape(f"async value under {type(ty).__name__}")


class _Stream:
    """A pending stream's path: ``list<T>`` chunks until an empty one."""

    def __init__(self, element: WitType, limits: Limits) -> None:
        self._element = element
        self._limits = limits
        self._chunk = ValueDecoder(ListType(element), limits)
        self._chunk_started = False
        self.items: list[Value] = []
        self.done = False

    def feed(self, data: memoryview) -> int:
        """Bytes of ``data`` taken (the rest comes after the end marker)."""
        taken = 0
        while taken < len(data) and not self.done:
            taken += self._chunk.feed(data[taken:])
            self._chunk_started = True
            if self._chunk.done:
                chunk = self._chunk.value
                assert isinstance(chunk, list)
                if chunk:
                    self.items.extend(chunk)
                    self._chunk = ValueDecoder(ListType(self._element), self._limits)
                    self._chunk_started = False
                else:
                    self.done = True
        return taken

    def end(self) -> None:
        if not self.done:
            if self._chunk_started:
                self._chunk.end()  # a chunk cut short names its own truncation rule
            raise AssemblyError(STREAM_UNTERMINATED, "the stream did not end with an empty list")

    def result(self) -> Value:
        return Ready(self.items)


class _Future:
    """A pending future's path: one ``T``."""

    def __init__(self, inner: WitType, limits: Limits) -> None:
        self._value = ValueDecoder(inner, limits)
        self._started = False

    @property
    def done(self) -> bool:
        return self._value.done

    def feed(self, data: memoryview) -> int:
        self._started = self._started or len(data) > 0
        return self._value.feed(data)

    def end(self) -> None:
        if not self._value.done:
            if not self._started:
                raise AssemblyError(FUTURE_UNRESOLVED, "the pending future got no value")
            self._value.end()  # names the truncation rule of the value cut short

    def result(self) -> Value:
        return Ready(self._value.value)


class AsyncAssembler:
    """Values of ``types`` (a function's parameters or results) from per-path bytes."""

    def __init__(self, types: Sequence[WitType], limits: Limits = DEFAULT_LIMITS) -> None:
        for ty in types:
            check_supported(ty)
        self._types = tuple(types)
        self._limits = limits
        # One decoder per value, in order (a tuple around them would count against max_depth).
        self._decoders = [ValueDecoder(t, limits) for t in self._types]
        self._root_taken = bytearray()
        self._slots: dict[Path, _Stream | _Future] | None = None  # known once the root is done
        self._early: dict[Path, bytearray] = {}
        self._early_size = 0
        self.unclaimed: list[str] = []
        """One line per run of bytes no value accounts for."""
        if self._root_complete():  # e.g. no values: nothing to wait for on the root
            self._open_slots()

    @property
    def root_done(self) -> bool:
        return self._slots is not None

    @property
    def done(self) -> bool:
        return self._slots is not None and all(s.done for s in self._slots.values())

    @property
    def root_values(self) -> tuple[Value, ...]:
        """The values as the root channel carried them (pending markers in place)."""
        return tuple(d.value for d in self._decoders)

    def _root_complete(self) -> bool:
        return all(d.done for d in self._decoders)

    @property
    def root_bytes(self) -> bytes:
        """The root bytes the values took (for canonical-encoding checks)."""
        return bytes(self._root_taken)

    @property
    def values(self) -> tuple[Value, ...]:
        """The complete values; only when :attr:`done`."""
        if not self.done:
            raise RuntimeError("the values are not complete")
        slots = self._slots
        assert slots is not None
        return replace_slots(
            self.root_values,
            self._types,
            lambda s: slots[s.path].result() if s.path in slots else s.value,
        )

    def feed(self, path: Path, data: bytes) -> None:
        """Data of a frame on ``path``. Raises AssemblyError."""
        if not data:
            return
        try:
            self._feed(path, memoryview(data))
        except CodecError as e:
            raise AssemblyError(e.rule.id, f"path {list(path)}: {e}") from None

    def _feed(self, path: Path, data: memoryview) -> None:
        if path == ROOT:
            if self._slots is not None:
                self.unclaimed.append(f"{len(data)} root bytes after the values")
                return
            taken = 0
            for decoder in self._decoders:
                if not decoder.done:
                    taken += decoder.feed(data[taken:])
                    if not decoder.done:
                        break
            self._root_taken += data[:taken]
            if self._root_complete():
                self._open_slots()
                if taken < len(data):
                    self.unclaimed.append(f"{len(data) - taken} root bytes after the values")
            return
        if self._slots is None:
            self._early_size += len(data)
            if self._early_size > MAX_EARLY_BYTES:
                raise AssemblyError(
                    EARLY_DATA_LIMIT,
                    f"more than {MAX_EARLY_BYTES} non-root bytes before the root values",
                )
            self._early.setdefault(path, bytearray()).extend(data)
            return
        self._feed_slot(path, data)

    def _feed_slot(self, path: Path, data: memoryview) -> None:
        assert self._slots is not None
        slot = self._slots.get(path)
        if slot is None:
            self.unclaimed.append(f"{len(data)} bytes on path {list(path)}, which names no "
                                  "pending future or stream")
            return
        if slot.done:
            self.unclaimed.append(f"{len(data)} bytes on path {list(path)} after its end")
            return
        taken = slot.feed(data)
        if taken < len(data):
            self.unclaimed.append(f"{len(data) - taken} bytes on path {list(path)} after its end")

    def _open_slots(self) -> None:
        slots: dict[Path, _Stream | _Future] = {}
        for s in async_slots(self.root_values, self._types):
            if s.value is not PENDING:
                continue
            assert s.type.inner is not None  # check_supported
            if isinstance(s.type, StreamType):
                slots[s.path] = _Stream(s.type.inner, self._limits)
            else:
                slots[s.path] = _Future(s.type.inner, self._limits)
        self._slots = slots
        early, self._early = self._early, {}
        for path, data in early.items():
            self._feed_slot(path, memoryview(bytes(data)))

    def end(self) -> None:
        """End of stream: raises AssemblyError if a value is incomplete."""
        try:
            if self._slots is None:
                for decoder in self._decoders:
                    decoder.end()  # the first incomplete one names its truncation rule
                return
            for path, slot in self._slots.items():
                try:
                    slot.end()
                except AssemblyError as e:
                    raise AssemblyError(e.rule, f"path {list(path)}: {e.detail}") from None
        except CodecError as e:
            raise AssemblyError(e.rule.id, str(e)) from None
