"""Judging what the server did with one case's bytes (pure functions over an observation).

Decisions, each with its rule:

- Valid calls: the results must be complete and **value-equal** to an allowed result (futures
  and streams compared by their resolved content; wrpc.md §2: frame boundaries carry no
  meaning; docs/conformance-world.md: echo equality is exact), then the server must close its
  write side (wrpc.md §1: a peer half-closes when it has nothing more to send). Bytes that
  decode to the right value but are not what a canonical encoder writes are valid (wrpc.md §4:
  non-minimal LEB128 within the limit is valid): they pass the lenient profile, are recorded
  as the reading ``non-canonical-encoding`` and fail the strict profile, as in the codec part.
- Bad input: the server must close (FIN or reset) without complete results (wrpc.md §1: a failed
  call shows up as the server closing the connection before complete results arrive), within
  the case timeout: a server still holding the connection open then has hung on bad input.
  Partial results before the close are allowed.
- Ambiguous input: complete allowed results ("accepted") or a close without results
  ("rejected"); the reading is recorded; the strict profile requires "rejected" where the case
  says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wasmnet_conformance.results import Profile, Verdict
from wasmnet_conformance.wiretrace import WireTrace
from wasmnet_conformance.wrpc_server.connection import End
from wasmnet_conformance.wrpc_server.model import Kind, ServerCase
from wasmnet_conformance.wrpc_server.response import ResponseAssembler
from wasmnet_reference.values import Value, values_equal
from wasmnet_reference.wave import WaveError, format_wave
from wasmnet_reference.wit.types import WitType

MAX_SHOWN = 200
"""Characters of a value shown in a detail line."""

ACCEPTED, REJECTED = "accepted", "rejected"
NON_CANONICAL = "non-canonical-encoding"


@dataclass
class Observation:
    """Everything the suite saw on one connection."""

    response: ResponseAssembler
    trace: WireTrace
    end: End | None = None
    """How the server's side ended; None if it was still open when the suite stopped."""
    timeout_s: float = 0.0
    connect_error: str | None = None
    awaits: dict[str, bool] = field(default_factory=dict)
    """Await label -> whether the awaited progress happened within its window."""


@dataclass(frozen=True)
class Judgment:
    verdicts: dict[Profile, Verdict]
    detail: str
    reading: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(v is Verdict.FAIL for v in self.verdicts.values())


def both(verdict: Verdict, detail: str, reading: str | None = None, **extra: Any) -> Judgment:
    return Judgment({p: verdict for p in Profile}, detail, reading, dict(extra))


def split(
    lenient: Verdict, strict: Verdict, detail: str, reading: str | None = None, **extra: Any
) -> Judgment:
    return Judgment({Profile.LENIENT: lenient, Profile.STRICT: strict}, detail, reading, extra)


def show(value: Value, ty: WitType | None) -> str:
    """A value as WAVE text, shortened for a detail line."""
    if ty is None:
        return "(no results)"
    try:
        text = format_wave(value, ty)
    except WaveError:
        text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _ending(obs: Observation) -> str:
    if obs.end is End.EOF:
        return "the server closed its side"
    if obs.end is End.RESET:
        return "the server reset the connection"
    if obs.end is End.FLOOD:
        return "the server flooded the connection"
    return f"the connection was still open after {obs.timeout_s:g}s"


def _result_readings(response: ResponseAssembler) -> list[str]:
    return [f"{k}={v}" for k, v in sorted(response.readings.items())]


def _reading(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p)
    return text or None


def judge(case: ServerCase, obs: Observation) -> Judgment:
    """The verdicts for ``case`` under both profiles."""
    if obs.connect_error is not None:
        return both(Verdict.FAIL, f"could not connect: {obs.connect_error}")
    response = obs.response
    problem = response.problem()
    if obs.end is End.FLOOD:
        return both(Verdict.FAIL, f"{_ending(obs)}: more than the suite reads from one call")
    kind = case.expect.kind
    if kind is Kind.VALID:
        return _judge_valid(case, obs, problem)
    if problem is not None:
        return both(Verdict.FAIL, f"malformed response to bad input: {problem}")
    answered = response.complete
    if kind is Kind.INVALID:
        if answered:
            return both(
                Verdict.FAIL,
                "accepted bad input: complete results "
                f"{show(response.value, response.result)} ({case.summary})",
            )
        if obs.end is None:
            return both(Verdict.FAIL, f"hang on bad input: {_ending(obs)} ({case.summary})")
        sent_back = len(obs.trace.bytes_in("s2c"))
        partial = f" after {sent_back} partial result bytes" if sent_back else ""
        return both(Verdict.PASS, f"rejected: {_ending(obs)}{partial} without results")
    return _judge_acceptable(case, obs)


def _judge_valid(case: ServerCase, obs: Observation, problem: str | None) -> Judgment:
    response = obs.response
    if problem is not None:
        return both(Verdict.FAIL, f"malformed results: {problem}")
    if not response.complete:
        got = len(obs.trace.bytes_in("s2c"))
        return both(
            Verdict.FAIL,
            f"no complete results: {_ending(obs)} after {got} result bytes ({case.summary})",
        )
    value = response.value
    if not any(values_equal(value, v) for v in case.expect.values):
        expected = " or ".join(show(v, response.result) for v in case.expect.values)
        return both(
            Verdict.FAIL,
            f"wrong results: got {show(value, response.result)}, expected {expected}",
        )
    missed = [a for a in case.expect.required_awaits if not obs.awaits.get(a, False)]
    if missed:
        return both(
            Verdict.FAIL,
            f"results complete, but {', '.join(missed)} did not happen in time "
            "(docs/conformance-world.md: async echo relays data as it arrives)",
        )
    if obs.end is None:
        return both(
            Verdict.FAIL,
            f"results complete, but {_ending(obs)} (wrpc.md §1: a peer half-closes its write "
            "side when it has nothing more to send)",
        )
    readings = _result_readings(response)
    awaited = [f"{k}={'yes' if v else 'no'}" for k, v in sorted(obs.awaits.items())]
    if not response.canonical:
        return split(
            Verdict.PASS,
            Verdict.FAIL,
            "results correct but not canonically encoded (valid, wrpc.md §4; strict requires "
            "canonical)",
            _reading(NON_CANONICAL, *readings, *awaited),
        )
    reset = " (closed with a reset)" if obs.end is End.RESET else ""
    return both(
        Verdict.PASS,
        f"results {show(value, response.result)}{reset}",
        _reading(*readings, *awaited) if (readings or awaited or case.flags) else None,
    )


def _judge_acceptable(case: ServerCase, obs: Observation) -> Judgment:
    response = obs.response
    if response.complete:
        value = response.value
        if not any(values_equal(value, v) for v in case.expect.values):
            allowed = " or ".join(show(v, response.result) for v in case.expect.values)
            return both(
                Verdict.FAIL,
                f"accepted, but answered {show(value, response.result)}; a reading that "
                f"accepts allows only {allowed or 'no result'}",
                ACCEPTED,
            )
        reading = _reading(ACCEPTED, *_result_readings(response))
        if case.expect.strict_rejects:
            return split(
                Verdict.PASS,
                Verdict.FAIL,
                f"accepted ({show(value, response.result)}); the strict profile requires "
                "rejection",
                reading,
            )
        return both(Verdict.PASS, f"accepted ({show(value, response.result)})", reading)
    if obs.end is None:
        return both(Verdict.FAIL, f"neither answered nor closed: {_ending(obs)}")
    return both(Verdict.PASS, f"rejected: {_ending(obs)} without results", REJECTED)


def with_liveness(judgment: Judgment, live: Judgment | None) -> Judgment:
    """Fold the liveness call that followed a case into the case's verdict: a server that no
    longer answers a plain call correctly fails the case, whatever it did before."""
    if live is None or not live.failed:
        return judgment
    extra = dict(judgment.extra)
    extra.update({f"liveness_{k}": v for k, v in live.extra.items()})
    return Judgment(
        {p: Verdict.FAIL for p in Profile},
        f"server lost liveness after this case: {live.detail} (case itself: {judgment.detail})",
        judgment.reading,
        extra,
    )
