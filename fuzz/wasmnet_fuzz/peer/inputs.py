"""Peer inputs and their seeds (sans-IO).

An input is the exact client-to-server byte stream of one invocation plus the transport cut
pattern it is sent with (wrpc.md §2: frame boundaries carry no meaning, so neither do write
boundaries; a server that depends on them is wrong). Seeds are valid invocations of the
conformance world's echo functions (docs/conformance-world.md), built from the reference's
sample arguments (``wrpc_world/values.py``) and, for the async echo functions, a generated value
sent as a pending future or stream on its path (wrpc.md §3).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from wasmnet_conformance.wrpc_server.request import (
    Target,
    call,
    future_frame,
    params_bytes,
    pieces,
    stream_frames,
)
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_fuzz.common import FUZZ_LIMITS
from wasmnet_fuzz.generate import gen_value
from wasmnet_fuzz.structure import StreamFormat
from wasmnet_reference.codec import encode_value
from wasmnet_reference.values import PENDING, Value
from wasmnet_reference.wit.types import FutureType, StreamType, WitType
from wasmnet_reference.wrpc_world.values import ECHO_SAMPLES
from wasmnet_reference.wrpc_world.world import wit_dir

MAX_INPUT = 4096
"""Inputs are kept below this many bytes (hostile *claimed* lengths need no real bytes)."""
PROBE_FUNCTION = "echo-u32"
PROBE_VALUE = 624485
"""The liveness probe: a plain ``echo-u32`` call (wrpc.md §4 example value)."""
ASYNC_INTERFACE = "async-echo"
ECHO_PREFIX = "echo-"


@dataclass(frozen=True)
class PeerInput:
    data: bytes
    cuts: tuple[int, ...] = ()
    """Positions where the stream is cut into separate transport writes."""

    def writes(self) -> tuple[bytes, ...]:
        return pieces(self.data, [c for c in self.cuts if 0 < c < len(self.data)])

    def digest(self) -> str:
        return hashlib.sha1(self.data).hexdigest()[:16]


def load_world() -> World:
    return World.load(wit_dir())


def probe_input(world: World) -> tuple[bytes, Target]:
    target = world.target("echo", PROBE_FUNCTION)
    return call(target, params_bytes(target, [PROBE_VALUE])), target


def functions(world: World) -> dict[tuple[str, str], Target]:
    """Every function the world serves, by (instance, wire name)."""
    out: dict[tuple[str, str], Target] = {}
    for name in world.package.interfaces:
        for t in world.targets(name):
            out[(t.instance, t.name)] = t
    for fn in world.package.world_functions[world.world].values():
        out[("", fn.name)] = Target("", fn)
    return out


def seeds(world: World, rng: random.Random) -> list[tuple[Target, bytes]]:
    """One valid invocation per sample argument tuple, plus one per async echo function."""
    out: list[tuple[Target, bytes]] = []
    for name, samples in ECHO_SAMPLES.items():
        target = world.find(name)
        if target is None:
            continue
        for args in samples:
            out.append((target, call(target, params_bytes(target, list(args)))))
    if ASYNC_INTERFACE in world.package.interfaces:
        for target in world.targets(ASYNC_INTERFACE):
            if target.name.startswith(ECHO_PREFIX) and len(target.param_types) == 1:
                data = _async_call(target, target.param_types[0], rng)
                if data is not None:
                    out.append((target, data))
    return out


def _async_call(target: Target, ty: WitType, rng: random.Random) -> bytes | None:
    """The parameter pending, its data on path ``[0]`` (wrpc.md §3)."""
    if not isinstance(ty, (StreamType, FutureType)):
        return None
    root = encode_value(PENDING, ty)
    if isinstance(ty, StreamType):
        chunk: list[Value] = [None] if ty.inner is None else [gen_value(ty.inner, rng)]
        return call(target, root, stream_frames((0,), ty, [chunk]))
    value = None if ty.inner is None else gen_value(ty.inner, rng)
    return call(target, root, [future_frame((0,), ty.inner, value)])


def stream_format(world: World, names: Sequence[tuple[str, str]]) -> StreamFormat:
    """The structure-aware view of an input: header + frames, root typed by the header's
    function (``structure.py``); header mutations pick among ``names``."""
    table = {k: t.param_types for k, t in functions(world).items()}

    def root_types(prefix: bytes, header: tuple[str, str] | None) -> tuple[WitType, ...] | None:
        return None if header is None else table.get(header)

    return StreamFormat(0, lambda _p: True, root_types, tuple(names), FUZZ_LIMITS)
