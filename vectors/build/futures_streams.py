"""future<T> and stream<T> on the root channel (wrpc.md §3), written to vectors/async.json.

- future<T> is variant { pending, ready(T) }: 00 pending, or 01 ++ T ready.
- stream<T> is list<T>. Reference reading of the ready-stream ambiguity (upstream Rust): an
  empty list (00) is a pending stream whose chunks follow on its own path, a non-empty list is
  a complete, ready stream of exactly those elements. The other reading decodes 00 as the
  complete empty stream, listed in alt_values.

Values use this suite's WAVE extension: pending, ready(V) / ready for future without a type,
ready([V, ...]) for streams.
"""

from __future__ import annotations

from vectors.build.common import Grammar, Group, VectorFile
from wasmnet_reference.rules import Ambiguity, ErrorClass, Rule
from wasmnet_reference.wit.types import Field, FutureType, Prim, RecordType, StreamType

SPEC3 = "../shared/specs/wrpc.md §3"
FUT_CITE = f"{SPEC3}: futures are encoded as variant {{ pending, ready(T) }}, i.e. 00 pending " \
           "or 01 ++ T"
STREAM_CITE = f"{SPEC3}: streams are encoded as list<T>; [ambiguous] ready vs pending on the " \
              "root channel (upstream Rust: empty list = pending, non-empty = complete stream)"
READY_STREAM = Ambiguity.READY_STREAM
JOB = RecordType("job", (Field("id", Prim.U32), Field("done", FutureType(Prim.BOOL))))
BAD = Rule.FUTURE_DISCRIMINANT
FIXED = Rule.FIXED_WIDTH_TRUNCATED


def future_group() -> Group:
    fu8 = FutureType(Prim.U8)
    g = Group("future", "future<T>: 00 pending, 01 ++ T ready", FUT_CITE, fu8)
    r = Grammar.FUTURE
    untyped = FutureType(None)
    nested = FutureType(FutureType(Prim.U8))
    g.valid("value.future.u8.pending", "00", "pending", rule=r)
    g.valid("value.future.u8.ready", "01 2a", "ready(42)", rule=r)
    g.valid("value.future.string.ready", "01 02 68 69", 'ready("hi")', rule=r,
            t=FutureType(Prim.STRING))
    g.valid("value.future.untyped.pending", "00", "pending", rule=r, t=untyped)
    g.valid("value.future.untyped.ready", "01", "ready", rule=r, t=untyped)
    g.valid("value.future.future.ready-pending", "01 00", "ready(pending)", rule=r, t=nested)
    g.valid("value.future.future.ready-ready", "01 01 07", "ready(ready(7))", rule=r, t=nested)
    g.valid("value.future.stream.ready-pending", "01 00", "ready(pending)", rule=r,
            t=FutureType(StreamType(Prim.U8)), alt_values=["ready(ready([]))"],
            flags=[READY_STREAM])
    g.valid("value.future.in-record.pending", "07 00", "{id: 7, done: pending}",
            rule=Grammar.RECORD, t=JOB)
    g.valid("value.future.in-record.ready", "07 01 01", "{id: 7, done: ready(true)}",
            rule=Grammar.RECORD, t=JOB)
    g.invalid("value.future.u8.discriminant-02", "02", rule=BAD)
    g.invalid("value.future.u8.discriminant-ff", "ff 2a", rule=BAD)
    g.invalid("value.future.u8.discriminant-80-00-not-leb128", "80 00", rule=BAD)
    g.invalid("value.future.untyped.discriminant-02", "02", rule=BAD, t=untyped)
    g.invalid("value.future.future.inner-discriminant-02", "01 02", rule=BAD, t=nested)
    g.invalid("value.future.u8.truncated-empty", "", rule=FIXED)
    g.invalid("value.future.u8.truncated-ready-no-payload", "01", rule=FIXED)
    g.invalid("value.future.u8.pending-trailing-byte", "00 00", rule=Rule.TRAILING_BYTES,
              comment="a pending future carries nothing on the root channel")
    g.invalid("value.future.untyped.ready-trailing-byte", "01 00", rule=Rule.TRAILING_BYTES,
              t=untyped)
    g.invalid("value.future.bool.ready-invalid-bool", "01 02", rule=Rule.BOOL_BYTE,
              t=FutureType(Prim.BOOL))
    g.invalid("value.future.string.ready-bad-utf8", "01 01 ff", rule=Rule.STRING_UTF8,
              t=FutureType(Prim.STRING))
    g.invalid("value.future.in-record.truncated-before-future", "07", rule=FIXED, t=JOB)
    return g


def stream_group() -> Group:
    su8 = StreamType(Prim.U8)
    g = Group("stream", "stream<T>: list<T>; 00 pending, non-empty list a ready stream",
              STREAM_CITE, su8)
    r = Grammar.STREAM
    rs = [READY_STREAM]
    g.valid("value.stream.u8.pending", "00", "pending", rule=r, flags=rs,
            alt_values=["ready([])"])
    g.valid("value.stream.u8.ready-two", "02 01 02", "ready([1, 2])", rule=r, flags=rs)
    g.valid("value.stream.u8.ready-count-overlong", "82 00 01 02", "ready([1, 2])", rule=r,
            flags=rs, canonical=False)
    g.valid("value.stream.string.ready", "01 01 61", 'ready(["a"])', rule=r, flags=rs,
            t=StreamType(Prim.STRING))
    g.valid("value.stream.untyped.pending", "00", "pending", rule=r, flags=rs,
            alt_values=["ready([])"], t=StreamType(None))
    g.invalid("value.stream.u8.truncated-empty", "", rule=Rule.LEB128_TRUNCATED)
    g.invalid("value.stream.u8.truncated-in-count", "80", rule=Rule.LEB128_TRUNCATED)
    g.invalid("value.stream.u8.truncated-1-of-2", "02 01", rule=Rule.LIST_TRUNCATED)
    g.invalid("value.stream.u8.count.leb128-overlong-6-bytes", "80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.stream.u8.count-claims-4294967295", "ff ff ff ff 0f 01",
              rule=Rule.LIMIT_LIST_LENGTH, limits={"max_list_length": 65536},
              classes=[ErrorClass.TRUNCATED, ErrorClass.LIMIT_EXCEEDED])
    g.invalid("value.stream.u8.pending-trailing-byte", "00 00", rule=Rule.TRAILING_BYTES)
    g.invalid("value.stream.bool.element-invalid-bool", "01 02", rule=Rule.BOOL_BYTE,
              t=StreamType(Prim.BOOL))
    g.invalid("value.stream.u32.element-unused-bits", "01 ff ff ff ff 1f",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS, t=StreamType(Prim.U32))
    return g


def build() -> VectorFile:
    return VectorFile(
        "async",
        "future and stream values on the root channel (pending markers and ready values)",
        [f"{SPEC3} (futures, streams)", "../shared/specs/wrpc.md §4 (list<T>, variant)"],
        [future_group(), stream_group()],
    )
