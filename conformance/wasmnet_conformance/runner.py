"""The run loop: every case, in order, judged and mapped to an outcome under both profiles.

Transport-agnostic: it talks to a :class:`~wasmnet_conformance.session.Session`, so tests can
drive it with a fake. A case that is not run is still reported (as skipped), so a report
always shows what was left out and why.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from wasmnet_conformance.cases import Case, selected
from wasmnet_conformance.expectations import Expectations, Outcome
from wasmnet_conformance.judge import Judgment, Profile, judge, no_answer, skipped
from wasmnet_conformance.session import HelloInfo, NoAnswer, Session


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
) -> tuple[HelloInfo, list[CaseResult]]:
    """Start the testee, run ``cases`` (those not matching ``filters`` are skipped) and return
    the testee's hello and one result per case. TesteeStartError propagates."""
    hello = session.ensure_started()
    results = []
    for case in cases:
        start = time.monotonic()
        judgment = _run_one(case, session, filters, case_timeout)
        result = CaseResult(
            case,
            judgment,
            {p: expectations.outcome(case.id, p, judgment.verdict(p)) for p in Profile},
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
