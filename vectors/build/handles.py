"""own<R> and borrow<R>: an opaque, application-defined blob encoded as list<u8> (wrpc.md §3,
Resources). Values use this suite's WAVE extension: the blob as a list of bytes, e.g. [1, 2]."""

from __future__ import annotations

from vectors.build.common import Grammar, Group, VectorFile
from wasmnet_reference.rules import ErrorClass, Rule
from wasmnet_reference.wit.types import Field, HandleType, ListType, Prim, RecordType

CITE = "../shared/specs/wrpc.md §3: resources (own<R>, borrow<R>) are an opaque byte blob " \
       "encoded as list<u8>"
OWN = HandleType("r", owned=True)
BORROW = HandleType("r", owned=False)
HOLDER = RecordType("holder", (Field("h", OWN), Field("n", Prim.U8)))
R = Grammar.HANDLE
TRUNC = Rule.LEB128_TRUNCATED


def own_group() -> Group:
    g = Group("own", "own<r>: list<u8> blob", CITE, OWN)
    g.valid("value.own.empty", "00", "[]", rule=R)
    g.valid("value.own.three-bytes", "03 01 02 03", "[1, 2, 3]", rule=R)
    g.valid("value.own.deadbeef", "04 de ad be ef", "[222, 173, 190, 239]", rule=R)
    g.valid("value.own.count-overlong-2-bytes", "81 00 2a", "[42]", rule=R, canonical=False)
    g.invalid("value.own.truncated-empty", "", rule=TRUNC)
    g.invalid("value.own.truncated-in-count", "80", rule=TRUNC)
    g.invalid("value.own.truncated-2-of-3", "03 01 02", rule=Rule.LIST_TRUNCATED)
    g.invalid("value.own.count.leb128-overlong-6-bytes", "80 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES)
    g.invalid("value.own.count.unused-bits", "80 80 80 80 10",
              rule=Rule.LEB128_UNSIGNED_UNUSED_BITS)
    g.invalid("value.own.count-claims-4294967295", "ff ff ff ff 0f 00",
              rule=Rule.LIMIT_LIST_LENGTH, limits={"max_list_length": 65536},
              classes=[ErrorClass.TRUNCATED, ErrorClass.LIMIT_EXCEEDED],
              comment="uleb32(2^32 - 1) = ff ff ff ff 0f, then one byte: bound the count "
                      "before allocating")
    g.invalid("value.own.trailing-byte", "01 01 01", rule=Rule.TRAILING_BYTES)
    return g


def borrow_group() -> Group:
    g = Group("borrow", "borrow<r>: list<u8> blob", CITE, BORROW)
    g.valid("value.borrow.empty", "00", "[]", rule=R)
    g.valid("value.borrow.two-bytes", "02 00 ff", "[0, 255]", rule=R)
    g.valid("value.borrow.in-list", "02 00 01 05", "[[], [5]]", rule=Grammar.LIST,
            t=ListType(BORROW))
    g.invalid("value.borrow.truncated-1-of-2", "02 00", rule=Rule.LIST_TRUNCATED)
    g.invalid("value.borrow.truncated-empty", "", rule=TRUNC)
    g.invalid("value.borrow.count.leb128-overlong-6-bytes", "81 80 80 80 80 00",
              rule=Rule.LEB128_MAX_BYTES,
              comment="1 in 6 bytes: small partial values, so no count bound trips first")
    g.invalid("value.borrow.trailing-byte", "00 00", rule=Rule.TRAILING_BYTES)
    return g


def holder_group() -> Group:
    g = Group("handle-in-record", "a handle as a record field",
              f"{CITE}; record fields are concatenated", HOLDER)
    g.valid("value.own.in-record", "01 2a 07", "{h: [42], n: 7}", rule=Grammar.RECORD)
    g.invalid("value.own.in-record.truncated-before-n", "01 2a", rule=Rule.FIXED_WIDTH_TRUNCATED)
    g.invalid("value.own.in-record.truncated-in-blob", "02 2a", rule=Rule.LIST_TRUNCATED)
    return g


def build() -> VectorFile:
    return VectorFile(
        "handles",
        "resource handles (own, borrow) as opaque list<u8> blobs",
        ["../shared/specs/wrpc.md §3 (Resources)", "../shared/specs/wrpc.md §4 (list<T>)"],
        [own_group(), borrow_group(), holder_group()],
    )
