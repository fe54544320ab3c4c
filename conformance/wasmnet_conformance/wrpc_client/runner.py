"""Running the client-role cases against one client command over one transport: a bounded
number of cases at once (process start dominates), each judged and mapped to outcomes.

A case that is not run is still reported, as skipped with the reason (not selected by ``-k``;
a TCP reset case on a Unix socket), so a report always shows what was left out.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmnet_conformance.expectations import Expectations
from wasmnet_conformance.results import CaseRecord, Profile, Verdict
from wasmnet_conformance.wrpc_client.cases import ClientCase
from wasmnet_conformance.wrpc_client.contract import client_env
from wasmnet_conformance.wrpc_client.harness import CaseRun, Transport, run_case
from wasmnet_conformance.wrpc_client.judge import Judgment, judge
from wasmnet_reference.wave import format_wave

TRACE_TEXT_BYTES = 2048
"""Bytes of hex shown in a failed case's detail (the JSON trace in ``extra`` is complete)."""
OUTPUT_TAIL = 2000
"""Characters of the client's stdout/stderr kept in a failed case's record."""
SLOW_FIRST_GROUPS = ("silence",)
"""Groups that wait for the client's timeout: started first so they overlap the others."""


@dataclass(frozen=True)
class Settings:
    command: list[str]
    transport: Transport
    wit_dir: Path
    case_timeout: float
    client_timeout: float
    jobs: int
    base_env: dict[str, str]


def selected(case: ClientCase, filters: Sequence[str]) -> bool:
    """``-k``: no filters selects everything, otherwise any substring of the ID."""
    return not filters or any(f in case.id for f in filters)


def skip_reason(case: ClientCase, settings: Settings, filters: Sequence[str]) -> str | None:
    if not selected(case, filters):
        return "not selected by -k"
    if case.tcp_only and settings.transport is not Transport.TCP:
        return "not applicable: a Unix socket has no reset (TCP RST)"
    return None


def run_all(
    cases: Sequence[ClientCase],
    settings: Settings,
    *,
    filters: Sequence[str],
    expectations: Expectations,
    repro: Callable[[str], str],
    on_record: Callable[[CaseRecord], None] = lambda _: None,
) -> list[CaseRecord]:
    """One record per case, in case order."""
    return asyncio.run(_run_all(cases, settings, filters, expectations, repro, on_record))


async def _run_all(
    cases: Sequence[ClientCase],
    settings: Settings,
    filters: Sequence[str],
    expectations: Expectations,
    repro: Callable[[str], str],
    on_record: Callable[[CaseRecord], None],
) -> list[CaseRecord]:
    records: dict[str, CaseRecord] = {}
    env = client_env(settings.base_env, settings.wit_dir, settings.client_timeout)
    limit = asyncio.Semaphore(settings.jobs)

    def done(record: CaseRecord) -> None:
        records[record.id] = record
        on_record(record)

    async def one(case: ClientCase) -> None:
        async with limit:
            result = await run_case(case, command=settings.command,
                                    transport=settings.transport, env=env,
                                    case_timeout=settings.case_timeout,
                                    client_timeout=settings.client_timeout)
        done(case_record(case, result, judge(case, result.observation), expectations,
                         repro(case.id)))

    to_run = []
    for case in cases:
        reason = skip_reason(case, settings, filters)
        if reason is None:
            to_run.append(case)
        else:
            done(skipped_record(case, reason, expectations, repro(case.id)))
    to_run.sort(key=lambda c: c.group not in SLOW_FIRST_GROUPS)
    tasks = [asyncio.ensure_future(one(c)) for c in to_run]
    try:
        await asyncio.gather(*tasks)
    finally:
        for t in tasks:
            t.cancel()
    return [records[c.id] for c in cases]


def _common_extra(case: ClientCase, expectations: Expectations) -> dict[str, Any]:
    return {
        "group": case.group,
        "call": {"instance": case.call.instance, "function": case.call.function.name,
                 "args": case.words()[2:]},
        "description": case.description,
        "citation": case.citation,
        "expect": {"strict": case.strict.value, "lenient": case.lenient.value},
        "expected_failure": expectations.describe(case.id),
    }


def skipped_record(
    case: ClientCase, reason: str, expectations: Expectations, repro: str
) -> CaseRecord:
    return CaseRecord(
        id=case.id,
        classname=f"wrpc-client.{case.group}",
        outcomes=expectations.outcomes(case.id, {p: Verdict.SKIP for p in Profile}),
        detail=reason,
        rule=case.rule,
        flags=case.flags,
        repro=repro,
        extra=_common_extra(case, expectations),
    )


def case_record(
    case: ClientCase,
    result: CaseRun,
    judgment: Judgment,
    expectations: Expectations,
    repro: str,
) -> CaseRecord:
    """The shared record: a failed case keeps its wire trace (JSON in ``extra["trace"]``, a
    hex dump in ``detail``), the client's argv and the tail of its output."""
    obs = result.observation
    failed = Verdict.FAIL in (judgment.strict, judgment.lenient)
    extra = _common_extra(case, expectations)
    extra["exit_code"] = obs.exit_code
    extra["connections"] = obs.connections
    extra["findings"] = judgment.findings
    detail = judgment.detail
    if failed:
        extra["argv"] = result.argv
        extra["stdout"] = _tail(obs.stdout)
        extra["stderr"] = _tail(obs.stderr)
        extra["trace"] = result.trace.to_json()
        extra["expected_result"] = _expected_text(case)
        detail = "\n".join([
            judgment.detail,
            f"case: {case.description}",
            f"rule: {case.rule}: {case.citation}",
            "wire trace (suite is the server; c2s = from the client):",
            result.trace.render(TRACE_TEXT_BYTES),
        ])
    return CaseRecord(
        id=case.id,
        classname=f"wrpc-client.{case.group}",
        outcomes=expectations.outcomes(case.id, {p: judgment.verdict(p) for p in Profile}),
        detail=detail,
        rule=case.rule,
        flags=case.flags,
        reading=judgment.reading,
        duration_s=result.duration_s,
        repro=repro,
        extra=extra,
    )


def _expected_text(case: ClientCase) -> list[str]:
    types = case.call.result_types
    if not types:
        return []
    return [format_wave(v, types[0]) for v in case.accepted]


def _tail(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return text if len(text) <= OUTPUT_TAIL else "..." + text[-OUTPUT_TAIL:]
