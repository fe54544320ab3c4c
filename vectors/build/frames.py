"""Frames without a header, as the server sends them (wrpc.md §2):

  frame := uleb32(path_len) uleb32(path[0]) ... uleb32(path[n-1]) uleb32(data_len) data

The empty path (path_len 00) is the root channel. Frame boundaries carry no meaning: checks
compare each path's concatenated data. Every vector here has ``header: false``.
"""

from __future__ import annotations

from vectors.build.common import FrameGroup, Grammar, VectorFile, ascii_hex, frame, h
from wasmnet_reference.rules import Ambiguity, Rule

SPEC2 = "../shared/specs/wrpc.md §2"
FRAME = f"{SPEC2}: frame := uleb32(path_len) uleb32(path[i])* uleb32(data_len) data"
ROBUST = f"{SPEC2}: upstream decoder defaults: path length at most 32; a robust peer bounds " \
         "every length it reads"
R = Grammar.FRAME
TRUNC = Rule.FRAME_TRUNCATED
ZERO = [Ambiguity.ZERO_LENGTH_FRAME]
UPSTREAM_PATH = "03 00 01 02 04 74 65 73 74"  # path [0, 1, 2], data "test"


def valid_group() -> FrameGroup:
    g = FrameGroup("frames-valid", "well-formed frame sequences", FRAME, header=False)
    g.valid("frame.upstream-path-0-1-2", UPSTREAM_PATH, [frame([0, 1, 2], ascii_hex("test"))],
            rule=R, cite=f"{SPEC2}, upstream unit test: path [0, 1, 2], data \"test\" -> "
                         "03 00 01 02 04 74 65 73 74")
    g.valid("frame.upstream-empty-root", "00 00", [frame([], "")], rule=R,
            cite=f"{SPEC2}, upstream unit test: empty path and data -> 00 00")
    g.valid("frame.upstream-hello-result", h("00 10 0f", ascii_hex("hello from Rust")),
            [frame([], h("0f", ascii_hex("hello from Rust")))], rule=R,
            cite=f"{SPEC2}: captured server response 00 10 0f \"hello from Rust\"",
            comment="root frame, 16 data bytes: the string result (length 0f, 15 bytes)")
    g.valid("frame.no-frames", "", [], rule=R,
            comment="a function with no results may send no root frame at all (wrpc.md §3)")
    g.valid("frame.value-split-across-frames", "00 02 e5 8e 00 01 26",
            [frame([], "e5 8e"), frame([], "26")], rule=R,
            comment="u32 624485 (e5 8e 26) split across two root frames: frame boundaries "
                    "carry no meaning")
    g.valid("frame.interleaved-paths", "01 00 01 aa 01 01 01 bb 01 00 01 cc 01 01 01 dd",
            [frame([0], "aa"), frame([1], "bb"), frame([0], "cc"), frame([1], "dd")], rule=R,
            comment="path [0] carries aa cc, path [1] carries bb dd")
    g.valid("frame.root-then-stream-chunks", "00 01 00 01 00 03 02 01 02 01 00 01 00",
            [frame([], "00"), frame([0], "02 01 02"), frame([0], "00")], rule=R,
            comment="pending stream on the root; chunk [1, 2] then the final empty chunk on [0]")
    g.valid("frame.path-element-128", "01 80 01 01 2a", [frame([128], "2a")], rule=R,
            comment="uleb32(128) = 80 01")
    g.valid("frame.path-element-u32-max", "01 ff ff ff ff 0f 01 2a",
            [frame([4294967295], "2a")], rule=R)
    g.valid("frame.data-length-128", h("00 80 01", "2a" * 128), [frame([], "2a" * 128)],
            rule=R, comment="uleb32(128) = 80 01, then 128 x 2a")
    g.valid("frame.path-length-overlong", "80 00 01 2a", [frame([], "2a")], rule=R,
            canonical=False, comment="path_len 0 as 80 00")
    g.valid("frame.data-length-overlong", "00 81 00 2a", [frame([], "2a")], rule=R,
            canonical=False, comment="data_len 1 as 81 00")
    g.valid("frame.path-element-overlong-5-bytes", "01 81 80 80 80 00 01 2a",
            [frame([1], "2a")], rule=R, canonical=False, comment="path[0] = 1 in 5 bytes")
    g.valid("frame.zero-length-non-root", "01 00 00", [frame([0], "")], rule=R, flags=ZERO)
    g.valid("frame.zero-length-between-data", "01 00 01 aa 01 00 00 01 00 01 bb",
            [frame([0], "aa"), frame([0], ""), frame([0], "bb")], rule=R, flags=ZERO)
    return g


def limits_group() -> FrameGroup:
    g = FrameGroup("frames-limits", "path length and data length bounds (explicit limits)",
                   ROBUST, header=False)
    path32 = h("20", "00" * 32, "01 2a")  # path_len 32, 32 x path element 0, data 2a
    g.valid("frame.path-length-32-at-limit", path32, [frame([0] * 32, "2a")],
            rule=Rule.LIMIT_PATH_LENGTH, limits={"max_path_length": 32})
    g.invalid("frame.path-length-33-over-limit", h("21", "00" * 33, "01 2a"),
              rule=Rule.LIMIT_PATH_LENGTH, limits={"max_path_length": 32},
              comment="path_len 33 (21), 33 x path element 0, data 2a")
    g.invalid("frame.path-length-claims-4294967295", "ff ff ff ff 0f 00",
              rule=Rule.LIMIT_PATH_LENGTH, limits={"max_path_length": 32})
    sixteen = h("00 10", "2a" * 16)  # root, data_len 16, 16 x 2a
    g.valid("frame.data-length-16-at-limit", sixteen, [frame([], "2a" * 16)],
            rule=Rule.LIMIT_FRAME_DATA, limits={"max_frame_data": 16})
    g.invalid("frame.data-length-16-over-limit", sixteen, rule=Rule.LIMIT_FRAME_DATA,
              limits={"max_frame_data": 15})
    g.invalid("frame.data-length-65537-over-limit", "00 81 80 04 2a",
              rule=Rule.LIMIT_FRAME_DATA, limits={"max_frame_data": 65536},
              comment="uleb32(65537) = 81 80 04")
    g.invalid("frame.data-length-near-2-pow-32", "00 fe ff ff ff 0f 2a",
              rule=Rule.LIMIT_FRAME_DATA, limits={"max_frame_data": 65536},
              comment="uleb32(2^32 - 2) = fe ff ff ff 0f, then 1 byte")
    return g


def invalid_group() -> FrameGroup:
    g = FrameGroup("frames-invalid", "malformed frames", FRAME, header=False)
    up = bytes.fromhex(UPSTREAM_PATH.replace(" ", ""))
    # Cut after n = 1..8 bytes (0 bytes is no frame at all, valid: frame.no-frames).
    whats = [
        "path element 0 missing",
        "path element 1 missing",
        "path element 2 missing",
        "data length missing",
        "data: 0 of 4 bytes",
        "data: 1 of 4 bytes",
        "data: 2 of 4 bytes",
        "data: 3 of 4 bytes",
    ]
    for n, what in enumerate(whats, start=1):
        g.invalid(f"frame.upstream-path-0-1-2.truncated-at-{n}", up[:n].hex(), rule=TRUNC,
                  comment=what)
    g.invalid("frame.truncated-in-path-length", "80", rule=TRUNC)
    g.invalid("frame.truncated-in-data-length", "00 80", rule=TRUNC)
    g.invalid("frame.truncated-in-path-element", "01 80", rule=TRUNC)
    g.invalid("frame.truncated-second-frame", "00 00 01", rule=TRUNC,
              comment="a complete empty root frame, then path_len 1 and nothing more")
    g.invalid("frame.data-shorter-than-announced", "00 05 61 62", rule=TRUNC)
    g.invalid("frame.path-length.leb128-overlong-6-bytes", "80 80 80 80 80 00 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("frame.data-length.leb128-overlong-6-bytes", "00 80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("frame.path-element.leb128-overlong-6-bytes", "01 80 80 80 80 80 00 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("frame.path-element.unused-bits", "01 80 80 80 80 10 00",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS, comment="path element 2^32")
    g.invalid("frame.data-length.unused-bits", "00 ff ff ff ff 1f",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS)
    return g


def build() -> VectorFile:
    return VectorFile(
        "frames",
        "frame sequences without a header (server to client)",
        [FRAME, "upstream wrpc crates/transport frame codec unit tests (wrpc.md §2)"],
        [valid_group(), limits_group(), invalid_group()],
    )
