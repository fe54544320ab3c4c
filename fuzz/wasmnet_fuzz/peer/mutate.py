"""Mutations of a peer input (sans-IO): the structure-aware mutator of ``mutator.py`` plus the
changes that matter most to a live peer, each a first-class choice:

- hostile lengths: a frame path length, frame data length, header name length or leading root
  count claiming far more than follows or than any limit allows (wrpc.md §2: "a robust peer
  bounds every length it reads");
- overlong LEB128 within the 5-byte uleb32 limit (valid, wrpc.md §4);
- ill-formed UTF-8 in a header name (wrpc.md §4: strict everywhere);
- truncation and trailing bytes;
- byte-level fallbacks.

Every mutated input also gets a fresh transport cut pattern.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from wasmnet_fuzz.generate import fallback_byte_mutate
from wasmnet_fuzz.mutator import Mutator
from wasmnet_fuzz.peer.inputs import MAX_INPUT, PeerInput
from wasmnet_fuzz.structure import FrameSpec, StreamDoc, StreamFormat
from wasmnet_reference.codec.leb128 import encode_uleb
from wasmnet_reference.framing import encode_frame
from wasmnet_reference.wit.types import ListType, Prim

U32_MAX = 0xFFFF_FFFF
HOSTILE_PATH_LENGTHS = (33, 64, 1000, 1 << 16, 1 << 31, U32_MAX)
"""Above upstream's path-length limit of 32 (wrpc.md §2), up to the largest uleb32."""
HOSTILE_LENGTHS = (1 << 20, 1 << 24, 1 << 28, 1 << 31, U32_MAX - 1, U32_MAX)
"""Byte or element counts with (almost) nothing behind them."""
BAD_UTF8 = (b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xff", b"\xe2\x82")
"""Overlong, surrogate, above U+10FFFF, never-valid byte, cut short (wrpc.md §4)."""
MAX_STACK = 3
"""Mutations applied to one input at most."""
MAX_CUTS = 6

Op = Callable[[PeerInput, random.Random], bytes | None]


class PeerMutator:
    """``mutate(input, rng) -> input``; deterministic for a given rng state."""

    def __init__(self, fmt: StreamFormat) -> None:
        self.format = fmt
        self.structure = Mutator(fmt)
        self.stats: dict[str, int] = {}
        self._ops: list[tuple[float, str, Op]] = [
            (6.0, "structure", self._structure),
            (2.0, "hostile-length", self._hostile),
            (0.7, "overlong-leb", self._overlong),
            (0.5, "header-utf8", self._header_utf8),
            (0.5, "truncate", self._truncate),
            (0.5, "trailing", self._trailing),
            (0.8, "bytes", self._bytes),
        ]

    def mutate(self, inp: PeerInput, rng: random.Random) -> PeerInput:
        data = inp.data
        for _ in range(rng.choice((1, 1, 1, 2, MAX_STACK))):
            name, op = self._pick(rng)
            out = op(PeerInput(data), rng)
            if out is not None and out != data and len(out) <= MAX_INPUT:
                self.stats[name] = self.stats.get(name, 0) + 1
                data = out
        return PeerInput(data, random_cuts(len(data), rng))

    def _pick(self, rng: random.Random) -> tuple[str, Op]:
        x = rng.random() * sum(w for w, _, _ in self._ops)
        for w, name, op in self._ops:
            x -= w
            if x < 0:
                return name, op
        return self._ops[-1][1], self._ops[-1][2]

    def _parse(self, data: bytes) -> StreamDoc | None:
        doc = self.format.parse(data)
        return None if doc.header is None else doc

    def _structure(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        return self.structure(inp.data, MAX_INPUT, rng.getrandbits(32))

    def _hostile(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        doc = self._parse(inp.data)
        if doc is None or doc.header is None:
            return None
        what = rng.randrange(4)
        if what == 0 or not doc.frames:  # a frame whose path is too long
            n = rng.choice(HOSTILE_PATH_LENGTHS)
            elements = min(n, rng.choice((0, 1, 33)))
            head = encode_uleb(n) + b"\x00" * elements
            frame = head + encode_uleb(0)
            doc.frames.insert(rng.randint(0, len(doc.frames)), FrameSpec((), b"", raw=frame))
        elif what == 1:  # a frame claiming more data than follows
            f = rng.choice(doc.frames)
            head = encode_frame(f.path, b"")[:-1]
            f.raw = head + encode_uleb(rng.choice(HOSTILE_LENGTHS)) + f.data
        elif what == 2:  # a header name claiming more bytes than follow
            names = doc.header
            inst, fn = names.instance, names.function
            if rng.random() < 0.5:
                head = b"\x00" + encode_uleb(rng.choice(HOSTILE_LENGTHS)) + inst
            else:
                head = b"\x00" + encode_uleb(len(inst)) + inst + \
                    encode_uleb(rng.choice(HOSTILE_LENGTHS)) + fn
            return head + b"".join(f.encode() for f in doc.frames) + doc.tail
        else:  # the root's leading count (a list or string parameter)
            types = doc.root_types or ()
            root = doc.root_data()
            if not types or (not isinstance(types[0], ListType) and types[0] != Prim.STRING):
                return None
            rest = _skip_uleb(root)
            doc.set_root(encode_uleb(rng.choice(HOSTILE_LENGTHS)) + root[rest:])
        return doc.encode()

    def _overlong(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        doc = self._parse(inp.data)
        if doc is None or doc.header is None:
            return None
        width = rng.randint(2, 5)
        if not doc.frames or rng.random() < 0.3:
            doc.header.width = width
        else:
            rng.choice(doc.frames).width = width
        return doc.encode()

    def _header_utf8(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        doc = self._parse(inp.data)
        if doc is None or doc.header is None:
            return None
        bad = rng.choice(BAD_UTF8)
        h = doc.header
        if rng.random() < 0.5:
            i = rng.randint(0, len(h.function))
            h.function = h.function[:i] + bad + h.function[i:]
        else:
            i = rng.randint(0, len(h.instance))
            h.instance = h.instance[:i] + bad + h.instance[i:]
        return doc.encode()

    def _truncate(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        if len(inp.data) < 2:
            return None
        return inp.data[: rng.randrange(1, len(inp.data))]

    def _trailing(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        extra = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        return inp.data + extra

    def _bytes(self, inp: PeerInput, rng: random.Random) -> bytes | None:
        return fallback_byte_mutate(rng)(inp.data, MAX_INPUT)


def _skip_uleb(data: bytes) -> int:
    """Bytes taken by the uleb at the start of ``data`` (at most 5, wrpc.md §4)."""
    for i, b in enumerate(data[:5]):
        if not b & 0x80:
            return i + 1
    return min(len(data), 5)


def random_cuts(length: int, rng: random.Random) -> tuple[int, ...]:
    """A transport cut pattern: none (one write), every byte, or a few random positions."""
    if length < 2:
        return ()
    r = rng.random()
    if r < 0.4:
        return ()
    if r < 0.5 and length <= 64:
        return tuple(range(1, length))
    n = rng.randint(1, min(MAX_CUTS, length - 1))
    return tuple(sorted(rng.sample(range(1, length), n)))
