"""The cross-runtime view of a sockets run: a rule-by-runtime matrix (``matrix.json``,
``matrix.md``) and the phase-4 section (``phase4.md``): which runtimes meet each rule, whether
at least two independent runtimes pass every MUST rule, and each runtime's MUST failures with
the smallest script that reproduces them and the command that reruns it.

Pure over :class:`PartRun` records (their ``extra`` carries the per-step rule verdicts the
judge wrote) plus the scenario definitions; writing files is the only side effect.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasmnet_conformance.results import CaseRecord, Outcome, PartRun, Profile
from wasmnet_conformance.sockets.judge import RUN_AFTER_TRAP, RUN_MISSING, rule_info
from wasmnet_conformance.sockets.scenarios.base import Scenario

MATRIX_FORMAT = "wasmnet-sockets-matrix/1"
PASS, FAIL, KNOWN, NA = "pass", "fail", "fail (known)", "n.a."

IMPLEMENTATIONS: dict[str, tuple[str, str]] = {
    "wasmtime": ("wasmtime", "the wasmtime CLI: Bytecode Alliance's Rust wasmtime-wasi host"),
    "wasmtime-py": ("wasmtime", "wasmtime-py embeds the same wasmtime (its C API and "
                    "wasmtime-wasi): NOT independent of wasmtime"),
    "jco": ("jco", "jco + @bytecodealliance/preview2-shim: a JavaScript host on Node.js's "
            "net/dgram/dns, written independently of wasmtime-wasi"),
}
"""Runtime -> (implementation group, why). Runtimes in one group are not independent."""

CONSEQUENCE_RULES = frozenset({RUN_AFTER_TRAP, RUN_MISSING})
"""Failures that only follow from an earlier failure (steps that never ran)."""
SUITE_PREFIX = "suite."
"""Rules about the suite itself (a probe-error, a step the model cannot judge): a failure
there is a suite bug, never evidence about a runtime."""


def runtime_rule(rule: str) -> bool:
    """A rule about runtime behaviour (counted for phase 4)."""
    return rule not in CONSEQUENCE_RULES and not rule.startswith(SUITE_PREFIX)


@dataclass(frozen=True)
class RuntimeInfo:
    name: str
    available: bool
    reason: str | None
    version: str | None
    group: str
    group_note: str
    capabilities: tuple[str, ...]
    checked_steps: int
    capability_skips: int
    """Scenarios not run for want of a capability (the runtime cannot show every rule)."""


@dataclass
class Cell:
    status: str = NA
    cases: int = 0
    failed: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MustFailure:
    runtime: str
    rule: str
    case_id: str
    scenario: str
    step: int
    expected: str
    observed: str
    detail: str
    repro: str | None
    script: dict[str, Any]
    known: bool


def runtime_info(run: PartRun) -> RuntimeInfo:
    meta = run.meta
    group, note = IMPLEMENTATIONS.get(run.target, (run.target, "not a built-in runtime: "
                                                   "assumed to be its own implementation"))
    return RuntimeInfo(
        name=run.target,
        available=bool(meta.get("available", True)),
        reason=meta.get("reason"),
        version=meta.get("version"),
        group=group,
        group_note=note,
        capabilities=tuple(meta.get("capabilities", ())),
        checked_steps=sum(1 for r in run.records
                          if r.outcomes[run.profile] is not Outcome.SKIPPED),
        capability_skips=int(meta.get("capability_skips", 0)),
    )


def _rule_verdicts(r: CaseRecord, profile: Profile) -> dict[str, bool]:
    """Rule -> met, for one step record (the judge stores them in ``extra["rules"]``)."""
    rules = r.extra.get("rules")
    if isinstance(rules, dict) and rules:
        return {rule: bool(v.get(profile.value, False)) for rule, v in rules.items()
                if isinstance(v, dict)}
    outcome = r.outcomes[profile]
    if outcome in (Outcome.FAILED, Outcome.XFAILED) and r.rule:
        return {r.rule: False}
    return {}


def build_matrix(runs: Sequence[PartRun], profile: Profile) -> dict[str, dict[str, Cell]]:
    """rule -> runtime -> Cell (``n.a.`` where no step of that runtime exercised the rule)."""
    matrix: dict[str, dict[str, Cell]] = {}
    for run in runs:
        for r in run.records:
            outcome = r.outcomes[profile]
            if outcome is Outcome.SKIPPED:
                continue
            for rule, met in _rule_verdicts(r, profile).items():
                cell = matrix.setdefault(rule, {}).setdefault(run.target, Cell())
                cell.cases += 1
                if not met:
                    (cell.known if outcome in (Outcome.XFAILED,) else cell.failed).append(r.id)
    for per in matrix.values():
        for cell in per.values():
            cell.status = FAIL if cell.failed else KNOWN if cell.known else PASS
    return dict(sorted(matrix.items()))


def must_failures(runs: Sequence[PartRun], profile: Profile,
                  scenarios: Mapping[str, Scenario]) -> dict[str, list[MustFailure]]:
    """Per runtime: every failing step whose broken rule is a MUST (consequential steps after a
    trap are left out: the trap is the failure)."""
    out: dict[str, list[MustFailure]] = {}
    for run in runs:
        items = out.setdefault(run.target, [])
        for r in run.records:
            outcome = r.outcomes[profile]
            if outcome not in (Outcome.FAILED, Outcome.XFAILED) or r.rule is None:
                continue
            failing = [rule for rule, met in _rule_verdicts(r, profile).items() if not met]
            failing = failing or [r.rule]
            for rule in failing:
                if not runtime_rule(rule) or rule_info(rule).level != "MUST":
                    continue
                items.append(_failure(run.target, rule, r, scenarios, outcome))
    return out


def _failure(runtime: str, rule: str, r: CaseRecord, scenarios: Mapping[str, Scenario],
             outcome: Outcome) -> MustFailure:
    sid = str(r.extra.get("scenario", r.id.split("#", 1)[0]))
    step = int(r.extra.get("step", 0))
    scenario = scenarios.get(sid)
    script = scenario.script_json(upto=step) if scenario is not None else {}
    observed = r.extra.get("observed", {})
    obs = f"{observed.get('kind')}({observed.get('value')})" if isinstance(observed, dict) \
        else str(observed)
    allowed = r.extra.get("allowed")
    expected = " | ".join(allowed) if isinstance(allowed, list) else "see detail"
    return MustFailure(runtime, rule, r.id, sid, step, expected, obs,
                       r.detail.split("\n", 1)[0], r.repro, script,
                       outcome is Outcome.XFAILED)


@dataclass(frozen=True)
class Phase4:
    runtimes: list[RuntimeInfo]
    must_rules: list[str]
    """MUST rules exercised by at least one runtime."""
    meeting: dict[str, list[str]]
    """Runtime -> MUST rules it failed (empty: it meets every exercised MUST rule)."""
    passing: list[str]
    """Runtimes that ran completely and fail no MUST rule."""
    groups: list[str]
    """Independent implementations among ``passing``."""

    @property
    def verdict(self) -> bool:
        return len(self.groups) >= 2


def phase4(runs: Sequence[PartRun], matrix: Mapping[str, Mapping[str, Cell]]) -> Phase4:
    infos = [runtime_info(r) for r in runs]
    must = [rule for rule in matrix if rule_info(rule).level == "MUST" and runtime_rule(rule)]
    meeting: dict[str, list[str]] = {}
    passing = []
    for info in infos:
        failed = [rule for rule in must
                  if matrix[rule].get(info.name, Cell()).status in (FAIL, KNOWN)]
        meeting[info.name] = failed
        if info.available and info.checked_steps and not info.capability_skips and not failed:
            passing.append(info.name)
    groups = sorted({i.group for i in infos if i.name in passing})
    return Phase4(infos, must, meeting, passing, groups)


# ------------------------------------------------------------------------------- writing


def matrix_json(runs: Sequence[PartRun], profile: Profile,
                matrix: Mapping[str, Mapping[str, Cell]], p4: Phase4) -> dict[str, Any]:
    return {
        "format": MATRIX_FORMAT,
        "profile": profile.value,
        "runtimes": {i.name: {"available": i.available, "reason": i.reason,
                              "version": i.version, "implementation": i.group,
                              "independence": i.group_note,
                              "capabilities": list(i.capabilities),
                              "checked_steps": i.checked_steps,
                              "capability_skips": i.capability_skips}
                     for i in p4.runtimes},
        "rules": {rule: {"level": rule_info(rule).level, "citation": rule_info(rule).citation,
                         "text": rule_info(rule).text,
                         "runtimes": {name: {"status": c.status, "cases": c.cases,
                                             "failed": c.failed, "known": c.known}
                                      for name, c in per.items()}}
                  for rule, per in matrix.items()},
        "phase4": {"two_independent_pass_every_must": p4.verdict, "passing": p4.passing,
                   "independent_implementations": p4.groups,
                   "must_failures": {k: v for k, v in p4.meeting.items()}},
    }


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def matrix_md(runs: Sequence[PartRun], profile: Profile,
              matrix: Mapping[str, Mapping[str, Cell]]) -> str:
    names = [r.target for r in runs]
    lines = [
        "# wasi:sockets rule matrix",
        "",
        f"Profile: {profile.value}. A cell is `pass` when every step of that runtime that "
        "exercised the rule met it, `fail` when one did not (`fail (known)`: listed in the "
        "runtime's expectation file), `n.a.` when no step exercised it. Levels: MUST, SHOULD, "
        "AMBIGUOUS (every reading is accepted and recorded).",
        "",
        "| rule | level | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for rule, per in matrix.items():
        info = rule_info(rule)
        cells = []
        for n in names:
            c = per.get(n)
            cells.append(NA if c is None else f"{c.status} ({c.cases})" if c.status == PASS
                         else f"**{c.status}** ({len(c.failed) + len(c.known)}/{c.cases})")
        lines.append(f"| `{rule}` | {info.level} | " + " | ".join(cells) + " |")
    unavailable = [r for r in runs if not r.meta.get("available", True)]
    if unavailable:
        lines += ["", "Not run:"]
        lines += [f"- {r.target}: {r.meta.get('reason')}" for r in unavailable]
    return "\n".join(lines) + "\n"


def phase4_md(p4: Phase4, matrix: Mapping[str, Mapping[str, Cell]],
              failures: Mapping[str, list[MustFailure]], profile: Profile) -> str:
    names = [i.name for i in p4.runtimes]
    yes = "YES" if p4.verdict else "NO"
    lines = [
        "# wasi:sockets 0.2: phase-4 evidence",
        "",
        "wasi-sockets' portability criterion (wasi-sockets.md §10): at least two independent "
        "production implementations pass a test suite. This section answers it for this run "
        f"(profile {profile.value}; a known deviation listed in an expectation file still "
        "counts as a failure here).",
        "",
        f"**At least two independent runtimes pass every MUST rule: {yes}.** "
        + (f"Passing: {', '.join(p4.passing)} (implementations: {', '.join(p4.groups)})."
           if p4.passing else "No runtime passes every MUST rule."),
        "",
        "## Runtimes",
        "",
        "| runtime | version | implementation | checked steps | MUST rules failed | note |",
        "|---|---|---|---|---|---|",
    ]
    for i in p4.runtimes:
        failed = p4.meeting.get(i.name, [])
        note = i.group_note if i.available else f"not run: {i.reason}"
        if i.available and i.capability_skips:
            note += f"; {i.capability_skips} scenarios not runnable here (capabilities: " \
                    f"{', '.join(i.capabilities) or 'none'}), so it cannot meet every rule"
        lines.append(f"| {i.name} | {i.version or '-'} | {i.group} | {i.checked_steps} | "
                     f"{len(failed)} | {_md_cell(note)} |")
    lines += ["", f"MUST rules exercised: {len(p4.must_rules)}.", "",
              "## Which runtimes meet each rule", "",
              "| rule | level | meets | fails | n.a. |", "|---|---|---|---|---|"]
    for rule, per in matrix.items():
        meets = [n for n in names if per.get(n, Cell()).status == PASS]
        fails = [n for n in names if per.get(n, Cell()).status in (FAIL, KNOWN)]
        na = [n for n in names if n not in per]
        lines.append(f"| `{rule}` | {rule_info(rule).level} | {', '.join(meets) or '-'} | "
                     f"{', '.join(fails) or '-'} | {', '.join(na) or '-'} |")
    suite = {n: sorted(c for rule, per in matrix.items() if not runtime_rule(rule)
                       and rule.startswith(SUITE_PREFIX) for c in per.get(n, Cell()).failed)
             for n in names}
    if any(suite.values()):
        lines += ["", "## Suite problems (not runtime results)", "",
                  "Steps the suite itself could not run or judge (a probe-error, a step the "
                  "model rejects): fix the suite; they say nothing about the runtime.", ""]
        lines += [f"- {n}: {', '.join(f'`{c}`' for c in ids)}" for n, ids in suite.items()
                  if ids]
    lines += ["", "## MUST failures per runtime", ""]
    for name in names:
        items = failures.get(name, [])
        lines += [f"### {name}: {len(items)} failing step(s)", ""]
        if not items:
            lines += ["None.", ""]
            continue
        for f in items:
            rinfo = rule_info(f.rule)
            known = " (known: listed in the expectation file)" if f.known else ""
            lines += [
                f"- **`{f.rule}`** ({rinfo.citation}){known}: `{f.case_id}`",
                f"  - rule: {rinfo.text}",
                f"  - expected: {f.expected}",
                f"  - observed: {f.observed}",
                f"  - rerun: `{f.repro}`",
                "  - smallest reproducing script (the scenario up to the failing step; "
                "`{placeholders}` are filled from the suite's loopback fixtures):",
                "",
                "    ```json",
                *("    " + line for line in json.dumps(f.script, indent=None,
                                                      separators=(", ", ": ")).splitlines()),
                "    ```",
                "",
            ]
    return "\n".join(lines) + "\n"


def write_reports(runs: Sequence[PartRun], scenarios: Mapping[str, Scenario], directory: Path,
                  profile: Profile) -> tuple[Path, Path, Path, Phase4]:
    """``matrix.json``, ``matrix.md`` and ``phase4.md`` into ``directory``."""
    matrix = build_matrix(runs, profile)
    p4 = phase4(runs, matrix)
    failures = must_failures(runs, profile, scenarios)
    directory.mkdir(parents=True, exist_ok=True)
    mj, mm, pm = directory / "matrix.json", directory / "matrix.md", directory / "phase4.md"
    mj.write_text(json.dumps(matrix_json(runs, profile, matrix, p4), indent=1) + "\n",
                  encoding="utf-8")
    mm.write_text(matrix_md(runs, profile, matrix), encoding="utf-8")
    pm.write_text(phase4_md(p4, matrix, failures, profile), encoding="utf-8")
    return mj, mm, pm, p4
