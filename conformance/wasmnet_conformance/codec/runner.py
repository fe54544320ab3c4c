"""The run loop: every case, in order, judged and mapped to an outcome under both profiles.

Transport-agnostic: it talks to a :class:`~wasmnet_conformance.codec.session.Session`, so tests can
drive it with a fake. A case that is not run is still reported (as skipped), so a report
always shows what was left out and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wasmnet_conformance.codec.cases import Case, selected
from wasmnet_conformance.codec.judge import Judgment, judge, no_answer, skipped
from wasmnet_conformance.codec.session import HelloInfo, NoAnswer, Session
from wasmnet_conformance.expectations import Expectations
from wasmnet_conformance.results import CaseRecord, Outcome, Profile


@dataclass(frozen=True)
class CaseResult:
    case: Case
    judgment: Judgment
    outcomes: dict[Profile, Outcome]
    duration_s: float


def run_cases(
    cases: list[Case],
    session: Session,
    *,
    filters: list[str],
    expectations: Expectations,
    case_timeout: float,
    on_result: Callable[[CaseResult], None] = lambda _: None,
) -> tuple[HelloInfo | None, list[CaseResult]]:
    """Start the testee (unless no case is selected), run ``cases`` (those not matching
    ``filters`` are skipped) and return the testee's hello (None if it was not started) and
    one result per case. TesteeStartError propagates."""
    run_any = any(selected(c, filters) for c in cases)
    hello = session.ensure_started() if run_any else None
    results = []
    for case in cases:
        start = time.monotonic()
        judgment = _run_one(case, session, filters, case_timeout)
        result = CaseResult(
            case,
            judgment,
            expectations.outcomes(case.id, {p: judgment.verdict(p) for p in Profile}),
            time.monotonic() - start,
        )
        results.append(result)
        on_result(result)
    return hello, results


def _run_one(case: Case, session: Session, filters: list[str], timeout: float) -> Judgment:
    if not selected(case, filters):
        return skipped("not selected by -k")
    hello = session.ensure_started()
    if case.op.value not in hello.ops:
        return skipped(f"the testee does not list op {case.op.value!r} in its hello")
    reply = session.ask(case.request(), timeout)
    if isinstance(reply, NoAnswer):
        return no_answer(reply.reason)
    return judge(case, reply)


def case_record(result: CaseResult, expectations: Expectations, repro: str | None) -> CaseRecord:
    """``result`` in the shared model: vector and judgement details go to ``extra``; a class
    note is also appended to ``detail`` so the JUnit output shows it."""
    case, j = result.case, result.judgment
    v = case.vector
    detail = j.detail if j.class_note is None else f"{j.detail}\nnote: {j.class_note}"
    return CaseRecord(
        id=case.id,
        classname=f"{v.file}.{v.group}",
        outcomes=result.outcomes,
        detail=detail,
        rule=v.rule,
        flags=v.flags,
        reading=j.reading,
        duration_s=result.duration_s,
        repro=repro,
        extra={
            "vector_id": v.id,
            "op": case.op.value,
            "file": v.file,
            "group": v.group,
            "result": v.result,
            "class_note": j.class_note,
            "expected_failure": expectations.describe(case.id),
        },
    )
