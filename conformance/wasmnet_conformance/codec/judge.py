"""Judging one testee response against one case: pure functions, no I/O.

The rules are the table "How results are judged" in docs/testee-protocol.md:

- valid: an ``ok`` with an equal value passes; an error or a different value fails;
- invalid: any rejection passes (a class outside ``error_classes`` is noted, not failed);
  acceptance fails;
- acceptable: a rejection passes; acceptance with ``value`` or one of ``alt_values`` passes
  the lenient profile only;
- ``unsupported``: skipped under both profiles.

Encode checks (canonical valid vectors): the same bytes pass; other bytes pass the lenient
profile only if the reference decodes them to an equal value.

Value equality is :func:`~wasmnet_reference.values.values_equal` on values parsed from WAVE
with the vector's type (NaN equals NaN, -0 differs from 0).

Profiles for this part: strict requires ambiguous inputs to be rejected and encodings to be
canonical; lenient accepts either reading of an ambiguity and any encoding the reference reads
back equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wasmnet_conformance.codec.cases import Case, Op
from wasmnet_conformance.codec.frames_json import frames_view
from wasmnet_conformance.codec.vectors import (
    EXPECT_FIELD,
    INVALID,
    VALID,
    VALUE_FIELD,
    AnyVector,
    FramesVector,
    ValueVector,
)
from wasmnet_conformance.results import Profile, Verdict
from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.errors import WireError
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import ErrorClass
from wasmnet_reference.testee.protocol import BAD_REQUEST, UNKNOWN_CLASS, parse_hex
from wasmnet_reference.values import values_equal
from wasmnet_reference.wave import WaveError, format_wave, parse_wave

KNOWN_CLASSES = frozenset(c.value for c in ErrorClass) | {UNKNOWN_CLASS}


@dataclass(frozen=True)
class Judgment:
    strict: Verdict
    lenient: Verdict
    detail: str
    """Why, in one line a person can act on."""
    class_note: str | None = None
    """Set when an input was rightly rejected but with a class the vector does not list."""
    reading: str | None = None
    """What the testee did with the input (``accepted (value)``, ``rejected (truncated)``,
    ...): recorded per ambiguity flag in the report."""

    def verdict(self, profile: Profile) -> Verdict:
        return self.strict if profile is Profile.STRICT else self.lenient


def _both(verdict: Verdict, detail: str, **kw: Any) -> Judgment:
    return Judgment(verdict, verdict, detail, **kw)


def skipped(reason: str) -> Judgment:
    """A case that was not run or that the testee cannot do: never a pass."""
    return _both(Verdict.SKIP, reason, reading="unsupported")


def no_answer(reason: str) -> Judgment:
    """The testee crashed, hung, wrote garbage or closed its output instead of answering."""
    return _both(Verdict.FAIL, reason, reading="no answer")


def judge(case: Case, response: dict[str, Any]) -> Judgment:
    """Judge ``response`` (a testee message whose ``id`` already matched) for ``case``."""
    status = response.get("status")
    message = response.get("message")
    said = f": {message}" if isinstance(message, str) and message else ""
    if status == "unsupported":
        return skipped(f"testee answered unsupported{said}")
    if status == "error":
        return _judge_rejection(case, response.get("class"), said)
    if status != "ok":
        return _malformed(f"unknown status {status!r}")
    try:
        if case.op is Op.ENCODE_VALUE:
            assert isinstance(case.vector, ValueVector)
            return _judge_encoding(case.vector, response.get("bytes"))
        if isinstance(case.vector, FramesVector):
            return _judge_frames(case.vector, response)
        return _judge_value(case.vector, response.get("value"))
    except _Malformed as e:
        return _malformed(str(e))


class _Malformed(Exception):
    """An ``ok`` response that lacks or mistypes a field the op must return."""


def _malformed(what: str) -> Judgment:
    return _both(Verdict.FAIL, f"malformed response: {what}", reading="malformed response")


def _judge_rejection(case: Case, error_class: Any, said: str) -> Judgment:
    if not isinstance(error_class, str):
        return _malformed(f"an error response needs a string 'class', not {error_class!r}")
    if error_class == BAD_REQUEST:
        return _both(Verdict.FAIL, f"testee called the request malformed{said}",
                     reading="bad request")
    v = case.vector
    reading = f"rejected ({error_class})"
    if v.result == VALID:
        what = "refused to encode the valid value" if case.op is Op.ENCODE_VALUE else (
            "rejected valid input")
        return _both(Verdict.FAIL, f"{what}: {error_class}{said}", reading=reading)
    return _both(
        Verdict.PASS,
        f"rejected: {error_class}{said}",
        class_note=_class_note(v, error_class),
        reading=reading,
    )


def _class_note(v: AnyVector, error_class: str) -> str | None:
    if not v.error_classes or error_class in v.error_classes:
        return None
    expected = ", ".join(v.error_classes)
    if error_class == UNKNOWN_CLASS:
        return f"rejected without a class (unknown); the vector expects one of: {expected}"
    unrecognised = "" if error_class in KNOWN_CLASSES else " (not a protocol error class)"
    return (
        f"rejected for a different reason: {error_class}{unrecognised}; "
        f"the vector expects one of: {expected}"
    )


def _judge_accepted(v: AnyVector, matched: str | None, shown: str) -> Judgment:
    """An ``ok`` decode: ``matched`` is the label of the accepting reading whose result equals
    the testee's (``value``, ``alt_values[i]``, ``expect``) or None; ``shown`` describes it."""
    reading = f"accepted ({matched})"
    if v.result == VALID:
        if matched in (VALUE_FIELD, EXPECT_FIELD):
            return _both(Verdict.PASS, f"decoded {shown}", reading=reading)
        if matched is not None:
            return Judgment(
                Verdict.FAIL,
                Verdict.PASS,
                f"decoded {shown} ({matched}), the other reading of an ambiguity; the strict "
                f"profile requires {_primary(v)}",
                reading=reading,
            )
        return _both(Verdict.FAIL, f"decoded {shown}, expected {_expected(v)}",
                     reading="accepted (different value)")
    if v.result == INVALID:
        classes = ", ".join(v.error_classes) or "any class"
        return _both(Verdict.FAIL, f"accepted invalid input as {shown}; expected a rejection "
                     f"({classes})", reading="accepted")
    if matched is None:
        readings = f"accepting readings give {_expected(v)}" if _accepts(v) else (
            "no reading of this vector accepts it")
        return _both(Verdict.FAIL, f"accepted as {shown}, but {readings}",
                     reading="accepted (different value)")
    return Judgment(
        Verdict.FAIL,
        Verdict.PASS,
        f"accepted as {shown} ({matched}); the strict profile requires a rejection",
        reading=reading,
    )


def _accepts(v: AnyVector) -> bool:
    """Whether some reading of ``v`` accepts its bytes (and says with what result)."""
    return v.expect is not None if isinstance(v, FramesVector) else bool(v.accepted)


def _primary(v: AnyVector) -> str:
    return v.expect.describe() if isinstance(v, FramesVector) and v.expect else (
        v.accepted[0][1] if isinstance(v, ValueVector) and v.accepted else "")


def _expected(v: AnyVector) -> str:
    """The accepting readings' results, for messages (only called when there are some)."""
    if isinstance(v, FramesVector):
        return v.expect.describe() if v.expect else ""
    return " or ".join(text for _, text, _ in v.accepted)


def _judge_value(v: ValueVector, text: Any) -> Judgment:
    if not isinstance(text, str):
        raise _Malformed(f"'value' must be a WAVE string, not {text!r}")
    try:
        got = parse_wave(text, v.type)
    except WaveError as e:
        return _both(
            Verdict.FAIL,
            f"testee value {text!r} is not WAVE of type {v.wit}: {e}",
            reading="malformed value",
        )
    matched = next((label for label, _, want in v.accepted if values_equal(got, want)), None)
    return _judge_accepted(v, matched, text)


def _judge_frames(v: FramesVector, response: dict[str, Any]) -> Judgment:
    try:
        got = frames_view(response.get("header"), response.get("frames"))
    except ValueError as e:
        raise _Malformed(str(e)) from None
    matched = EXPECT_FIELD if v.expect is not None and got == v.expect else None
    return _judge_accepted(v, matched, got.describe())


def _judge_encoding(v: ValueVector, hex_text: Any) -> Judgment:
    if not isinstance(hex_text, str):
        raise _Malformed(f"'bytes' must be a hex string, not {hex_text!r}")
    try:
        got = parse_hex(hex_text)
    except ValueError as e:
        raise _Malformed(f"'bytes': {e}") from None
    want_text, want = v.accepted[0][1], v.accepted[0][2]
    if got == v.data:
        return _both(Verdict.PASS, f"encoded {got.hex()}", reading="canonical bytes")
    other = f"encoded {got.hex() or '(no bytes)'}, canonical is {v.data.hex()}"
    try:
        decoded = decode_value(got, v.type, Limits.from_json(v.limits))
    except WireError as e:
        return _both(Verdict.FAIL, f"{other}; the reference rejects those bytes: {e}",
                     reading="invalid bytes")
    if not values_equal(decoded, want):
        return _both(
            Verdict.FAIL,
            f"{other}; those bytes decode to {format_wave(decoded, v.type)}, not {want_text}",
            reading="wrong value",
        )
    return Judgment(
        Verdict.FAIL,
        Verdict.PASS,
        f"{other}; same value, non-canonical bytes (the strict profile requires canonical)",
        reading="non-canonical bytes",
    )
