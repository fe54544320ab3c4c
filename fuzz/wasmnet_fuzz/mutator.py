"""The structure-aware mutator: libFuzzer's custom mutator for the typed and stream formats.

One call parses the input (``structure.py``), makes ONE change at the level of the structure
and writes the input back with the reference encoders, so lengths, counts and frame sizes stay
consistent unless the change is meant to break one of them:

- value level (most calls): one node of the typed value or root value gets a nearby value (a
  bound, ±1, a list element added or dropped, a case or tag switched, libFuzzer's byte mutation
  of a scalar's bytes, which brings in compared constants and dictionary words);
- wire level: one node written with a fault (``faults.py``: a count or index out of range, a
  LEB128 overlong or too long, a bad tag, ill-formed UTF-8 with a correct length, a
  non-canonical NaN, a flags bit beyond N, a node cut short);
- frame level: split, join, add (empty), drop, repeat or swap frames, change a path, write a
  head overlong or broken, add the data of a pending future or stream on its path, change the
  header (version, names, overlong lengths), cut the stream;
- type level (typed format): mutate the typecode and write a fresh value of the new type.

Where the input does not parse (a broken header), and in a small share of calls anyway, it
falls back to libFuzzer's own byte mutator, which keeps everything byte-level fuzzing finds.
libFuzzer keeps an output only if it adds coverage, so structure-aware and byte-level steps
compose.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable

from wasmnet_fuzz.autodict import Constants
from wasmnet_fuzz.faults import count_fault, fault
from wasmnet_fuzz.generate import ByteMutate, fallback_byte_mutate, gen_value, mutate_node
from wasmnet_fuzz.structure import (
    FrameSpec,
    StreamDoc,
    StreamFormat,
    TypedDoc,
    TypedFormat,
)
from wasmnet_fuzz.tree import encode_tree, replace_at, scalar_nodes, size
from wasmnet_fuzz.typecode import decode_type, encode_type
from wasmnet_reference.codec.encode import encode_value
from wasmnet_reference.codec.leb128 import encode_uleb
from wasmnet_reference.errors import EncodeError
from wasmnet_reference.framing.events import ROOT
from wasmnet_reference.values import Ready, Value
from wasmnet_reference.wit.types import FutureType, TupleType, WitType

PARSE_CACHE_SIZE = 4096
"""Parsed inputs kept (oldest dropped first)."""
BYTE_LEVEL_SHARE = 0.1
"""Share of calls handed straight to the byte mutator."""
SCALAR_SHARE = 0.6
"""Share of value-level changes aimed at a scalar node (the rest at any node)."""
"""Share of calls handed straight to the byte mutator."""

Format = TypedFormat | StreamFormat


class Mutator:
    """``mutator(data, max_size, seed) -> bytes``: the signature of atheris'
    ``custom_mutator``. Deterministic for a given seed (and byte mutator)."""

    def __init__(self, fmt: Format, byte_mutate: ByteMutate | None = None,
                 constants: Constants | None = None) -> None:
        self.format = fmt
        self.byte_mutate = byte_mutate
        self.constants = constants
        self.stats = {"structured": 0, "bytes": 0}
        self._cache: dict[bytes, TypedDoc | StreamDoc] = {}

    def __call__(self, data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        bm = self.byte_mutate or fallback_byte_mutate(rng)
        out: bytes | None = None
        if rng.random() >= BYTE_LEVEL_SHARE:
            try:
                out = self._structured(data, rng, bm, max_size)
            except EncodeError:
                out = None
        if out is None or out == data or len(out) > max_size:
            self.stats["bytes"] += 1
            return bm(data, max_size)[:max_size]
        self.stats["structured"] += 1
        return out

    def _parse(self, data: bytes) -> TypedDoc | StreamDoc:
        """The parsed input, from a cache: libFuzzer mutates the same corpus entries again and
        again, and parsing runs the (instrumented, so slower) reference decoders."""
        doc = self._cache.get(data)
        if doc is None:
            doc = self.format.parse(data)
            if len(self._cache) >= PARSE_CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[data] = doc
        if isinstance(doc, StreamDoc):  # stream ops edit frames in place: hand out a copy
            return dataclasses.replace(
                doc,
                header=None if doc.header is None else dataclasses.replace(doc.header),
                frames=[dataclasses.replace(f) for f in doc.frames],
            )
        return doc

    def _structured(self, data: bytes, rng: random.Random, bm: ByteMutate, max_size: int
                    ) -> bytes | None:
        doc = self._parse(data)
        if isinstance(doc, TypedDoc):
            return mutate_typed(doc, rng, bm, max_size, self.constants)
        if doc.expects_header and doc.header is None:
            return None
        assert isinstance(self.format, StreamFormat)
        return mutate_stream(doc, self.format, rng, bm, self.constants)


def _pick(rng: random.Random, weighted: list[tuple[float, str]]) -> str:
    total = sum(w for w, _ in weighted)
    x = rng.random() * total
    for w, name in weighted:
        x -= w
        if x < 0:
            return name
    return weighted[-1][1]


def pick_node(ty: WitType, value: Value, rng: random.Random, *, skip_root: bool = False) -> int:
    """A node to change: a scalar with probability :data:`SCALAR_SHARE`, else any node."""
    low = 1 if skip_root else 0
    scalars = [k for k in scalar_nodes(ty, value) if k >= low]
    if scalars and rng.random() < SCALAR_SHARE:
        return rng.choice(scalars)
    total = size(ty, value)
    return rng.randrange(low, total) if total > low else 0


# -------------------------------------------------------------------------------------- typed


def mutate_typed(doc: TypedDoc, rng: random.Random, bm: ByteMutate, max_size: int,
                 constants: Constants | None = None) -> bytes:
    ty, value = doc.ty, doc.value
    if value is None:
        op = _pick(rng, [(4, "bytes"), (2, "fresh"), (1, "type")])
    else:
        op = _pick(rng, [(6, "value"), (3, "fault"), (1, "fresh"), (1, "type")])
    if op == "value":
        k = pick_node(ty, value, rng)
        _, new = replace_at(ty, value, k,
                            lambda t, v: (t, mutate_node(t, v, rng, bm, constants)))
        return doc.type_bytes + encode_value(new, ty)
    if op == "fault":
        k = rng.randrange(size(ty, value))
        return doc.type_bytes + encode_tree(ty, value, k, lambda t, v, h, b: fault(t, v, h, b, rng))
    if op == "fresh":
        return doc.type_bytes + encode_value(gen_value(ty, rng), ty)
    if op == "type":
        mutated = bm(doc.type_bytes, len(doc.type_bytes) + 8)
        new_ty, used = decode_type(mutated)
        type_bytes = mutated[:used]
        if used > len(mutated):  # cut inside the typecode: write it whole
            type_bytes = encode_type(new_ty)
        if rng.random() < 0.7:
            return type_bytes + encode_value(gen_value(new_ty, rng), new_ty)
        return type_bytes + doc.raw
    return doc.type_bytes + bm(doc.raw, max(1, max_size - len(doc.type_bytes)))


# ------------------------------------------------------------------------------------- stream


def mutate_stream(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate,
                  constants: Constants | None = None) -> bytes:
    root_known = doc.root_values is not None and bool(doc.root_types)
    slots = doc.async_slots()
    weighted: list[tuple[float, str]] = [
        (1, "split"), (1, "join"), (0.7, "empty"), (0.7, "drop"), (0.5, "repeat"),
        (0.5, "swap"), (1, "path"), (1, "data"), (0.5, "width"), (0.5, "head-fault"),
        (0.5, "cut"),
    ]
    if root_known:
        weighted += [(12, "root-value"), (3, "root-fault")]
    if doc.root_types is not None:
        weighted.append((1.5 if root_known else 4, "root-fresh"))
    if slots:
        weighted.append((3, "async"))
    if doc.header is not None:
        weighted.append((1, "header"))
    if fmt.prefix_len:
        weighted.append((0.3, "prefix"))
    op = _pick(rng, weighted)
    if op == "root-value":
        _root_value(doc, rng, bm, constants)
    else:
        _STREAM_OPS[op](doc, fmt, rng, bm)
    return doc.encode()


StreamOp = Callable[[StreamDoc, StreamFormat, random.Random, ByteMutate], None]


def _root_value(doc: StreamDoc, rng: random.Random, bm: ByteMutate,
                constants: Constants | None) -> None:
    ty = doc.root_type
    assert ty is not None and doc.root_values is not None
    value: Value = doc.root_values
    k = pick_node(ty, value, rng, skip_root=True)
    _, new = replace_at(ty, value, k, lambda t, v: (t, mutate_node(t, v, rng, bm, constants)))
    if k == 0:  # the tuple itself: regenerate it
        new = gen_value(ty, rng)
    doc.set_root(encode_value(new, ty))


def _root_fault(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    ty = doc.root_type
    assert ty is not None and doc.root_values is not None
    k = rng.randrange(size(ty, doc.root_values))
    doc.set_root(encode_tree(ty, doc.root_values, k, lambda t, v, h, b: fault(t, v, h, b, rng)))


def _root_fresh(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    assert doc.root_types is not None
    ty = TupleType(doc.root_types) if doc.root_types else None
    doc.set_root(b"" if ty is None else encode_value(gen_value(ty, rng), ty))


def _async(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    """Data for a pending future or stream on its path: a value, a chunk, an end marker."""
    path, ty = rng.choice(doc.async_slots())
    if isinstance(ty, FutureType):
        data = b"" if ty.inner is None else encode_value(gen_value(ty.inner, rng), ty.inner)
    elif rng.random() < 0.4:
        data = b"\x00"  # the end marker: an empty list<T>
    else:
        chunk = gen_value(ty, rng)
        if not isinstance(chunk, Ready):
            chunk = Ready([gen_value(ty.inner, rng)] if ty.inner is not None else [None])
        data = encode_value(chunk, ty) + (b"\x00" if rng.random() < 0.5 else b"")
    doc.frames.insert(rng.randint(0, len(doc.frames)), FrameSpec(path, data))


def _split(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if not doc.frames:
        doc.frames.append(FrameSpec(ROOT, b""))
        return
    i = rng.randrange(len(doc.frames))
    f = doc.frames[i]
    cut = rng.randint(0, len(f.data))
    doc.frames[i : i + 1] = [FrameSpec(f.path, f.data[:cut]), FrameSpec(f.path, f.data[cut:])]


def _join(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    pairs = [i for i in range(len(doc.frames) - 1) if doc.frames[i].path == doc.frames[i + 1].path]
    if not pairs:
        return _split(doc, fmt, rng, bm)
    i = rng.choice(pairs)
    a, b = doc.frames[i], doc.frames[i + 1]
    doc.frames[i : i + 2] = [FrameSpec(a.path, a.data + b.data)]
    return None


def _paths(doc: StreamDoc) -> list[tuple[int, ...]]:
    known = {f.path for f in doc.frames} | {p for p, _ in doc.async_slots()}
    return sorted(known | {ROOT})


def _empty(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    path = rng.choice(_paths(doc))
    doc.frames.insert(rng.randint(0, len(doc.frames)), FrameSpec(path, b""))


def _drop(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if doc.frames:
        del doc.frames[rng.randrange(len(doc.frames))]


def _repeat(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if doc.frames:
        i = rng.randrange(len(doc.frames))
        f = doc.frames[i]
        doc.frames.insert(i, FrameSpec(f.path, f.data))


def _swap(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if len(doc.frames) > 1:
        i = rng.randrange(len(doc.frames) - 1)
        doc.frames[i], doc.frames[i + 1] = doc.frames[i + 1], doc.frames[i]


def _path(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if not doc.frames:
        return _empty(doc, fmt, rng, bm)
    f = rng.choice(doc.frames)
    p = list(f.path)
    op = rng.randrange(5)
    if op == 0:
        p.append(rng.choice((0, 1, 2, 127, 128, 0xFFFF_FFFF)))
    elif op == 1 and p:
        p.pop()
    elif op == 2 and p:
        i = rng.randrange(len(p))
        p[i] = max(0, min(0xFFFF_FFFF, p[i] + rng.choice((-1, 1))))
    elif op == 3:
        p = list(rng.choice(_paths(doc)))
    else:
        p = [0] * rng.choice((33, 32, 2))  # around the path-length limit (32)
    f.path = tuple(p)
    return None


def _data(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if not doc.frames:
        return _empty(doc, fmt, rng, bm)
    f = rng.choice(doc.frames)
    f.data = bm(f.data, len(f.data) + 16)
    return None


def _width(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    width = rng.randint(2, 5)
    if doc.header is not None and (not doc.frames or rng.random() < 0.3):
        doc.header.width = width
    elif doc.frames:
        rng.choice(doc.frames).width = width


def _head_fault(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    """One frame head broken: its path length or data length changed, or a path element
    written with a broken LEB128; the frame's data follows unchanged."""
    if not doc.frames:
        return _empty(doc, fmt, rng, bm)
    f = rng.choice(doc.frames)
    path_len = len(f.path)
    head = bytearray()
    op = rng.randrange(3)
    head += count_fault(path_len, rng) if op == 0 else bytes([path_len]) if path_len < 128 \
        else count_fault(path_len, rng)
    for k, element in enumerate(f.path):
        head += count_fault(element, rng) if op == 1 and k == 0 else _uleb(element)
    head += count_fault(len(f.data), rng) if op == 2 or (op == 1 and not f.path) \
        else _uleb(len(f.data))
    f.raw = bytes(head) + f.data
    return None


def _uleb(n: int) -> bytes:
    return encode_uleb(n)


def _header(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    h = doc.header
    assert h is not None
    op = rng.randrange(5)
    if op == 0 and fmt.names:
        instance, function = rng.choice(fmt.names)
        h.instance, h.function = instance.encode(), function.encode()
    elif op == 1:
        h.version = rng.choice((1, 2, 0x80, 0xFF))
    elif op == 2:
        h.instance = bm(h.instance, len(h.instance) + 8)
    elif op == 3:
        h.function = bm(h.function, len(h.function) + 8)
    else:
        h.width = rng.randint(2, 5)


def _cut(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    if rng.random() < 0.5 and doc.frames:
        f = doc.frames[-1]
        f.raw = f.encode()[: rng.randrange(max(1, len(f.encode())))]
    else:
        doc.tail += bytes([rng.randrange(256) for _ in range(rng.randint(1, 3))])


def _prefix(doc: StreamDoc, fmt: StreamFormat, rng: random.Random, bm: ByteMutate) -> None:
    doc.prefix = bytes([rng.randrange(256) for _ in range(fmt.prefix_len)])


_STREAM_OPS: dict[str, StreamOp] = {
    "root-fault": _root_fault,
    "root-fresh": _root_fresh,
    "async": _async,
    "split": _split,
    "join": _join,
    "empty": _empty,
    "drop": _drop,
    "repeat": _repeat,
    "swap": _swap,
    "path": _path,
    "data": _data,
    "width": _width,
    "head-fault": _head_fault,
    "header": _header,
    "cut": _cut,
    "prefix": _prefix,
}
