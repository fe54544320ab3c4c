"""Fuzz targets (fuzz/wasmnet_fuzz/targets, planted.py): they accept what the spec accepts,
their checks fire when the property they state is broken, and the planted bug fires exactly on
its trigger.

Inputs are written by hand from wrpc.md §2 (header, frames) and §4 (value encoding).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wasmnet_fuzz.common import InvariantViolation
from wasmnet_fuzz.findings import Signature, minimize, reproduce, signature_of
from wasmnet_fuzz.planted import PlantedBug, planted_call
from wasmnet_fuzz.targets import TARGETS
from wasmnet_fuzz.targets import differential as diff
from wasmnet_fuzz.targets.machines import check_split
from wasmnet_fuzz.typecode import encode_type
from wasmnet_reference.errors import CodecError
from wasmnet_reference.rules import Rule
from wasmnet_reference.wit.types import Prim
from wasmnet_reference.wrpc.events import (
    Event,
    Failed,
    InputClosed,
    InputComplete,
    ValuesReceived,
)

REPO = Path(__file__).resolve().parents[1]
BROKEN = REPO / "tests" / "broken_testees"

INSTANCE = b"wasmnet:fuzz/planted@0.1.0"
HEADER = b"\x00" + bytes([len(INSTANCE)]) + INSTANCE + b"\x05check"


def _root(data: bytes) -> bytes:
    """A root frame (wrpc.md §2): path_len 0, data_len, data."""
    return b"\x00" + bytes([len(data)]) + data


# list<option<entry>> with one element some({a: 7, b: "boom"}) (wrpc.md §4): count 01,
# option tag 01, u32 7 as LEB128 07, string length 04 then "boom".
TRIGGER = bytes.fromhex("01" "01" "07" "04") + b"boom"


def test_planted_bug_fires_on_its_trigger_only() -> None:
    with pytest.raises(PlantedBug):
        planted_call(HEADER + _root(TRIGGER))
    # frame boundaries carry no meaning: the same value split over two root frames
    with pytest.raises(PlantedBug):
        planted_call(HEADER + _root(TRIGGER[:3]) + _root(TRIGGER[3:]))
    near_misses = [
        bytes.fromhex("01010804") + b"boom",  # a = 8
        bytes.fromhex("01010704") + b"boon",  # b = "boon"
        bytes.fromhex("010007"),  # none, then a stray byte: trailing bytes, rejected
        bytes.fromhex("00"),  # empty list
    ]
    for root in near_misses:
        planted_call(HEADER + _root(root))
    planted_call(HEADER.replace(b"\x05check", b"\x05chekk") + _root(TRIGGER))  # other function
    planted_call(HEADER + b"\x00\x09" + TRIGGER)  # frame announces 9 bytes, 8 follow


def test_every_target_handles_wellformed_and_malformed_input() -> None:
    typed_ok = encode_type(Prim.STRING) + b"\x02hi"
    typed_bad = encode_type(Prim.STRING) + b"\x02\xc0\xaf"  # overlong '/': invalid UTF-8
    frames_ok = b"\x00" + bytes.fromhex("030001020474657374")  # upstream example, no header
    frames_bad = b"\x00" + bytes.fromhex("2100")  # path length 33 > 32
    server_ok = (b"\x00\x00\x04ping" + b"\x00\x00")
    inputs = {
        "frame_decoder": [frames_ok, frames_bad, b"", b"\x01"],
        "frame_stream": [frames_ok, frames_bad, b"\x01" + HEADER + _root(b"")],
        "value_decoder": [typed_ok, typed_bad, b""],
        "roundtrip": [typed_ok, typed_bad, b"\x11\x07" + b"\x00" * 8],
        "server_machine": [server_ok, b"\x01", HEADER + _root(TRIGGER)],
        "client_machine": [b"\x01\x00\x01\x07", b"\x02\x00\x02\x01", b""],
    }
    for name, cases in inputs.items():
        for data in cases:
            assert reproduce(TARGETS[name], data) is None, (name, data.hex())


def _values(*values: object) -> ValuesReceived:
    return ValuesReceived(tuple(values))


def _failed(rule: Rule) -> Failed:
    return Failed(CodecError(rule, "", 0))


def test_split_check_accepts_what_the_framing_allows_and_flags_the_rest() -> None:
    done: list[Event] = [_values(1), InputComplete(), InputClosed()]
    check_split(done, list(done))
    # a later framing fault in one chunk may hide events the byte-by-byte run reported
    check_split([_failed(Rule.FRAME_TRUNCATED)], [_values(1), _failed(Rule.LIST_TRUNCATED)])
    with pytest.raises(InvariantViolation, match="split-changes-events"):
        check_split(done, [_values(2), InputComplete(), InputClosed()])
    with pytest.raises(InvariantViolation, match="split-changes-outcome"):
        check_split(done, [_failed(Rule.FRAME_TRUNCATED)])
    with pytest.raises(InvariantViolation, match="split-changes-events"):
        check_split([_values(1), _failed(Rule.FRAME_TRUNCATED)], [_failed(Rule.FRAME_TRUNCATED)])


def test_signature_and_minimization_of_the_planted_finding() -> None:
    target = TARGETS["planted"]
    noisy_value = bytes.fromhex("03" "00" "01" "01" "01" "78") + TRIGGER[1:]
    # three elements (none, some({a: 1, b: "x"}), the trigger), spread over three root frames,
    # with an empty frame on another path in between
    noisy = (HEADER + _root(noisy_value[:2]) + b"\x01\x00\x00" + _root(noisy_value[2:7])
             + _root(noisy_value[7:]))
    exc = reproduce(target, noisy)
    assert isinstance(exc, PlantedBug)
    signature = signature_of(target, exc)
    assert signature == Signature("planted", "PlantedBug", "fuzz.planted.planted_decode_value")
    assert signature.slug() == "planted-plantedbug-fuzz-planted-planted-decode-value"
    small = minimize(target, noisy, signature)
    assert small == HEADER + _root(TRIGGER)


def test_differential_target_flags_a_peer_with_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    overlong = encode_type(Prim.STRING) + bytes.fromhex("02c0af")  # invalid UTF-8 (overlong)
    fine = encode_type(Prim.STRING) + b"\x02hi"
    try:
        monkeypatch.delenv(diff.PEER_ENV, raising=False)
        diff.close_peer()
        diff.diff_value(overlong)  # the reference testee agrees with the reference
        diff.diff_value(fine)
        diff.close_peer()
        peer = f"{sys.executable} {BROKEN / 'overlong_utf8.py'}"
        monkeypatch.setenv(diff.PEER_ENV, peer)
        diff.diff_value(fine)
        with pytest.raises(InvariantViolation, match="peer-decode-value") as raised:
            diff.diff_value(overlong)
        assert raised.value.rule == "value.string-utf8"
    finally:
        diff.close_peer()
