"""Every rule the codec and framing enforce, with the citation it comes from.

Rule IDs are stable strings: vectors cite them (``rule`` field), rejections carry them, reports
group by them. ``ErrorClass`` is the coarse, language-neutral class of a rejection that the testee
protocol and the vector files use; several rules share one class.

Citations: ``wrpc.md §N`` is ../shared/specs/wrpc.md; ``Binary.md`` is component-model
design/mvp/Binary.md "Value Definitions"; ``core`` is the WebAssembly core binary format.
"""

from __future__ import annotations

import enum


class ErrorClass(str, enum.Enum):
    """Why an input was rejected; the values appear in vector files and testee responses."""

    TRUNCATED = "truncated"
    TRAILING_BYTES = "trailing-bytes"
    LEB128_TOO_LONG = "leb128-too-long"
    LEB128_UNUSED_BITS = "leb128-unused-bits"
    INVALID_BOOL = "invalid-bool"
    INVALID_UTF8 = "invalid-utf8"
    NON_CANONICAL_NAN = "non-canonical-nan"
    INVALID_DISCRIMINANT = "invalid-discriminant"
    INVALID_FLAGS = "invalid-flags"
    UNSUPPORTED_VERSION = "unsupported-version"
    LIMIT_EXCEEDED = "limit-exceeded"
    INVALID_VALUE = "invalid-value"


class Rule(enum.Enum):
    """(rule id, error class, citation)."""

    LEB128_MAX_BYTES = (
        "leb128.max-bytes", ErrorClass.LEB128_TOO_LONG,
        "core binary format: an N-bit integer takes at most ceil(N/7) bytes (wrpc.md §4)",
    )
    LEB128_UNSIGNED_UNUSED_BITS = (
        "leb128.unsigned-unused-bits", ErrorClass.LEB128_UNUSED_BITS,
        "core:uN: bits of the last permitted byte beyond the width must be zero (wrpc.md §4)",
    )
    LEB128_SIGNED_UNUSED_BITS = (
        "leb128.signed-unused-bits", ErrorClass.LEB128_UNUSED_BITS,
        "core:sN: bits of the last permitted byte beyond the width must equal the sign "
        "(wrpc.md §4)",
    )
    LEB128_TRUNCATED = (
        "leb128.truncated", ErrorClass.TRUNCATED,
        "core:uN/sN: the input ended while the continuation bit was set",
    )
    BOOL_BYTE = (
        "value.bool", ErrorClass.INVALID_BOOL,
        "Binary.md value definitions: bool is 0x00 (false) or 0x01 (true) (wrpc.md §4)",
    )
    FIXED_WIDTH_TRUNCATED = (
        "value.fixed-width-truncated", ErrorClass.TRUNCATED,
        "bool, u8/s8, f32/f64, flags and the option/result/future tag byte have a fixed byte "
        "width; the input ended inside it",
    )
    FLOAT_CANONICAL_NAN = (
        "value.float-canonical-nan", ErrorClass.NON_CANONICAL_NAN,
        "Binary.md: a NaN is valid only as 00 00 c0 7f (f32) / 00 00 00 00 00 00 f8 7f (f64) "
        "(wrpc.md §4)",
    )
    CHAR_UTF8 = (
        "value.char-utf8", ErrorClass.INVALID_UTF8,
        "Binary.md: char is the UTF-8 of one Unicode scalar value, strict (wrpc.md §4)",
    )
    CHAR_TRUNCATED = (
        "value.char-truncated", ErrorClass.TRUNCATED,
        "char: the input ended inside the UTF-8 sequence",
    )
    STRING_UTF8 = (
        "value.string-utf8", ErrorClass.INVALID_UTF8,
        "core:name: strict UTF-8, no overlong forms, surrogates or code points above U+10FFFF "
        "(wrpc.md §4)",
    )
    STRING_TRUNCATED = (
        "value.string-truncated", ErrorClass.TRUNCATED,
        "core:name: fewer bytes than the length prefix announced",
    )
    LIST_TRUNCATED = (
        "value.list-truncated", ErrorClass.TRUNCATED,
        "list<T>: fewer elements than the uleb32 count announced",
    )
    OPTION_DISCRIMINANT = (
        "value.option-discriminant", ErrorClass.INVALID_DISCRIMINANT,
        "option<T>: 00 none or 01 some; any other byte is invalid (wrpc.md §4)",
    )
    RESULT_DISCRIMINANT = (
        "value.result-discriminant", ErrorClass.INVALID_DISCRIMINANT,
        "result<T, E>: 00 ok or 01 error; any other byte is invalid (wrpc.md §4)",
    )
    VARIANT_DISCRIMINANT = (
        "value.variant-discriminant", ErrorClass.INVALID_DISCRIMINANT,
        "variant: uleb32 case index must name a declared case (wrpc.md §4)",
    )
    ENUM_DISCRIMINANT = (
        "value.enum-discriminant", ErrorClass.INVALID_DISCRIMINANT,
        "enum: uleb32 case index must name a declared case (wrpc.md §4)",
    )
    FUTURE_DISCRIMINANT = (
        "value.future-discriminant", ErrorClass.INVALID_DISCRIMINANT,
        "future<T>: variant { pending, ready(T) }: 00 or 01 (wrpc.md §3)",
    )
    FLAGS_UNKNOWN_BIT = (
        "value.flags-unknown-bit", ErrorClass.INVALID_FLAGS,
        "flags: ceil(N/8) bytes name only the first N bits; reference reading: a set bit "
        "beyond N is rejected [ambiguous: flags-bits-beyond-n] (wrpc.md §4)",
    )
    TRAILING_BYTES = (
        "value.trailing-bytes", ErrorClass.TRAILING_BYTES,
        "a decode request covers exactly one value: bytes after it are not part of it",
    )
    HEADER_VERSION = (
        "header.version", ErrorClass.UNSUPPORTED_VERSION,
        "wrpc.md §2: the protocol version byte; only 0 is defined",
    )
    HEADER_NAME_UTF8 = (
        "header.name-utf8", ErrorClass.INVALID_UTF8,
        "wrpc.md §2: instance and function are core:name, strict UTF-8",
    )
    HEADER_TRUNCATED = (
        "header.truncated", ErrorClass.TRUNCATED,
        "wrpc.md §2: the stream ended inside the invocation header",
    )
    FRAME_TRUNCATED = (
        "frame.truncated", ErrorClass.TRUNCATED,
        "wrpc.md §2: the stream ended inside a frame (path or data shorter than announced)",
    )
    LIMIT_NAME_LENGTH = (
        "limit.name-length", ErrorClass.LIMIT_EXCEEDED,
        "robustness (wrpc.md §2: a robust peer bounds every length it reads): name length",
    )
    LIMIT_PATH_LENGTH = (
        "limit.path-length", ErrorClass.LIMIT_EXCEEDED,
        "robustness: frame path length (upstream decoder default: 32)",
    )
    LIMIT_FRAME_DATA = (
        "limit.frame-data", ErrorClass.LIMIT_EXCEEDED,
        "robustness: frame data length (upstream default 4294967295)",
    )
    LIMIT_LIST_LENGTH = (
        "limit.list-length", ErrorClass.LIMIT_EXCEEDED,
        "robustness: list, stream chunk and handle element counts are bounded before allocation",
    )
    LIMIT_STRING_LENGTH = (
        "limit.string-length", ErrorClass.LIMIT_EXCEEDED,
        "robustness: string byte length is bounded before allocation",
    )
    LIMIT_DEPTH = (
        "limit.depth", ErrorClass.LIMIT_EXCEEDED,
        "robustness: type nesting depth is bounded",
    )
    VALUE_OUT_OF_TYPE = (
        "value.out-of-type", ErrorClass.INVALID_VALUE,
        "encoding: the value does not belong to the type (out of range, unknown case, ...)",
    )

    @property
    def id(self) -> str:
        return str(self.value[0])

    @property
    def error_class(self) -> ErrorClass:
        ec: ErrorClass = self.value[1]
        return ec

    @property
    def citation(self) -> str:
        return str(self.value[2])


class Ambiguity(str, enum.Enum):
    """Points where the spec is [ambiguous] (wrpc.md); vectors flag them, reports record them."""

    FLAGS_BITS_BEYOND_N = "flags-bits-beyond-n"
    READY_STREAM = "ready-stream"
    VARIANT_PAYLOAD_PATH = "variant-payload-path"
    ZERO_LENGTH_FRAME = "zero-length-frame"
    FLAGS_OVER_32 = "flags-over-32"
