"""wRPC framing (wrpc.md §2): the invocation header and frames, a sans-IO streaming decoder,
and encoders that write the same content split, coalesced or cut in any chosen way."""

from wasmnet_reference.framing.decoder import (
    StreamDecoder,
    decode_stream,
    frames_from_events,
    per_path_data,
)
from wasmnet_reference.framing.encoder import cut, frame_chunks, interleave, split_frames
from wasmnet_reference.framing.events import (
    ROOT,
    Event,
    Frame,
    FrameData,
    FrameStart,
    Header,
    Path,
)
from wasmnet_reference.framing.frame import encode_frame
from wasmnet_reference.framing.header import PROTOCOL_VERSION, encode_header

__all__ = [
    "PROTOCOL_VERSION",
    "ROOT",
    "Event",
    "Frame",
    "FrameData",
    "FrameStart",
    "Header",
    "Path",
    "StreamDecoder",
    "cut",
    "decode_stream",
    "encode_frame",
    "encode_header",
    "frame_chunks",
    "frames_from_events",
    "interleave",
    "per_path_data",
    "split_frames",
]
