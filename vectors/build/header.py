"""The client-to-server stream: version byte, instance and function names, frames (wrpc.md §2).

  00                 protocol version byte (only 0 is defined)
  name(instance)     uleb32(byte length) ++ UTF-8
  name(function)     uleb32(byte length) ++ UTF-8
  frame*             zero or more frames

Every vector here has ``header: true``: ``bytes`` is a whole stream ending in end-of-stream.
"""

from __future__ import annotations

from vectors.build.common import FrameGroup, Grammar, VectorFile, ascii_hex, frame, h, name
from wasmnet_reference.rules import Rule

SPEC2 = "../shared/specs/wrpc.md §2"
HEADER = f"{SPEC2}: client to server: 00 (version), name(instance), name(function), frame*"
UTF8 = f"{SPEC2}: instance and function are core:name: uleb32 length ++ strict UTF-8"
R = Grammar.HEADER
TRUNC = Rule.HEADER_TRUNCATED

HELLO_INSTANCE = name("1b", "wrpc-examples:hello/handler")  # 27 bytes
HELLO_FUNCTION = name("05", "hello")
# A small header for the truncation series: 00 | 05 "a:b/c" | 01 "f"  (9 bytes)
SMALL = h("00", name("05", "a:b/c"), name("01", "f"))


def valid_group() -> FrameGroup:
    g = FrameGroup("header-valid", "well-formed invocation headers", HEADER, header=True)
    g.valid("header.upstream-hello-capture", h("00", HELLO_INSTANCE, HELLO_FUNCTION, "00 00"),
            [frame([], "")], rule=R, instance="wrpc-examples:hello/handler",
            function="hello",
            cite=f"{SPEC2}: captured call to hello: func() -> string: 00 1b "
                 "\"wrpc-examples:hello/handler\" 05 \"hello\" 00 00, then FIN",
            comment="the upstream client always sends a root frame, empty (00 00) without "
                    "parameters")
    g.valid("header.empty-instance-world-function", h("00", "00", HELLO_FUNCTION, "00 00"),
            [frame([], "")], rule=R, instance="", function="hello",
            cite=f"{SPEC2}: instance is the empty string for a function exported directly by "
                 "a world")
    g.valid("header.method-name-and-versioned-instance",
            h("00", name("20", "wasi:keyvalue/store@0.2.0-draft2"), name("0a", "bucket.get"),
              "00 03 02 6b 31"),
            [frame([], "02 6b 31")], rule=R, instance="wasi:keyvalue/store@0.2.0-draft2",
            function="bucket.get",
            cite=f"{SPEC2}, Naming: [method]bucket.get travels as bucket.get",
            comment="root frame: 3 bytes of parameters (the string \"k1\")")
    g.valid("header.complete-no-frames", SMALL, [], rule=R, instance="a:b/c", function="f",
            comment="frame* allows zero frames")
    g.valid("header.with-parameters", h(SMALL, "00 02 07 08"), [frame([], "07 08")], rule=R,
            instance="a:b/c", function="f")
    g.valid("header.with-async-parameter-frames",
            h(SMALL, "00 01 00", "01 00 02 01 2a", "01 00 01 00"),
            [frame([], "00"), frame([0], "01 2a"), frame([0], "00")], rule=R,
            instance="a:b/c", function="f",
            comment="stream<u8> parameter: pending (00) on the root, a chunk [42] and the final "
                    "empty chunk on path [0]")
    g.valid("header.non-ascii-names", h("00", "02 c3 a9", "02 c6 92", "00 00"),
            [frame([], "")], rule=Rule.HEADER_NAME_UTF8, instance="é", function="ƒ",
            cite=UTF8, comment="U+00E9 = c3 a9, U+0192 = c6 92")
    g.valid("header.name-length-overlong", h("00", "85 00", ascii_hex("a:b/c"), name("01", "f")),
            [], rule=R, instance="a:b/c", function="f", canonical=False,
            comment="uleb32(5) as 85 00: non-minimal but within 5 bytes")
    g.valid("header.instance-name-at-limit", h("00", HELLO_INSTANCE, HELLO_FUNCTION), [],
            rule=Rule.LIMIT_NAME_LENGTH, instance="wrpc-examples:hello/handler",
            function="hello", limits={"max_name_length": 27},
            cite=f"{SPEC2}: a robust peer bounds every length it reads")
    return g


def invalid_group() -> FrameGroup:
    g = FrameGroup("header-invalid", "malformed invocation headers", HEADER, header=True)
    version = Rule.HEADER_VERSION
    g.invalid("header.version-01", h("01", name("01", "a"), name("01", "f"), "00 00"),
              rule=version)
    g.invalid("header.version-ff", h("ff", name("01", "a"), name("01", "f"), "00 00"),
              rule=version)
    g.invalid("header.version-80-not-leb128", h("80 00", name("01", "a"), name("01", "f")),
              rule=version, comment="the version is one byte; 80 00 is not a way to write 0")
    bad = Rule.HEADER_NAME_UTF8
    g.invalid("header.instance-name.utf8.overlong-2-byte", h("00 02 c0 80", name("01", "f")),
              rule=bad, cite=UTF8)
    g.invalid("header.instance-name.utf8.surrogate-d800", h("00 03 ed a0 80", name("01", "f")),
              rule=bad, cite=UTF8)
    g.invalid("header.instance-name.utf8.above-10ffff", h("00 04 f4 90 80 80", name("01", "f")),
              rule=bad, cite=UTF8)
    g.invalid("header.function-name.utf8.lone-continuation", h("00", name("01", "a"), "01 80"),
              rule=bad, cite=UTF8)
    g.invalid("header.function-name.utf8.truncated-sequence", h("00", name("01", "a"), "01 c3"),
              rule=bad, cite=UTF8, comment="length 1 covers only the lead byte c3")
    g.invalid("header.function-name.utf8.lead-ff", h("00", name("01", "a"), "01 ff"), rule=bad,
              cite=UTF8)
    g.invalid("header.instance-name.length.leb128-overlong-6-bytes", "00 80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("header.instance-name.length.unused-bits", "00 80 80 80 80 10",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS)
    g.invalid("header.function-name.length.leb128-overlong-6-bytes",
              h("00", name("01", "a"), "81 80 80 80 80 00"), rule=Rule.LEB128_MAX_BYTES,
              comment="1 in 6 bytes: small partial values, so no length bound trips first")
    g.invalid("header.instance-name.length-claims-4294967295", "00 ff ff ff ff 0f 61",
              rule=Rule.LIMIT_NAME_LENGTH, limits={"max_name_length": 65536},
              cite=f"{SPEC2}: a robust peer bounds every length it reads",
              comment="uleb32(2^32 - 1), then 1 byte: bound the length before allocating")
    g.invalid("header.instance-name-over-limit", h("00", HELLO_INSTANCE, HELLO_FUNCTION),
              rule=Rule.LIMIT_NAME_LENGTH, limits={"max_name_length": 26},
              cite=f"{SPEC2}: a robust peer bounds every length it reads",
              comment="27-byte instance name, limit 26")
    return g


def truncation_group() -> FrameGroup:
    g = FrameGroup("header-truncated", "the small header 00 05 'a:b/c' 01 'f' cut at every "
                   "position, and cut inside its first frame", HEADER, header=True)
    whats = [
        "empty stream: version byte missing",
        "instance length missing",
        "instance: 0 of 5 bytes",
        "instance: 1 of 5 bytes",
        "instance: 2 of 5 bytes",
        "instance: 3 of 5 bytes",
        "instance: 4 of 5 bytes",
        "function length missing",
        "function: 0 of 1 bytes",
    ]
    small = bytes.fromhex(SMALL)
    for n, what in enumerate(whats):
        g.invalid(f"header.truncated-at-{n}", small[:n].hex(), rule=TRUNC, comment=what)
    g.invalid("header.truncated-in-first-frame-data-len", h(SMALL, "00"),
              rule=Rule.FRAME_TRUNCATED, comment="root frame: data length missing")
    g.invalid("header.truncated-in-first-frame-data", h(SMALL, "00 02 2a"),
              rule=Rule.FRAME_TRUNCATED, comment="root frame: 1 of 2 data bytes")
    return g


def build() -> VectorFile:
    return VectorFile(
        "header",
        "client-to-server streams: version, instance and function names, then frames",
        [HEADER, "upstream capture of wrpc-examples:hello/handler.hello (wrpc.md §2)"],
        [valid_group(), invalid_group(), truncation_group()],
    )
