"""End-to-end tests of the client role: real client processes, real loopback sockets.

- the reference client passes a subset of every kind of case, over TCP and a Unix socket;
- an independent correct client (tests/faulty_clients/faulty_client.py, no bug) passes too,
  so the cases are not tailored to the reference;
- each deliberate bug of that client makes exactly the cases of its rule fail while a control
  case still passes;
- a failed case carries a wire trace of both directions and a repro line that reproduces it.

The full run (hundreds of cases per transport) is ``tox -e conformance``; these runs use ``-k``
to stay short.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from wasmnet_conformance.cli import main
from wasmnet_conformance.wrpc_client.harness import unix_available

REPO = Path(__file__).resolve().parents[1]
PART = "wasmnet_conformance.wrpc_client.cli"
FAULTY = REPO / "tests" / "faulty_clients" / "faulty_client.py"
CASE_TIMEOUT = "6"


def _run(reports: Path, *argv: str) -> tuple[int, dict[str, dict[str, Any]]]:
    code = main(["--quiet", "--reports", str(reports), "--case-timeout", CASE_TIMEOUT, *argv],
                part_modules=[PART])
    summaries = {p.parent.name: json.loads(p.read_text(encoding="utf-8"))
                 for p in reports.glob("*/summary.json")}
    return code, summaries


def _outcomes(summary: dict[str, Any], profile: str = "lenient") -> dict[str, str]:
    return {c["id"]: c["profile_outcomes"][profile] for c in summary["cases"]
            if c["profile_outcomes"][profile] != "skipped"}


def _faulty(bug: str | None) -> str:
    words = [sys.executable, str(FAULTY)] + ([] if bug is None else ["--bug", bug])
    return shlex.join(words)


REFERENCE_SUBSET = ["wrpc-client.async.stream-u8.", "wrpc-client.async.future-u32.",
                    "wrpc-client.async.two-streams.", "wrpc-client.silence.no-answer",
                    "wrpc-client.close.", "wrpc-client.request.no-result",
                    "wrpc-client.split.u32.", "wrpc-client.usage.arg-not-wave",
                    "wrpc-client.malformed.unknown-path",
                    "wrpc-client.vector.value.string.overlong"]


def test_reference_client_passes_over_tcp_and_unix(tmp_path: Path) -> None:
    transport = "both" if unix_available() else "tcp"
    filters = [a for f in REFERENCE_SUBSET for a in ("-k", f)]
    code, summaries = _run(tmp_path, "--wrpc-client-transport", transport, *filters)
    expected = {"reference-client-tcp"} | ({"reference-client-unix"} if unix_available()
                                           else set())
    assert set(summaries) == expected
    for target, summary in summaries.items():
        failed = {c["id"]: c["detail"].split("\n", 1)[0] for c in summary["cases"]
                  if c["outcome"] not in ("passed", "skipped")}
        assert failed == {}, (target, failed)
        ran = _outcomes(summary)
        assert len(ran) >= 30, target
        assert summary["meta"]["client"]["transport"] == target.rsplit("-", 1)[1]
    assert code == 0
    if unix_available():
        unix = summaries["reference-client-unix"]["cases"]
        resets = [c for c in unix if c["id"].startswith("wrpc-client.close.reset-")]
        assert resets and all(c["outcome"] == "skipped" for c in resets)


CORRECT_SUBSET = ["wrpc-client.close.", "wrpc-client.split.u32.", "wrpc-client.usage.",
                  "wrpc-client.vector.value.u32.", "wrpc-client.frames.many.",
                  "wrpc-client.silence.no-answer", "wrpc-client.async.stream-u8.",
                  "wrpc-client.malformed.trailing"]


def test_independent_correct_client_passes(tmp_path: Path) -> None:
    filters = [a for f in CORRECT_SUBSET for a in ("-k", f)]
    code, summaries = _run(tmp_path, "--wrpc-client-cmd", _faulty(None),
                           "--wrpc-client-target", "faulty-none",
                           "--wrpc-client-transport", "tcp", *filters)
    summary = summaries["faulty-none-tcp"]
    outcomes = _outcomes(summary, "strict")
    assert len(outcomes) >= 40
    assert {c["id"]: c["detail"].split("\n", 1)[0] for c in summary["cases"]
            if outcomes.get(c["id"], "passed") != "passed"} == {}
    assert code == 0


# bug -> (cases that must fail, a control case that must pass)
BUGS: dict[str, tuple[list[str], str]] = {
    "no-half-close": (["wrpc-client.frames.u32.one-frame"], "wrpc-client.usage.arg-not-wave"),
    "accepts-truncated": (["wrpc-client.close.partial-value", "wrpc-client.close.no-results"],
                          "wrpc-client.frames.u32.byte-frames"),
    "u32-fixed-width": (["wrpc-client.frames.u32.one-frame"],
                        "wrpc-client.frames.string.one-frame"),
    "ignores-stream-end": (["wrpc-client.close.stream-without-end"],
                           "wrpc-client.async.stream-u8.one-chunk"),
    "no-timeout": (["wrpc-client.silence.no-answer"], "wrpc-client.frames.u32.one-frame"),
    "retries": (["wrpc-client.close.no-results"], "wrpc-client.frames.u32.one-frame"),
    "exit-0-on-failure": (["wrpc-client.close.partial-frame"],
                          "wrpc-client.frames.u32.one-frame"),
    "frame-is-value": (["wrpc-client.frames.u32.two-frames"],
                       "wrpc-client.frames.u32.one-frame"),
}
RULE_OF_BUG = {
    "no-half-close": "client.request.half-close",
    "accepts-truncated": "client.result.early-close",
    "u32-fixed-width": "client.request.params",
    "ignores-stream-end": "client.result.stream",
    "no-timeout": "client.result.timeout",
    "retries": "client.request.one-connection",
    "exit-0-on-failure": "client.result.early-close",
    "frame-is-value": "client.result.frame-boundaries",
}


@pytest.mark.parametrize("bug", sorted(BUGS))
def test_each_bug_is_caught(tmp_path: Path, bug: str) -> None:
    failing, control = BUGS[bug]
    filters = [a for f in [*failing, control] for a in ("-k", f)]
    # The client timeout must outlast the suite's wait for the half-close (half of it), so
    # that a client that never half-closes is still connected when the suite gives up.
    timeout = "3" if bug == "no-half-close" else "1"
    code, summaries = _run(tmp_path, "--wrpc-client-cmd", _faulty(bug),
                           "--wrpc-client-target", "faulty", "--wrpc-client-transport", "tcp",
                           "--wrpc-client-timeout", timeout, *filters)
    summary = summaries["faulty-tcp"]
    outcomes = _outcomes(summary, "strict")
    wanted = {**{i: "failed" for i in failing}, control: "passed"}
    assert {i: outcomes.get(i) for i in wanted} == wanted, bug
    assert code == 1
    cases = {c["id"]: c for c in summary["cases"]}
    details = " ".join(cases[i]["detail"] for i in failing)
    if bug == "no-half-close":
        assert "client.request.half-close" in details
    elif bug == "retries":
        assert "2 connections" in details
    elif bug == "no-timeout":
        assert "killed" in details
    elif bug == "u32-fixed-width":
        assert "client.request.params" in details
    assert RULE_OF_BUG[bug]  # every bug names the rule it breaks (documented above)


def test_failed_case_has_trace_and_working_repro(tmp_path: Path) -> None:
    case_id = "wrpc-client.close.partial-value"
    code, summaries = _run(tmp_path / "first", "--wrpc-client-cmd", _faulty("accepts-truncated"),
                           "--wrpc-client-target", "faulty", "--wrpc-client-transport", "tcp",
                           "-k", case_id)
    assert code == 1
    (record,) = [c for c in summaries["faulty-tcp"]["cases"] if c["id"] == case_id]
    trace = record["trace"]
    directions = {e["dir"] for e in trace}
    assert {"c2s", "s2c", "note"} <= directions
    sent = bytes.fromhex("".join(e["hex"] for e in trace if e["dir"] == "s2c"))
    assert sent == bytes.fromhex("00 02 e58e")  # the partial value the case sends
    assert all(isinstance(e["t"], float) for e in trace)
    assert "wire trace" in record["detail"] and "s2c" in record["detail"]
    assert record["stdout"].strip() and record["exit_code"] == 0
    junit = (tmp_path / "first" / "faulty-tcp" / "junit.xml").read_text(encoding="utf-8")
    assert "<failure" in junit and case_id in junit
    repro = shlex.split(record["repro"])
    assert repro[:3] == ["python", "-m", "wasmnet_conformance"]
    again = tmp_path / "again"
    code2, summaries2 = _run(again, *repro[3:])
    assert code2 == 1
    assert _outcomes(summaries2["faulty-tcp"]) == {case_id: "failed"}
