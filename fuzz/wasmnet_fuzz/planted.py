"""A deliberately planted bug, for the fuzzing experiment only (never part of the reference).

:func:`planted_decode_value` wraps the reference decoder and raises :class:`PlantedBug` when a
value of type ``list<option<entry>>`` (``record entry { a: u32, b: string }``) holds an element
``some({a: 7, b: "boom"})``. The target :func:`planted_call` reaches it only through a valid
invocation header naming :data:`INSTANCE` / :data:`FUNCTION` and a root frame whose bytes decode
as that type: two levels of structure (frame, then a record field inside an option inside a list)
that byte-level mutation has to keep consistent (header lengths, the frame length, the list
count, the option tag, the string length) while the structure-aware mutator keeps them so by
construction.

``tests/broken_testees/fuzz_planted.py`` is a codec testee with the same bug; the finding this
experiment produces, turned into a vector, must fail it and pass the reference.
"""

from __future__ import annotations

from wasmnet_fuzz.common import FUZZ_LIMITS
from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing import ROOT, decode_stream, per_path_data
from wasmnet_reference.limits import Limits
from wasmnet_reference.values import Some, Value
from wasmnet_reference.wit.types import Field, ListType, OptionType, Prim, RecordType, WitType

INSTANCE = "wasmnet:fuzz/planted@0.1.0"
FUNCTION = "check"
ENTRY = RecordType("entry", (Field("a", Prim.U32), Field("b", Prim.STRING)))
PLANTED_TYPE: WitType = ListType(OptionType(ENTRY))
TRIGGER_A = 7
TRIGGER_B = "boom"


class PlantedBug(Exception):
    """The planted defect fired (a stand-in for a crash in a decoder)."""


def planted_condition(value: Value) -> bool:
    """Whether ``value`` (a ``list<option<entry>>``) holds ``some({a: 7, b: "boom"})``.
    The tests are nested one field at a time, as a real bug's condition would be."""
    if not isinstance(value, list):
        return False
    for item in value:
        if isinstance(item, Some) and isinstance(item.value, dict):
            record = item.value
            if record["a"] == TRIGGER_A:  # noqa: SIM102 - one branch per level, on purpose
                if record["b"] == TRIGGER_B:
                    return True
    return False


def planted_decode_value(data: bytes, ty: WitType, limits: Limits = FUZZ_LIMITS) -> Value:
    """``decode_value`` with the planted bug."""
    value = decode_value(data, ty, limits)
    if ty == PLANTED_TYPE and planted_condition(value):
        raise PlantedBug(f"planted bug: {TRIGGER_B!r} with a = {TRIGGER_A}")
    return value


def planted_call(data: bytes) -> None:
    """Target body: a client stream calling ``check(items: list<option<entry>>)``."""
    try:
        header, frames = decode_stream(data, expect_header=True, limits=FUZZ_LIMITS)
    except WireError:
        return
    if header is None or (header.instance, header.function) != (INSTANCE, FUNCTION):
        return
    root = per_path_data(frames).get(ROOT, b"")
    try:
        planted_decode_value(root, PLANTED_TYPE)
    except WireError:
        return
