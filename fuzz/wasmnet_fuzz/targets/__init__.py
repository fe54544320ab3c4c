"""The fuzz targets: plain functions ``target(data: bytes) -> None`` and what the tools need
to know about each (input format, size bound, which modules atheris instruments, whether the
structure-aware mutator drives it, how a finding becomes vectors).

A target returns for correct handling and raises for a finding (``common.py``). Targets run the
same under atheris (``run.py``), in the corpus replay test (every OS) and in ``to_vector``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wasmnet_fuzz import planted
from wasmnet_fuzz.structure import StreamFormat, TypedFormat
from wasmnet_fuzz.targets.differential import diff_frames, diff_value
from wasmnet_fuzz.targets.frames import frame_decoder, frame_stream, split_mode
from wasmnet_fuzz.targets.machines import SERVED, client_machine, client_results, server_machine
from wasmnet_fuzz.targets.values import roundtrip, value_decoder
from wasmnet_fuzz.typecode import split_input
from wasmnet_fuzz.vectorize import Vector, frames_vector, value_vector
from wasmnet_reference.wit.types import TupleType, WitType

Format = TypedFormat | StreamFormat
Vectorizer = Callable[[str, bytes], list[Vector]]

TYPED = TypedFormat()
FRAMES = StreamFormat(prefix_len=1, header_for=lambda p: bool(p and p[0] & 1),
                      root_types=lambda p, n: None)
SERVER = StreamFormat(
    prefix_len=0,
    header_for=lambda p: True,
    root_types=lambda p, n: SERVED[n].params if n in SERVED else None,
    names=tuple(SERVED),
)
CLIENT = StreamFormat(prefix_len=1, header_for=lambda p: False,
                      root_types=lambda p, n: client_results(p))
PLANTED = StreamFormat(
    prefix_len=0,
    header_for=lambda p: True,
    root_types=lambda p, n: (
        (planted.PLANTED_TYPE,) if n == (planted.INSTANCE, planted.FUNCTION) else None
    ),
    names=((planted.INSTANCE, planted.FUNCTION),),
)

_FRAMING = (
    "wasmnet_reference.framing.decoder",
    "wasmnet_reference.framing.frame",
    "wasmnet_reference.framing.header",
    "wasmnet_reference.framing.uleb32",
)
_CODEC = (
    "wasmnet_reference.codec.decode",
    "wasmnet_reference.codec.encode",
    "wasmnet_reference.codec.leb128",
)
_WAVE = (
    "wasmnet_reference.wave.format",
    "wasmnet_reference.wave.parse",
    "wasmnet_reference.wave.lexer",
    "wasmnet_reference.wave.numbers",
)
_WRPC = (
    "wasmnet_reference.wrpc.inbound",
    "wasmnet_reference.wrpc.outbound",
    "wasmnet_reference.wrpc.paths",
    "wasmnet_reference.wrpc.invocation",
)


def _typed_vectors(slug: str, data: bytes) -> list[Vector]:
    ty, raw = split_input(data)
    return [value_vector(f"finding.{slug}.value", ty, raw)]


def _frames_vectors(slug: str, data: bytes) -> list[Vector]:
    header, stream = split_mode(data)
    return [frames_vector(f"finding.{slug}.frames", stream, header=header)]


def _stream_vectors(fmt: StreamFormat) -> Vectorizer:
    """The whole stream as a frames vector, and the root bytes as a value vector of the root
    tuple's type when the selector or header names it."""

    def vectors(slug: str, data: bytes) -> list[Vector]:
        doc = fmt.parse(data)
        stream = data[fmt.prefix_len :]
        out = [frames_vector(f"finding.{slug}.frames", stream, header=doc.expects_header)]
        types = doc.root_types
        if types:
            ty: WitType = types[0] if len(types) == 1 else TupleType(types)
            out.append(value_vector(f"finding.{slug}.root", ty, doc.root_data()))
        return out

    return vectors


@dataclass(frozen=True)
class Target:
    name: str
    run: Callable[[bytes], None]
    description: str
    format: Format
    vectorize: Vectorizer
    structured: bool
    """The campaign drives it with the structure-aware mutator (else libFuzzer's own)."""
    max_len: int
    instrument: tuple[str, ...]
    """Modules whose code atheris instruments for coverage."""
    campaign: bool = True
    """Part of a default campaign (the planted-bug targets are for the experiment only)."""
    extra: dict[str, Any] | None = None


TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target("frame_decoder", frame_decoder,
               "decode_stream on a mode byte + stream (the framing hot path)",
               FRAMES, _frames_vectors, structured=False, max_len=256, instrument=_FRAMING),
        Target("frame_stream", frame_stream,
               "StreamDecoder in pieces vs decode_stream; framing round trip",
               FRAMES, _frames_vectors, structured=True, max_len=512,
               instrument=(*_FRAMING, "wasmnet_reference.framing.encoder")),
        Target("value_decoder", value_decoder,
               "decode_value of the type the input chooses; incremental vs whole; re-encoding",
               TYPED, _typed_vectors, structured=True, max_len=1024, instrument=_CODEC),
        Target("roundtrip", roundtrip,
               "encode/decode and WAVE format/parse round trips of typed values",
               TYPED, _typed_vectors, structured=True, max_len=1024,
               instrument=(*_CODEC, *_WAVE)),
        Target("server_machine", server_machine,
               "ServerInvocation fed client streams, whole and in pieces",
               SERVER, _stream_vectors(SERVER), structured=True, max_len=2048,
               instrument=(*_WRPC, *_FRAMING, *_CODEC)),
        Target("client_machine", client_machine,
               "ClientInvocation fed server streams, whole and in pieces",
               CLIENT, _stream_vectors(CLIENT), structured=True, max_len=1024,
               instrument=(*_WRPC, *_FRAMING, *_CODEC)),
        Target("diff_value", diff_value,
               "reference vs a peer testee (decode-value, encode-value), conformance judge",
               TYPED, _typed_vectors, structured=True, max_len=512, instrument=_CODEC),
        Target("diff_frames", diff_frames,
               "reference vs a peer testee (decode-frames), conformance judge",
               FRAMES, _frames_vectors, structured=True, max_len=512, instrument=_FRAMING),
        Target("planted", planted.planted_call,
               "EXPERIMENT: planted bug two levels deep, structure-aware mutator",
               PLANTED, _stream_vectors(PLANTED), structured=True, max_len=512,
               instrument=("wasmnet_fuzz.planted", *_FRAMING, *_CODEC), campaign=False),
        Target("planted_bytes", planted.planted_call,
               "EXPERIMENT: the same planted bug, libFuzzer's byte mutator only",
               PLANTED, _stream_vectors(PLANTED), structured=False, max_len=512,
               instrument=("wasmnet_fuzz.planted", *_FRAMING, *_CODEC), campaign=False),
    )
}

CAMPAIGN_TARGETS = tuple(name for name, t in TARGETS.items() if t.campaign)
OSS_FUZZ_TARGETS = tuple(
    name for name in CAMPAIGN_TARGETS if not name.startswith("diff_")
)
"""Targets built for ClusterFuzzLite / OSS-Fuzz (``.clusterfuzzlite/build.sh``, one
``fuzz/entrypoints/<target>_fuzzer.py`` each). The differential targets are left out: they
start a peer testee process (``python -m ...``), which a PyInstaller bundle cannot do."""


def get_target(name: str) -> Target:
    try:
        return TARGETS[name]
    except KeyError:
        raise KeyError(f"unknown fuzz target {name!r}; known: {', '.join(TARGETS)}") from None
