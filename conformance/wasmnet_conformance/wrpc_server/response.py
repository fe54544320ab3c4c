"""Reassemble a server's results from its framed byte stream (sans-IO).

The server sends frames only (wrpc.md §2). The root channel carries the result value; a future
or stream inside it that is *pending* (wrpc.md §3) gets its data on its own path: a future one
value, a stream ``list<T>`` chunks ending with an empty chunk. Frame boundaries carry no
meaning, so everything is decoded per path as a byte stream.

Where the spec leaves a path open, every reading is accepted and the one the server took is
recorded (``readings``):

- ``variant-payload-path`` (wrpc.md §3 [ambiguous]): async data inside an option, result or
  variant payload travels on the parent's path (upstream) or with the case index appended
  (SPEC.md);
- ``nested-async-path`` (not written down): a pending future or stream inside a future's value
  continues on the future's own path or on that path with ``0`` appended.

The judge needs four answers: are the results complete, is the stream malformed (and why),
what is the value (with futures and streams resolved to ``Ready``), and were the bytes the
canonical encoding.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

from wasmnet_reference.codec import ValueDecoder, encode_value
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing import ROOT, FrameData, FrameStart, Path, StreamDecoder
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.rules import Ambiguity
from wasmnet_reference.values import PENDING, Err, Ok, Ready, Some, Value, VariantValue
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
    is_async,
)

MAX_UNCLAIMED_BYTES = 1 << 20
"""Bytes on paths no pending value has claimed yet are held, up to this bound."""

VARIANT_PAYLOAD_PATH = Ambiguity.VARIANT_PAYLOAD_PATH.value
NESTED_ASYNC_PATH = "nested-async-path"
RESULT_ASYNC_FORM = "result-async-form"
"""Reading keys: how the server laid out async results (recorded, never judged)."""

Candidate = tuple[Path, tuple[tuple[str, str], ...]]
"""A path a pending value's data may take, with the readings that path implies."""


@dataclass
class _Slot:
    """A pending future or stream of the results and the data decoded for it so far."""

    stream: bool
    inner: WitType | None
    candidates: tuple[Candidate, ...]
    path: Path | None = None
    decoder: ValueDecoder | None = None
    done: bool = False
    value: Value = None
    elements: list[Value] = field(default_factory=list)
    children: list[_Slot] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)


class ResultError(Exception):
    """The server's stream breaks the framing or the value encoding of the results."""


class ResponseAssembler:
    """Feed the server's bytes (any split); then ``end()`` at its end-of-stream."""

    def __init__(self, result: WitType | None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.result = result
        self._limits = limits
        self._frames = StreamDecoder(expect_header=False, limits=limits)
        self._root: ValueDecoder | None = None if result is None else ValueDecoder(result, limits)
        self.root_bytes = bytearray()
        self.root_value: Value = None
        self.root_done = result is None
        self._root_extra = 0
        self._slots: list[_Slot] = []
        self._open: dict[Path, _Slot] = {}
        self._waiting: list[_Slot] = []
        self._unclaimed: dict[Path, bytearray] = {}
        self._unclaimed_total = 0
        self._seen_frames: set[Path] = set()
        self.chunks_noncanonical = 0
        self.readings: dict[str, str] = {}
        self.error: str | None = None
        self.ended = False
        self.frames = 0
        self.empty_frames = 0

    # ------------------------------------------------------------------------------ input

    def feed(self, data: bytes) -> None:
        """Never raises: the first broken rule is kept in ``error`` and input then ignored."""
        if self.error is not None:
            return
        try:
            for event in self._frames.feed(data):
                if type(event) is FrameStart:
                    self.frames += 1
                    self.empty_frames += event.length == 0
                    self._seen_frames.add(event.path)
                    self._unit_futures(event.path)
                elif type(event) is FrameData and event.data:
                    if event.path == ROOT:
                        self._feed_root(event.data)
                    else:
                        self._feed_path(event.path, event.data)
        except (WireError, ResultError) as e:
            self.error = str(e)

    def end(self) -> None:
        """The server's end-of-stream: a frame cut short is an error."""
        self.ended = True
        if self.error is not None:
            return
        try:
            self._frames.end()
        except WireError as e:
            self.error = f"stream ended inside a frame: {e}"

    # ------------------------------------------------------------------------------ state

    @property
    def complete(self) -> bool:
        """All results arrived: the root value, and every pending future's value and stream's
        end marker. With no result type, completion is the server's end-of-stream (wrpc.md
        §3)."""
        if self.error is not None:
            return False
        if self.result is None:
            return self.ended and not self.root_bytes
        return self.root_done and all(s.done for s in self._slots)

    @property
    def value(self) -> Value:
        """The results with every future and stream resolved to ``Ready``; needs
        ``complete``."""
        if self.result is None:
            return None
        return _resolve(self.result, self.root_value, iter(self._slots))

    @property
    def canonical(self) -> bool:
        """The root bytes (and every async chunk) are what a canonical encoder writes."""
        if self.result is None or not self.root_done:
            return True
        try:
            root_ok = encode_value(self.root_value, self.result) == bytes(self.root_bytes)
        except WireError:
            root_ok = False
        return root_ok and self.chunks_noncanonical == 0

    def elements(self, path: Path | None = None) -> int:
        """Result stream elements received so far (on ``path``, or on all paths)."""
        return sum(
            len(s.elements) for s in self._slots if s.stream and (path is None or s.path == path)
        )

    def leftovers(self) -> list[Path]:
        """Paths whose data no pending value claimed (meaningful once the stream ended)."""
        return sorted(p for p, b in self._unclaimed.items() if b)

    def problem(self) -> str | None:
        """Why the results are malformed, if they are: a framing or value error, bytes after
        the root value, or data on paths no pending value names."""
        if self.error is not None:
            return self.error
        if self.result is None and self.root_bytes:
            return f"{len(self.root_bytes)} root bytes for a function without results"
        if self._root_extra:
            return f"{self._root_extra} root bytes after the result value"
        if self.ended or self.complete:
            stray = self.leftovers()
            if stray:
                return f"data on path(s) {stray} that name no pending future or stream"
        return None

    # ------------------------------------------------------------------------------ root

    def _feed_root(self, data: bytes) -> None:
        self.root_bytes += data
        if self._root is None or self.root_done:
            self._root_extra += len(data)
            return
        used = self._root.feed(data)
        if not self._root.done:
            return
        self._root_extra += len(data) - used
        self.root_done = True
        self.root_value = self._root.value
        assert self.result is not None
        if _has_pending(self.result, self.root_value):
            self.readings[RESULT_ASYNC_FORM] = "pending"
        slots: list[_Slot] = []
        _walk(self.result, self.root_value, (((0,), ()),), slots)
        self._slots.extend(slots)
        for slot in slots:
            self._register(slot)

    # ------------------------------------------------------------------------------ paths

    def _register(self, slot: _Slot) -> None:
        """Wait for data on the slot's candidate paths; take held bytes if there are any."""
        self._waiting.append(slot)
        for path, _ in slot.candidates:
            unit_seen = _is_unit_future(slot) and path in self._seen_frames
            if self._unclaimed.get(path) or unit_seen:
                self._claim(slot, path)
                held = self._unclaimed.pop(path, bytearray())
                self._unclaimed_total -= len(held)
                if unit_seen:
                    self._finish(slot)
                if held:
                    self._deliver(slot, bytes(held))
                return

    def _claim(self, slot: _Slot, path: Path) -> None:
        slot.path = path
        self._waiting.remove(slot)
        self._open[path] = slot
        for key, reading in dict(slot.candidates)[path]:
            previous = self.readings.get(key)
            self.readings[key] = reading if previous in (None, reading) else "mixed"

    def _feed_path(self, path: Path, data: bytes) -> None:
        slot = self._open.get(path)
        if slot is None:
            slot = next(
                (s for s in self._waiting if any(p == path for p, _ in s.candidates)), None
            )
            if slot is not None:
                self._claim(slot, path)
        if slot is None:
            self._hold(path, data)
            return
        self._deliver(slot, data)

    def _hold(self, path: Path, data: bytes) -> None:
        self._unclaimed_total += len(data)
        if self._unclaimed_total > MAX_UNCLAIMED_BYTES:
            raise ResultError(
                f"more than {MAX_UNCLAIMED_BYTES} bytes on paths that name no pending value"
            )
        self._unclaimed.setdefault(path, bytearray()).extend(data)

    def _unit_futures(self, path: Path) -> None:
        """A pending ``future`` without a type resolves with a frame on its path (its value
        takes no bytes)."""
        slot = next(
            (
                s
                for s in self._waiting
                if _is_unit_future(s) and any(p == path for p, _ in s.candidates)
            ),
            None,
        )
        if slot is not None:
            self._claim(slot, path)
            self._finish(slot)

    def _deliver(self, slot: _Slot, data: bytes) -> None:
        """Decode ``data`` as the next bytes of the slot's value or stream chunks."""
        assert slot.path is not None
        pos = 0
        while pos < len(data):
            if slot.done:
                # A future's value is complete, or a stream ended: later bytes on this path
                # belong to a nested pending value, if one claims them.
                self._feed_path(slot.path, data[pos:])
                return
            if slot.inner is None and not slot.stream:
                raise ResultError(f"bytes on path {list(slot.path)} for a future without type")
            ty: WitType = StreamType(slot.inner) if slot.stream else _some(slot.inner)
            if slot.decoder is None:
                slot.decoder = ValueDecoder(ty, self._limits)
                slot.raw = bytearray()
            try:
                used = slot.decoder.feed(data[pos:])
            except WireError as e:
                raise ResultError(f"path {list(slot.path)}: {e}") from None
            slot.raw += data[pos : pos + used]
            pos += used
            if not slot.decoder.done:
                return
            item = slot.decoder.value
            slot.decoder = None
            try:
                if encode_value(item, ty) != bytes(slot.raw):
                    self.chunks_noncanonical += 1
            except WireError:
                self.chunks_noncanonical += 1
            self._item(slot, item)

    def _item(self, slot: _Slot, item: Value) -> None:
        assert slot.path is not None
        if slot.stream:
            if item is PENDING:  # an empty list<T> chunk: the end marker (wrpc.md §3)
                self._finish(slot)
                return
            assert isinstance(item, Ready) and isinstance(item.value, list)
            base = len(slot.elements)
            slot.elements.extend(item.value)
            if slot.inner is not None:
                inner = slot.inner
                for k, element in enumerate(item.value):
                    nested: list[_Slot] = []
                    _walk(inner, element, (((*slot.path, base + k), ()),), nested)
                    self._adopt(slot, nested)
            return
        slot.value = item
        assert slot.inner is not None
        nested = []
        _walk(slot.inner, item, _nested_candidates(((slot.path, ()),)), nested)
        self._finish(slot)
        self._adopt(slot, nested)

    def _adopt(self, parent: _Slot, nested: list[_Slot]) -> None:
        parent.children.extend(nested)
        for child in nested:
            self._slots.append(child)
            self._register(child)

    def _finish(self, slot: _Slot) -> None:
        slot.done = True
        if slot.path is not None and self._open.get(slot.path) is slot:
            del self._open[slot.path]


@functools.lru_cache(maxsize=4096)
def _has_async(ty: WitType) -> bool:
    return is_async(ty)


def _is_unit_future(slot: _Slot) -> bool:
    return not slot.stream and slot.inner is None


def _some(inner: WitType | None) -> WitType:
    assert inner is not None
    return inner


def _has_pending(ty: WitType, value: Value) -> bool:
    found: list[_Slot] = []
    _walk(ty, value, (((0,), ()),), found)
    return bool(found)


def _payload(cands: tuple[Candidate, ...], index: int) -> tuple[Candidate, ...]:
    """A variant / option / result payload: the parent's path or the case index appended."""
    out: list[Candidate] = []
    for path, readings in cands:
        out.append((path, (*readings, (VARIANT_PAYLOAD_PATH, "parent-path"))))
        out.append(((*path, index), (*readings, (VARIANT_PAYLOAD_PATH, "case-index-appended"))))
    return tuple(out)


def _nested_candidates(cands: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
    out: list[Candidate] = []
    for path, readings in cands:
        out.append((path, (*readings, (NESTED_ASYNC_PATH, "same-path"))))
        out.append(((*path, 0), (*readings, (NESTED_ASYNC_PATH, "0-appended"))))
    return tuple(out)


def _append(cands: tuple[Candidate, ...], index: int) -> tuple[Candidate, ...]:
    return tuple(((*path, index), readings) for path, readings in cands)


def _walk(ty: WitType, value: Value, cands: tuple[Candidate, ...], out: list[_Slot]) -> None:
    """Append a slot for every pending future or stream in ``value``, in a fixed order that
    :func:`_resolve` repeats. Paths: record field / tuple element / list element ``j``
    appends ``j`` (wrpc.md §3). Subtrees without async types are skipped (the candidate
    paths would otherwise double at every option level)."""
    if not _has_async(ty):
        return
    if isinstance(ty, FutureType):
        if value is PENDING:
            out.append(_Slot(False, ty.inner, cands))
        elif isinstance(value, Ready) and ty.inner is not None:
            _walk(ty.inner, value.value, _nested_candidates(cands), out)
    elif isinstance(ty, StreamType):
        if value is PENDING:
            out.append(_Slot(True, ty.inner, cands))
        elif isinstance(value, Ready) and ty.inner is not None:
            for k, element in enumerate(value.value):  # type: ignore[arg-type]
                _walk(ty.inner, element, _append(cands, k), out)
    elif isinstance(ty, RecordType) and isinstance(value, dict):
        for j, f in enumerate(ty.fields):
            _walk(f.type, value[f.name], _append(cands, j), out)
    elif isinstance(ty, TupleType) and isinstance(value, tuple):
        for j, (et, v) in enumerate(zip(ty.elements, value, strict=True)):
            _walk(et, v, _append(cands, j), out)
    elif isinstance(ty, ListType) and isinstance(value, list):
        for k, v in enumerate(value):
            _walk(ty.element, v, _append(cands, k), out)
    elif isinstance(ty, OptionType) and isinstance(value, Some):
        _walk(ty.inner, value.value, _payload(cands, 1), out)
    elif isinstance(ty, ResultType) and isinstance(value, (Ok, Err)):
        side, index = (ty.ok, 0) if isinstance(value, Ok) else (ty.err, 1)
        if side is not None:
            _walk(side, value.value, _payload(cands, index), out)
    elif isinstance(ty, VariantType) and isinstance(value, VariantValue):
        for index, case in enumerate(ty.cases):
            if case.name == value.case and case.type is not None:
                _walk(case.type, value.payload, _payload(cands, index), out)


def _resolve(ty: WitType, value: Value, slots: Iterator[_Slot]) -> Value:
    """``value`` with each pending future / stream replaced by ``Ready`` of its data; walks in
    :func:`_walk`'s order, taking one slot per pending value."""
    if not _has_async(ty):
        return value
    if isinstance(ty, FutureType):
        if value is PENDING:
            slot = next(slots)
            if ty.inner is None:
                return Ready(None)
            return Ready(_resolve(ty.inner, slot.value, iter(slot.children)))
        if isinstance(value, Ready) and ty.inner is not None:
            return Ready(_resolve(ty.inner, value.value, slots))
        return value
    if isinstance(ty, StreamType):
        if value is PENDING:
            slot = next(slots)
            children = iter(slot.children)
            if ty.inner is None:
                return Ready(list(slot.elements))
            inner = ty.inner
            return Ready([_resolve(inner, e, children) for e in slot.elements])
        if isinstance(value, Ready) and ty.inner is not None:
            inner = ty.inner
            return Ready([_resolve(inner, e, slots) for e in value.value])  # type: ignore[union-attr]
        return value
    if isinstance(ty, RecordType) and isinstance(value, dict):
        return {f.name: _resolve(f.type, value[f.name], slots) for f in ty.fields}
    if isinstance(ty, TupleType) and isinstance(value, tuple):
        return tuple(_resolve(et, v, slots) for et, v in zip(ty.elements, value, strict=True))
    if isinstance(ty, ListType) and isinstance(value, list):
        return [_resolve(ty.element, v, slots) for v in value]
    if isinstance(ty, OptionType) and isinstance(value, Some):
        return Some(_resolve(ty.inner, value.value, slots))
    if isinstance(ty, ResultType) and isinstance(value, (Ok, Err)):
        side = ty.ok if isinstance(value, Ok) else ty.err
        resolved = None if side is None else _resolve(side, value.value, slots)
        return Ok(resolved) if isinstance(value, Ok) else Err(resolved)
    if isinstance(ty, VariantType) and isinstance(value, VariantValue):
        case = next(c for c in ty.cases if c.name == value.case)
        payload = None if case.type is None else _resolve(case.type, value.payload, slots)
        return VariantValue(value.case, payload)
    return value
