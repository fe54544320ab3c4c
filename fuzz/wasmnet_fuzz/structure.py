"""Fuzz inputs read as structure: a typed value, or a framed stream with a typed root value.

The structure-aware mutator (``mutator.py``) parses an input with one of these formats, changes
one thing at the level of the structure, and writes it back:

- :class:`TypedFormat`: ``typecode ++ value bytes`` (``typecode.py``): the type, and the value if
  the bytes decode;
- :class:`StreamFormat`: ``selector bytes ++ [header] ++ frames``: the header, each frame (path,
  data), and the root value when the root's types are known (the selector or the header name
  them) and its bytes decode.

Parsing is lenient where the reference decoders are strict: frames are read up to the first
broken one and the rest is kept as an opaque tail, so a broken input keeps its good prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from wasmnet_fuzz.common import FUZZ_LIMITS
from wasmnet_fuzz.typecode import decode_type, encode_type
from wasmnet_reference.codec.decode import decode_prefix, decode_value
from wasmnet_reference.errors import EncodeError, WireError
from wasmnet_reference.framing.events import ROOT, Path
from wasmnet_reference.framing.frame import encode_frame, frame_head_reader
from wasmnet_reference.framing.header import encode_header, read_header
from wasmnet_reference.framing.uleb32 import Incomplete
from wasmnet_reference.limits import Limits
from wasmnet_reference.values import PENDING, Value
from wasmnet_reference.wit.types import TupleType, WitType
from wasmnet_reference.wrpc.paths import AsyncType, PayloadPathReading, map_async

# ------------------------------------------------------------------------------------ typed


@dataclass
class TypedDoc:
    """A typed input: ``value`` is None when ``raw`` does not decode as ``ty``."""

    type_bytes: bytes
    ty: WitType
    raw: bytes
    value: Value | None

    def encode(self) -> bytes:
        return self.type_bytes + self.raw


@dataclass(frozen=True)
class TypedFormat:
    """``typecode ++ value bytes``."""

    limits: Limits = FUZZ_LIMITS

    def parse(self, data: bytes) -> TypedDoc:
        ty, used = decode_type(data)
        used = min(used, len(data))
        raw = data[used:]
        try:
            value: Value | None = decode_value(raw, ty, self.limits)
        except WireError:
            value = None
        return TypedDoc(data[:used], ty, raw, value)

    @staticmethod
    def make(ty: WitType, raw: bytes) -> bytes:
        return encode_type(ty) + raw


# ------------------------------------------------------------------------------------ stream


@dataclass
class HeaderSpec:
    instance: bytes
    function: bytes
    version: int = 0
    width: int | None = None
    """Write both name lengths as uleb32 of this many bytes (overlong, valid)."""

    def encode(self) -> bytes:
        return encode_header(self.instance, self.function, version=self.version,
                             length_width=self.width)

    def names(self) -> tuple[str, str] | None:
        try:
            return self.instance.decode("utf-8"), self.function.decode("utf-8")
        except UnicodeDecodeError:
            return None


@dataclass
class FrameSpec:
    path: Path
    data: bytes
    width: int | None = None
    """Write the head's uleb32s with this many bytes (overlong, valid)."""
    raw: bytes | None = None
    """A broken frame, written as these bytes."""

    def encode(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return encode_frame(self.path, self.data, length_width=self.width)


@dataclass
class StreamDoc:
    prefix: bytes
    header: HeaderSpec | None
    frames: list[FrameSpec]
    tail: bytes
    """What follows the last frame that could be read (a broken or cut-off frame)."""
    root_types: tuple[WitType, ...] | None
    root_values: tuple[Value, ...] | None
    """The decoded root tuple, when its types are known and the root bytes decode exactly."""
    expects_header: bool = True
    limits: Limits = field(default=FUZZ_LIMITS)

    def encode(self) -> bytes:
        head = b"" if self.header is None else self.header.encode()
        return self.prefix + head + b"".join(f.encode() for f in self.frames) + self.tail

    def root_data(self) -> bytes:
        return b"".join(f.data for f in self.frames if f.path == ROOT and f.raw is None)

    def set_root(self, data: bytes) -> None:
        """Replace the root bytes, cut at the same points as before (the last root frame takes
        the rest); with no root frame, one is added first."""
        roots = [f for f in self.frames if f.path == ROOT and f.raw is None]
        if not roots:
            self.frames.insert(0, FrameSpec(ROOT, data))
            return
        pos = 0
        for i, frame in enumerate(roots):
            take = len(data) - pos if i == len(roots) - 1 else min(len(frame.data), len(data) - pos)
            frame.data = data[pos : pos + take]
            pos += take

    @property
    def root_type(self) -> TupleType | None:
        if not self.root_types:
            return None
        return TupleType(self.root_types)

    def async_slots(self, reading: PayloadPathReading = PayloadPathReading.UPSTREAM
                    ) -> list[tuple[Path, AsyncType]]:
        """The pending futures and streams of the root value: where their data goes."""
        if self.root_values is None or self.root_types is None:
            return []
        slots: list[tuple[Path, AsyncType]] = []

        def visit(path: Path, ty: AsyncType, value: object) -> object:
            if value is PENDING:
                slots.append((path, ty))
            return value

        try:
            map_async(self.root_values, self.root_types, reading, visit)
        except EncodeError:
            return []
        return slots


Selector = Callable[[bytes, "tuple[str, str] | None"], "tuple[WitType, ...] | None"]
"""``(prefix, header names) -> root types`` (None: unknown)."""


@dataclass(frozen=True)
class StreamFormat:
    """``prefix ++ [header] ++ frame*``: ``prefix_len`` selector bytes (a mode or a signature
    choice), a header when ``header_for(prefix)`` says so, and the root types from
    ``root_types``. ``names`` are the (instance, function) pairs a header mutation picks from."""

    prefix_len: int
    header_for: Callable[[bytes], bool]
    root_types: Selector
    names: tuple[tuple[str, str], ...] = ()
    limits: Limits = FUZZ_LIMITS

    def parse(self, data: bytes) -> StreamDoc:
        prefix, rest = data[: self.prefix_len], data[self.prefix_len :]
        expects_header = self.header_for(prefix)
        header: HeaderSpec | None = None
        pos = 0
        if expects_header:
            try:
                parsed, pos = read_header(rest, 0, 0, self.limits)
            except (Incomplete, WireError):
                return StreamDoc(prefix, None, [], rest, None, None, True, self.limits)
            header = HeaderSpec(parsed.instance.encode(), parsed.function.encode(),
                                parsed.version)
        read_head = frame_head_reader(self.limits).read
        frames: list[FrameSpec] = []
        end = len(rest)
        while pos < end:
            try:
                path, length, data_pos = read_head(rest, pos, 0)
            except (Incomplete, WireError):
                break
            if data_pos + length > end:
                break
            frames.append(FrameSpec(path, rest[data_pos : data_pos + length]))
            pos = data_pos + length
        names = None if header is None else header.names()
        types = self.root_types(prefix, names)
        doc = StreamDoc(prefix, header, frames, rest[pos:], types, None, expects_header,
                        self.limits)
        doc.root_values = decode_root(doc.root_data(), types, self.limits)
        return doc


def decode_root(data: bytes, types: tuple[WitType, ...] | None, limits: Limits
                ) -> tuple[Value, ...] | None:
    """The root tuple when ``data`` is exactly one value of each of ``types``."""
    if types is None:
        return None
    values: list[Value] = []
    pos = 0
    try:
        for ty in types:
            value, used = decode_prefix(data[pos:], ty, limits)
            values.append(value)
            pos += used
    except WireError:
        return None
    return tuple(values) if pos == len(data) else None
