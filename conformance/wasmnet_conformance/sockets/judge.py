"""Judging one scenario run: the model's step judgments plus the scenario's own data checks,
turned into one :class:`CaseRecord` per checked step (``<scenario-id>#<k>-<call>``).

Pure: it reads what the probe printed (observations), what the model allowed, and what the
host fixtures reported; it never runs anything. Verdicts per step:

* the step ran: pass under a profile when the model accepts the observation under it (strict:
  documented results only; lenient = the model's tolerant profile) and no data check fails;
* the step refers to a resource an earlier step failed to create (a denied ``create-*``):
  skipped, not applicable;
* the step never ran because the runtime trapped (or hung) earlier: skipped when the scenario
  marks that step as allowed to trap (the scenario ends there), failed otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wasmnet_conformance.expectations import Expectations
from wasmnet_conformance.results import CaseRecord, Profile, Verdict
from wasmnet_conformance.sockets.scenarios.base import Check, Scenario, fill
from wasmnet_conformance.sockets.scenarios.rules import SUITE_RULES
from wasmnet_reference.sockets.judgment import Observation, StepJudgment, short
from wasmnet_reference.sockets.rules import RULES

RUN_AFTER_TRAP = "run.after-trap"
RUN_MISSING = "run.missing-result"
SUITE_PROBE_ERROR = "suite.probe-error"
SUITE_NOT_JUDGED = "suite.not-judged"
MAX_VALUE_CHARS = 400
"""Observed values in reports are cut to this (a 32 KiB echo is not worth keeping)."""

RESOURCE_CALLS = {"tcp.finish-connect", "udp.stream"}
"""Calls whose streams are named after the socket when the step has no ``as``."""


# ------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class RuleInfo:
    id: str
    level: str
    citation: str
    text: str


def rule_info(rule_id: str) -> RuleInfo:
    """Level and citation of a rule: the model's registry first, then the suite's own."""
    model = RULES.get(rule_id)
    if model is not None:
        return RuleInfo(model.id, model.level.value, model.citation, model.text)
    suite = SUITE_RULES.get(rule_id)
    if suite is not None:
        return RuleInfo(suite.id, suite.level, suite.citation, suite.text)
    return RuleInfo(rule_id, "MUST", "wasi-sockets.md", rule_id)


# ------------------------------------------------------------------------------- input


@dataclass(frozen=True)
class StepOutcome:
    """What became of one step in the run (from the adapter's parsed output)."""

    kind: str
    """``ok``, ``err``, ``probe-error``, ``trap``, ``timeout`` or ``missing``."""
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def observation(self) -> Observation:
        return Observation(self.kind, self.value, dict(self.extra))


@dataclass(frozen=True)
class ScenarioRun:
    """One scenario as it ran in one runtime."""

    scenario: Scenario
    values: Mapping[str, Any]
    """Placeholder values the script was filled with."""
    steps: Sequence[dict[str, Any]]
    """The filled steps (what the probe got)."""
    outcomes: Sequence[StepOutcome]
    """One per step (``missing`` for steps that never began)."""
    judgments: Sequence[StepJudgment | None]
    """The model's judgment per step (None where it gave none)."""
    ended_at: int | None = None
    """The step that trapped or hung (None: the script ran to its end)."""
    end_kind: str | None = None
    """``trap`` or ``timeout`` for ``ended_at``; ``died`` when the runtime ended early without
    an unfinished step."""
    exit_code: int | None = None
    stderr_tail: str = ""
    script_error: str | None = None
    """A probe-error about the whole script (bad JSON, missing env var): a suite bug."""
    fixture_reports: Mapping[str, Any] = field(default_factory=dict)
    """``ttl``: list of {"family", "hop_limit", "data" (hex)} the TTL receivers saw."""
    duration_s: float = 0.0
    protocol_errors: tuple[str, ...] = ()
    """Probe output out of contract (lost or garbled lines): a probe or runtime bug."""


def outcomes_from(results: Sequence[Any], n_steps: int) -> list[StepOutcome]:
    """Step outcomes from the adapter's ``StepResult`` list, placed by step index (``r.i``);
    steps without a result are ``missing``."""
    out = [StepOutcome("missing") for _ in range(n_steps)]
    for r in results:
        if isinstance(r.i, int) and 0 <= r.i < n_steps and out[r.i].kind == "missing":
            out[r.i] = StepOutcome(r.kind, r.value, dict(r.extra))
    return out


# ------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class CheckResult:
    check: Check
    status: str
    """``pass``, ``fail``, ``n/a`` (the data is not there, e.g. the step failed: the model
    judged that) or ``recorded`` (an ambiguity reading, never a failure)."""
    detail: str
    reading: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.check.rule.id, "kind": self.check.kind, "status": self.status,
                "detail": self.detail, **({"reading": self.reading} if self.reading else {})}


def _path(value: Any, key: str | None) -> tuple[bool, Any]:
    """``value[key]`` with dotted keys and list indices (``0.remote-address``)."""
    if key is None:
        return True, value
    for part in key.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return False, None
    return True, value


def _ok_value(outcomes: Sequence[StepOutcome], k: int, key: str | None) -> tuple[bool, Any]:
    if not 0 <= k < len(outcomes) or outcomes[k].kind != "ok":
        return False, None
    o = outcomes[k]
    if key is not None and key in o.extra and "." not in key:
        return True, o.extra[key]
    return _path(o.value, key)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _ip_part(addr: Any) -> Any:
    if isinstance(addr, dict):
        for fam in ("ipv4", "ipv6"):
            if fam in addr:
                return addr[fam]
    return None


def _payloads(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return None
    if isinstance(value, list) and all(isinstance(d, dict) and isinstance(d.get("data"), str)
                                       for d in value):
        return [d["data"] for d in value]
    return None


def evaluate_check(check: Check, outcomes: Sequence[StepOutcome], values: Mapping[str, Any],
                   fixture_reports: Mapping[str, Any]) -> CheckResult:
    """One scenario-level check against the observed step results."""
    expected = fill(check.expected, values)
    present, value = _ok_value(outcomes, check.step, check.key)

    def result(ok: bool, what: str) -> CheckResult:
        if check.record is not None:
            reading = "exact" if ok else "not-exact"
            return CheckResult(check, "recorded", f"{what} ({reading})", reading)
        return CheckResult(check, "pass" if ok else "fail", what)

    if check.kind == "fixture":
        return _fixture_check(check, expected, outcomes, fixture_reports)
    if not present:
        return CheckResult(check, "n/a", f"step {check.step} gave no ok value"
                           + (f" with {check.key!r}" if check.key else ""))
    if check.kind == "equals":
        return result(_same(value, expected),
                      f"expected {short(expected)}, observed {short(value)}")
    if check.kind == "same-as":
        assert check.other is not None
        there, other = _ok_value(outcomes, check.other, check.other_key)
        if not there:
            return CheckResult(check, "n/a", f"step {check.other} gave no ok value to compare")
        return result(_same(value, other), f"expected the value of step {check.other} "
                      f"({short(other)}), observed {short(value)}")
    if check.kind == "port-nonzero":
        port = value.get("port") if isinstance(value, dict) else None
        return result(isinstance(port, int) and port != 0,
                      f"expected a non-zero port, observed {short(value)}")
    if check.kind == "ip-equals":
        return result(_ip_part(value) == expected,
                      f"expected IP {short(expected)}, observed {short(value)}")
    if check.kind == "data-equals":
        payloads = _payloads(value)
        if payloads is not None:
            return result(payloads == expected,
                          f"expected datagrams {short(expected)}, received {short(payloads)}")
        return result(value == expected, f"expected bytes {short(expected)} "
                      f"({len(str(expected)) // 2} bytes), observed {short(value)} "
                      f"({len(str(value)) // 2} bytes)")
    if check.kind == "datagrams-exclude":
        payloads = _payloads(value) or []
        return result(expected not in payloads,
                      f"expected no datagram {short(expected)}, received {short(payloads)}")
    if check.kind == "max-items":
        n = len(value) if isinstance(value, list) else None
        return result(n is not None and n <= expected,
                      f"expected at most {expected} items, observed {short(value)}")
    raise ValueError(f"unknown check kind {check.kind!r}")


def _fixture_check(check: Check, expected: Any, outcomes: Sequence[StepOutcome],
                   reports: Mapping[str, Any]) -> CheckResult:
    """``expected = {"fixture": "ttl", "data": hex, "hop_limit": n}``; ``check.other`` is the
    step that set the option (its failure makes the check not applicable)."""
    sent = outcomes[check.step] if check.step < len(outcomes) else None
    if sent is None or sent.kind != "ok" or sent.value in (0, None):
        return CheckResult(check, "n/a", f"step {check.step} sent nothing")
    if check.other is not None and outcomes[check.other].kind != "ok":
        return CheckResult(check, "n/a", f"the option was not set (step {check.other})")
    name = expected.get("fixture")
    seen = [o for o in reports.get(name, []) if o.get("data") == expected.get("data")]
    if name not in reports:
        return CheckResult(check, "n/a", f"fixture {name!r} is not available")
    if not seen:
        return CheckResult(check, "fail", f"the {name} fixture received no datagram with the "
                           "payload that was sent (sent, never arrived)")
    hops = [o.get("hop_limit") for o in seen]
    ok = all(h == expected.get("hop_limit") for h in hops)
    return CheckResult(check, "pass" if ok else "fail",
                       f"expected the fixture to observe hop limit {expected.get('hop_limit')}, "
                       f"it observed {', '.join(str(h) for h in hops)}")


# ------------------------------------------------------------------------------- resources


def produced_names(step: Mapping[str, Any], k: int) -> list[str]:
    """Resource names a step creates when it succeeds (the probe's naming, script.py)."""
    call = step.get("call")
    inner = step["args"][0] if call == "finish" and step.get("args") else call
    as_name = step.get("as")
    if inner in RESOURCE_CALLS:
        base = as_name
        if base is None:
            args = step.get("args", [])
            sock = args[1] if call == "finish" and len(args) > 1 else (args[0] if args else None)
            base = sock.lstrip("$") if isinstance(sock, str) else f"_{k}"
        return [f"{base}.in", f"{base}.out"]
    if inner == "tcp.accept":
        base = as_name or f"_{k}"
        return [base, f"{base}.in", f"{base}.out"]
    if inner in ("instance-network", "create-tcp-socket", "create-udp-socket",
                 "resolve-addresses") or (isinstance(inner, str) and inner.endswith("subscribe")):
        return [as_name or f"_{k}"]
    return []


def _refs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value[1:]] if value.startswith("$") else []
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _refs(v)]
    return []


def step_refs(step: Mapping[str, Any]) -> list[str]:
    """Resource names a step uses (``$name`` values; the bare name of ``drop``/``wait``)."""
    args = step.get("args", [])
    names = _refs(args)
    if step.get("call") in ("drop", "wait") and args and isinstance(args[0], str) \
            and not args[0].startswith("$"):
        names.append(args[0])
    return names


def uncreated(steps: Sequence[Mapping[str, Any]], outcomes: Sequence[StepOutcome]
              ) -> dict[int, tuple[str, int]]:
    """Step -> (name, producer step) for steps that use a resource whose creating step did
    not succeed (so the probe could not run them: not applicable)."""
    failed: dict[str, int] = {}
    out: dict[int, tuple[str, int]] = {}
    for k, step in enumerate(steps):
        for name in step_refs(step):
            if name in failed:
                out[k] = (name, failed[name])
                break
        if k < len(outcomes) and outcomes[k].kind in ("err", "probe-error"):
            for name in produced_names(step, k):
                failed.setdefault(name, k)
        if k in out:
            for name in produced_names(step, k):
                failed.setdefault(name, out[k][1])
    return out


# ------------------------------------------------------------------------------- records


@dataclass(frozen=True)
class StepVerdict:
    """Everything a CaseRecord needs for one step, before expectations are applied."""

    k: int
    verdicts: dict[Profile, Verdict]
    rule: str
    detail: str
    flags: tuple[str, ...] = ()
    reading: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _both(v: Verdict) -> dict[Profile, Verdict]:
    return {Profile.STRICT: v, Profile.LENIENT: v}


def _describe_allowed(j: StepJudgment) -> str:
    return " | ".join(a.describe() for a in j.allowed) or "(nothing)"


def _end_note(run: ScenarioRun) -> str:
    if run.end_kind is None:
        garbled = "; ".join(run.protocol_errors[:3])
        return ("the script ran to its end but the probe's output has no result for it"
                + (f" (output out of contract: {garbled})" if garbled else " (output lost)"))
    how = {"trap": "trapped", "timeout": "hung (killed by the suite)",
           "died": "ended early"}.get(run.end_kind or "", "stopped")
    where = f" at step {run.ended_at}" if run.ended_at is not None else ""
    code = f", exit code {run.exit_code}" if run.exit_code is not None else ""
    stderr = run.stderr_tail.strip().splitlines()
    last = f"; stderr: {stderr[-1][:200]}" if stderr else ""
    return f"the runtime {how}{where}{code}{last}"


def verdict_for_step(run: ScenarioRun, k: int, missing_deps: Mapping[int, tuple[str, int]]
                     ) -> StepVerdict:
    scenario = run.scenario
    step = run.steps[k]
    outcome = run.outcomes[k]
    call = scenario.step_call(k)
    base_extra: dict[str, Any] = {
        "scenario": scenario.id,
        "step": k,
        "call": call,
        "args": _short_args(step.get("args", [])),
        "observed": {"kind": outcome.kind, "value": short(outcome.value, MAX_VALUE_CHARS),
                     **({"extra": {key: short(v, 200) for key, v in outcome.extra.items()}}
                        if outcome.extra else {})},
        "may_trap": k in scenario.may_trap,
    }
    if run.script_error is not None:
        return StepVerdict(k, _both(Verdict.FAIL), SUITE_PROBE_ERROR,
                           f"the probe could not read the script (a suite bug): "
                           f"{run.script_error}", extra=base_extra)
    if outcome.kind == "missing":
        ended_ok = run.ended_at is not None and run.ended_at in scenario.may_trap \
            and run.end_kind == "trap"
        if ended_ok:
            return StepVerdict(k, _both(Verdict.SKIP), RUN_AFTER_TRAP,
                               f"not run: the scenario ends at the trap at step {run.ended_at},"
                               " where a trap is allowed", extra=base_extra)
        rule = RUN_AFTER_TRAP if run.ended_at is not None else RUN_MISSING
        return StepVerdict(k, _both(Verdict.FAIL), rule,
                           f"{rule}: expected step {k} ({call}) to run; it did not: "
                           f"{_end_note(run)}", extra=base_extra)
    if k in missing_deps and outcome.kind == "probe-error":
        name, producer = missing_deps[k]
        first = run.outcomes[producer]
        return StepVerdict(k, _both(Verdict.SKIP), "resource.not-created",
                           f"not applicable: ${name} does not exist (step {producer} gave "
                           f"{first.observation().describe()})", extra=base_extra)
    j = run.judgments[k] if k < len(run.judgments) else None
    if j is None:
        return StepVerdict(k, _both(Verdict.FAIL), SUITE_NOT_JUDGED,
                           f"the model gave no judgment for step {k} ({call}): a suite bug",
                           extra=base_extra)
    info = rule_info(j.rule.id)
    extra = {**base_extra, "allowed": [a.describe() for a in j.allowed],
             "level": info.level, "citation": info.citation, "model_detail": j.detail}
    flags = list(j.flags)
    readings = [j.reading] if j.reading else []
    checks = [evaluate_check(c, run.outcomes, run.values, run.fixture_reports)
              for c in scenario.checks if c.step == k]
    failed_checks = [c for c in checks if c.status == "fail"]
    for c in checks:
        if c.status == "recorded" and c.check.record not in flags:
            assert c.check.record is not None
            flags.append(c.check.record)
            readings.append(f"{c.check.record}={c.reading}")
    rules = {j.rule.id: {Profile.STRICT.value: j.strict_ok, Profile.LENIENT.value: j.tolerant_ok}}
    for flag in j.flags:  # the ambiguities the step touched: met when the step was
        rules.setdefault(flag, dict(rules[j.rule.id]))
    for c in checks:
        if c.status in ("pass", "fail"):
            prev = rules.get(c.check.rule.id, {Profile.STRICT.value: True,
                                               Profile.LENIENT.value: True})
            ok = c.status == "pass"
            rules[c.check.rule.id] = {p: prev[p] and ok for p in prev}
    extra["rules"] = rules
    if checks:
        extra["checks"] = [c.to_json() for c in checks]
    verdicts = {Profile.STRICT: Verdict.PASS if j.strict_ok and not failed_checks
                else Verdict.FAIL,
                Profile.LENIENT: Verdict.PASS if j.tolerant_ok and not failed_checks
                else Verdict.FAIL}
    observed = outcome.observation().describe()
    if outcome.kind in ("trap", "timeout"):
        observed += f" ({_end_note(run)})"
    also = "".join(f"\nalso {c.check.rule.id}: {c.detail}" for c in failed_checks)
    if not j.tolerant_ok:
        rule = j.rule.id
        detail = (f"{rule} [{info.level}, {info.citation}]: expected {_describe_allowed(j)}; "
                  f"observed {observed}\n{info.text}" + also)
    elif failed_checks:
        c = failed_checks[0]
        cinfo = rule_info(c.check.rule.id)
        rule = c.check.rule.id
        detail = (f"{rule} [{cinfo.level}, {cinfo.citation}]: {c.detail}\n{cinfo.text}"
                  + "".join(f"\nalso {x.check.rule.id}: {x.detail}" for x in failed_checks[1:]))
    elif not j.strict_ok:
        rule = j.rule.id
        detail = (f"{rule} [{info.level}, {info.citation}]: observed {observed}, accepted by "
                  f"the lenient profile only; strict expects {_describe_allowed(j)}"
                  + (f"\n{j.detail}" if j.detail else ""))
    else:
        rule = j.rule.id
        detail = f"{call}: observed {observed}, allowed by {rule}"
        if j.reading:
            detail += f" (reading {j.reading})"
    return StepVerdict(k, verdicts, rule, detail, tuple(flags),
                       "; ".join(readings) if readings else None, extra)


def _short_args(args: Any) -> Any:
    text = short(args, 100_000)
    return args if len(text) <= MAX_VALUE_CHARS else short(args, MAX_VALUE_CHARS)


def judge_scenario(
    run: ScenarioRun,
    expectations: Expectations,
    *,
    repro: str,
    runtime_repro: str | None = None,
    selected: Callable[[str], bool] = lambda _: True,
) -> list[CaseRecord]:
    """One CaseRecord per step of ``run.scenario``."""
    scenario = run.scenario
    missing = uncreated(run.steps, run.outcomes)
    per_step = run.duration_s / max(1, len(scenario.steps))
    records = []
    for k in range(len(scenario.steps)):
        case_id = scenario.case_id(k)
        if not selected(case_id):
            sv = StepVerdict(k, _both(Verdict.SKIP), "", "not selected by -k (ran as part of "
                             f"scenario {scenario.id})")
        else:
            sv = verdict_for_step(run, k, missing)
        records.append(_record(scenario, sv, expectations, repro, runtime_repro, per_step))
    return records


def _record(scenario: Scenario, sv: StepVerdict, expectations: Expectations, repro: str,
            runtime_repro: str | None, duration_s: float) -> CaseRecord:
    case_id = scenario.case_id(sv.k)
    extra = dict(sv.extra)
    extra["family"] = scenario.family
    extra["granted"] = scenario.granted
    if runtime_repro is not None:
        extra["runtime_repro"] = runtime_repro
    described = expectations.describe(case_id)
    if described is not None:
        extra["expected_failure"] = described
    return CaseRecord(
        id=case_id,
        classname=f"sockets.{scenario.id}",
        outcomes=expectations.outcomes(case_id, sv.verdicts),
        detail=sv.detail,
        rule=sv.rule or None,
        flags=sv.flags,
        reading=sv.reading,
        duration_s=duration_s,
        repro=repro,
        extra=extra,
    )


def skipped_scenario(scenario: Scenario, reason: str, expectations: Expectations,
                     repro: str) -> list[CaseRecord]:
    """Every step of a scenario that was not run, as skipped with ``reason``."""
    return [_record(scenario, StepVerdict(k, _both(Verdict.SKIP), "", reason,
                                          extra={"scenario": scenario.id, "step": k,
                                                 "call": scenario.step_call(k)}),
                    expectations, repro, None, 0.0)
            for k in range(len(scenario.steps))]
