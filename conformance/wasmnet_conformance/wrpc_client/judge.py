"""Judging one client-role case from what was observed: pure functions, no I/O.

A case passes under a profile when (1) the client made exactly one connection (none for a
usage case), (2) its request had no problem that profile fails, and (3) its exit status and
output match what the case expects under that profile (docs/wrpc-client-contract.md):

- success: exit 0, stdout one line of WAVE equal (``values_equal``) to an accepted value
  (for a function without results: nothing, or one empty line);
- failure: exit 1, a message on stderr, nothing on stdout;
- usage: exit 2, no connection;
- a client still running at the case timeout is killed, and fails the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wasmnet_conformance.results import Profile, Verdict
from wasmnet_conformance.wrpc_client.cases import ClientCase, Expect
from wasmnet_conformance.wrpc_client.contract import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    TIMEOUT_ENV,
)
from wasmnet_conformance.wrpc_client.request import Problem
from wasmnet_reference.values import Value, values_equal
from wasmnet_reference.wave import WaveError, format_wave, parse_wave
from wasmnet_reference.wit.printer import type_expr

MAX_SHOWN = 200
"""Characters of client output quoted in a detail line."""


@dataclass(frozen=True)
class Observation:
    exit_code: int | None
    """None: the client was still running at the case timeout and was killed."""
    stdout: bytes
    stderr: bytes
    connections: int
    """Connections the client opened to the suite's listener."""
    problems: Sequence[Problem] = ()
    """Request findings (request.request_problems); empty when not checked."""
    timeout_s: float = 0.0
    """The case timeout, for the detail of a killed client."""


@dataclass(frozen=True)
class Judgment:
    strict: Verdict
    lenient: Verdict
    detail: str
    reading: str | None = None
    """For flagged cases and those expecting EITHER: ``accepted`` or ``rejected``."""
    findings: list[str] = field(default_factory=list)

    def verdict(self, profile: Profile) -> Verdict:
        return self.strict if profile is Profile.STRICT else self.lenient


def judge(case: ClientCase, obs: Observation) -> Judgment:
    strict, strict_why = _judge_profile(case, obs, Profile.STRICT)
    lenient, lenient_why = _judge_profile(case, obs, Profile.LENIENT)
    reading = None
    if (case.flags or Expect.EITHER in (case.strict, case.lenient)) \
            and obs.exit_code in (EXIT_OK, EXIT_FAILED):
        reading = "accepted" if obs.exit_code == EXIT_OK else "rejected"
    findings = [f"{p.rule.id}: {p.detail}" + (" (strict only)" if p.strict_only else "")
                for p in obs.problems]
    if strict is Verdict.PASS and lenient is Verdict.PASS:
        detail = f"ok: {_observed(obs)}"
    elif strict is lenient:
        detail = lenient_why
    elif strict is Verdict.FAIL:
        detail = f"strict: {strict_why}"
    else:
        detail = f"lenient: {lenient_why}"
    if findings and detail.startswith("ok"):
        detail += "; notes: " + "; ".join(findings)
    return Judgment(strict, lenient, detail, reading, findings)


def _judge_profile(case: ClientCase, obs: Observation, profile: Profile) -> tuple[Verdict, str]:
    expect = case.expect(profile)
    if obs.exit_code is None:
        extra = f" (it must honour {TIMEOUT_ENV})" if expect is Expect.FAILURE else ""
        return Verdict.FAIL, f"client still running after {obs.timeout_s:g}s, killed{extra}"
    if expect is Expect.USAGE:
        if obs.connections:
            return Verdict.FAIL, (f"the client connected ({obs.connections}x) although the "
                                  "call is a usage error")
        if obs.exit_code != EXIT_USAGE:
            return Verdict.FAIL, f"expected exit {EXIT_USAGE} (usage error), got {_observed(obs)}"
        return Verdict.PASS, ""
    if obs.connections == 0:
        return Verdict.FAIL, f"the client never connected: {_observed(obs)}"
    if obs.connections > 1:
        return Verdict.FAIL, (f"the client opened {obs.connections} connections for one "
                              "invocation (wrpc.md §1: one connection per invocation)")
    for p in obs.problems:
        if not p.strict_only or profile is Profile.STRICT:
            return Verdict.FAIL, f"request: {p.rule.id}: {p.detail}"
    return _judge_outcome(case, obs, expect)


def _judge_outcome(case: ClientCase, obs: Observation, expect: Expect) -> tuple[Verdict, str]:
    code = obs.exit_code
    if code == EXIT_OK and expect in (Expect.SUCCESS, Expect.EITHER):
        printed = _printed(case, obs.stdout)
        if isinstance(printed, str):
            return Verdict.FAIL, printed
        types = case.call.result_types
        if not types:
            return Verdict.PASS, ""
        if not any(values_equal(printed[0], a) for a in case.accepted):
            shown = " or ".join(format_wave(a, types[0]) for a in case.accepted)
            return Verdict.FAIL, (f"printed {format_wave(printed[0], types[0])}, "
                                  f"expected {shown or 'a failure'}")
        return Verdict.PASS, ""
    if code == EXIT_FAILED and expect in (Expect.FAILURE, Expect.EITHER):
        if not obs.stderr.strip():
            return Verdict.FAIL, "exit 1 without a message on stderr"
        if obs.stdout.strip():
            return Verdict.FAIL, f"exit 1 but stdout is not empty: {_quote(obs.stdout)}"
        return Verdict.PASS, ""
    return Verdict.FAIL, f"expected {_expected(expect)}, got {_observed(obs)}"


def _printed(case: ClientCase, stdout: bytes) -> tuple[Value, ...] | str:
    """The printed result (one value, or none for a function without results), or why
    stdout is not a result line."""
    try:
        text = stdout.decode("utf-8")
    except UnicodeDecodeError:
        return f"stdout is not UTF-8: {_quote(stdout)}"
    if text.endswith("\n"):
        text = text[:-1].removesuffix("\r")
    if "\n" in text:
        return f"stdout has more than one line: {_quote(stdout)}"
    types = case.call.result_types
    if not types:
        if text.strip():
            return f"a function without results, but stdout is {_quote(stdout)}"
        return ()
    try:
        return (parse_wave(text, types[0]),)
    except WaveError as e:
        return f"stdout {_quote(stdout)} is not WAVE of {type_expr(types[0])}: {e}"


def _expected(expect: Expect) -> str:
    return {
        Expect.SUCCESS: f"exit {EXIT_OK} and a result",
        Expect.FAILURE: f"exit {EXIT_FAILED} (a failed call)",
        Expect.EITHER: f"exit {EXIT_OK} with an accepted result or exit {EXIT_FAILED}",
        Expect.USAGE: f"exit {EXIT_USAGE} (usage error)",
    }[expect]


def _observed(obs: Observation) -> str:
    if obs.exit_code is None:
        return "killed at the case timeout"
    parts = [f"exit {obs.exit_code}"]
    if obs.stdout.strip():
        parts.append(f"stdout {_quote(obs.stdout)}")
    if obs.stderr.strip():
        parts.append(f"stderr {_quote(_last_line(obs.stderr))}")
    return ", ".join(parts)


def _last_line(data: bytes) -> bytes:
    """The last non-empty line: where tracebacks and error messages put the reason."""
    lines = [line for line in data.splitlines() if line.strip()]
    return lines[-1] if lines else b""


def _quote(data: bytes) -> str:
    text = data.decode("utf-8", "replace").strip()
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "..."
    return repr(text)
