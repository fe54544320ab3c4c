"""Running the scenarios in one runtime: plan (which scenarios can run here, and why not),
fill placeholders, run in batches through the adapter, judge, and return the CaseRecords.

The plan is pure; running needs a prepared adapter and live fixtures. Every scenario that is
not run is still reported, step by step, as skipped with the reason (never silently left out).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from wasmnet_conformance.expectations import Expectations
from wasmnet_conformance.results import UNEXPECTED, CaseRecord, Profile
from wasmnet_conformance.sockets.adapters.base import Adapter, RunOutput
from wasmnet_conformance.sockets.judge import (
    ScenarioRun,
    judge_scenario,
    outcomes_from,
    skipped_scenario,
)
from wasmnet_conformance.sockets.packing import pack, packable, split
from wasmnet_conformance.sockets.scenarios.base import Scenario
from wasmnet_conformance.sockets.script import MAX_SCRIPT_BYTES, Script, ScriptError
from wasmnet_reference.sockets.judgment import Observation, StepJudgment

BATCH_SIZE = 30
"""Scripts per adapter call: big enough to amortise a runtime start (jco loads the component
once per call), small enough for a progress line that moves."""
PORT_RANGE = (20_000, 32_000)
"""Ports for listeners inside the component: below Linux's ephemeral range (32768+), so the
kernel does not hand them to unrelated connections meanwhile."""
FREE_PORT_PLACEHOLDERS = ("free_port", "free_port2", "free_port3")
TTL_WAIT_S = 1.0
"""How long to wait for the TTL receiver to report datagrams a finished batch sent."""

DEBUG_TIMING_ENV = "WASMNET_DEBUG_TIMING"
"""Set it to print the duration of every adapter call and script on stderr."""

FAMILY_CAPABILITY = {"tcp": "tcp", "io": "tcp", "udp": "udp", "lookup": "lookup"}


class ModelJudge(Protocol):
    def __call__(self, steps: Sequence[dict[str, Any]], observations: Sequence[Observation],
                 *, granted: bool, values: Mapping[str, Any]
                 ) -> Sequence[StepJudgment | None]: ...


class FixtureSource(Protocol):
    """What the runner needs from :class:`wasmnet_conformance.sockets.fixtures.Fixtures`."""

    unavailable: dict[str, str]
    ipv6: bool

    def placeholders(self) -> dict[str, str | int]: ...

    def clear_ttl(self) -> None: ...

    def ttl_seen(self, *, min_count: int = 1, timeout_s: float = 2.0) -> list[Any]: ...


# ------------------------------------------------------------------------------- ports


class PortPool:
    """Hands out loopback ports no one listens on (TCP and UDP, IPv4 and, if present, IPv6),
    each at most once per pool, so scenarios running at the same time never collide and a port
    is never reused while an old connection may linger in TIME_WAIT."""

    def __init__(self, *, ipv6: bool, start: int | None = None) -> None:
        lo, hi = PORT_RANGE
        self._next = start if start is not None else lo + secrets.randbelow(hi - lo)
        self._ipv6 = ipv6
        self._lock = threading.Lock()
        self._tried = 0

    def take(self) -> int:
        lo, hi = PORT_RANGE
        with self._lock:
            while self._tried < hi - lo:
                port = self._next
                self._next = lo + (self._next + 1 - lo) % (hi - lo)
                self._tried += 1
                if self._free(port):
                    return port
        raise RuntimeError(f"no free loopback port left in {PORT_RANGE}")

    def _free(self, port: int) -> bool:
        targets = [(socket.AF_INET, "127.0.0.1")]
        if self._ipv6:
            targets.append((socket.AF_INET6, "::1"))
        for fam, host in targets:
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(fam, kind)
                try:
                    s.bind((host, port))
                except OSError:
                    return False
                finally:
                    s.close()
        return True


# ------------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Planned:
    scenario: Scenario
    skip_reason: str | None = None
    """Why the scenario cannot run in this runtime (None: it runs)."""


def required_capabilities(scenario: Scenario) -> set[str]:
    """Capabilities (adapters/base.CAPABILITIES) a scenario needs from a runtime."""
    if not scenario.granted:
        return {"deny"}
    caps: set[str] = set()
    for call in scenario.calls():
        if call.startswith(("tcp.", "create-tcp", "input.", "output.")):
            caps.add("tcp")
        elif call.startswith(("udp.", "create-udp", "incoming.", "outgoing.")):
            caps.add("udp")
        elif call.startswith(("resolve", "resolver.")):
            caps.add("lookup")
    fam = FAMILY_CAPABILITY.get(scenario.family)
    if fam:
        caps.add(fam)
    return caps


def scenario_placeholders(scenario: Scenario) -> set[str]:
    return Script.of(scenario.id, scenario.steps).placeholders()


def plan(scenarios: Iterable[Scenario], *, capabilities: frozenset[str],
         fixture_values: Mapping[str, Any], unavailable: Mapping[str, str],
         selected: Callable[[Scenario], bool]) -> list[Planned]:
    """Which scenarios run in a runtime with ``capabilities``, and why the others do not."""
    out = []
    provided = set(fixture_values) | set(FREE_PORT_PLACEHOLDERS) | {"nonce_hex"}
    for s in scenarios:
        reason = None
        if not selected(s):
            reason = "not selected by -k"
        else:
            missing_caps = sorted(required_capabilities(s) - capabilities)
            missing_fx = sorted(scenario_placeholders(s) - provided)
            if missing_caps:
                reason = (f"the runtime cannot do {', '.join(missing_caps)} (capabilities: "
                          f"{', '.join(sorted(capabilities)) or 'none'})")
            elif missing_fx:
                why = "; ".join(f"{n}: {unavailable.get(n, 'no such fixture')}"
                                for n in missing_fx)
                reason = f"fixture not available here ({why})"
            elif "ttl" in s.needs and "ttl_port" in unavailable:
                reason = f"fixture not available here (ttl: {unavailable['ttl_port']})"
            else:
                size = len(json.dumps(s.script_json(), separators=(",", ":")).encode())
                if size > MAX_SCRIPT_BYTES:
                    reason = (f"the script is longer than the probe's transport takes "
                              f"({MAX_SCRIPT_BYTES} bytes: a command-line argument on some "
                              "runtimes); the contract has no compact form for large data")
        out.append(Planned(s, reason))
    return out


def fill_values(scenario: Scenario, fixture_values: Mapping[str, Any],
                pool: PortPool) -> dict[str, Any]:
    """The placeholder values for one run of ``scenario``: fixtures, fresh ports, a nonce."""
    used = scenario_placeholders(scenario)
    values: dict[str, Any] = dict(fixture_values)
    for name in FREE_PORT_PLACEHOLDERS:
        if name in used:
            values[name] = pool.take()
    values["nonce_hex"] = secrets.token_hex(6)
    return values


# ------------------------------------------------------------------------------- running


@dataclass
class RuntimeResult:
    records: list[CaseRecord] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    """Skip reason -> scenarios."""
    ran: int = 0
    warnings: list[str] = field(default_factory=list)
    runs: dict[str, ScenarioRun] = field(default_factory=dict)
    """Scenario id -> what ran (for the matrix's reproducing scripts)."""


@dataclass(frozen=True)
class RunSettings:
    timeout_s: float
    repro: Callable[[Scenario], str]
    """The one-line suite command that reruns a scenario in this runtime."""
    scripts_dir: Path | None = None
    """Where the filled scripts of scenarios with failures are written (for raw repros)."""
    batch_size: int = BATCH_SIZE
    parallel: int = 1
    pack: bool = True
    """Run scenarios that cannot trap several to a probe script (packing.py)."""
    rerun_unexpected: bool = True
    """Run scenarios with unexpected results once more, alone (timing-dependent results)."""
    gate: Profile = Profile.LENIENT
    """The profile whose unexpected results trigger a rerun."""
    """Batches in flight at once (each is one adapter call: one runner process for jco)."""
    selected_case: Callable[[str], bool] = lambda _: True


def run_runtime(
    adapter: Adapter,
    scenarios: Sequence[Scenario],
    *,
    fixtures: FixtureSource,
    model: ModelJudge,
    expectations: Expectations,
    settings: RunSettings,
    selected: Callable[[Scenario], bool],
    on_record: Callable[[CaseRecord], None] = lambda _: None,
    pool: PortPool | None = None,
) -> RuntimeResult:
    """Run ``scenarios`` in a prepared ``adapter``; records in scenario order."""
    fixture_values = fixtures.placeholders()
    fixtures.clear_ttl()
    pool = pool or PortPool(ipv6=fixtures.ipv6)
    planned = plan(scenarios, capabilities=adapter.capabilities, fixture_values=fixture_values,
                   unavailable=fixtures.unavailable, selected=selected)
    result = RuntimeResult()
    by_id: dict[str, list[CaseRecord]] = {}
    for p in planned:
        if p.skip_reason is not None:
            result.skipped[p.skip_reason] += 1
            by_id[p.scenario.id] = skipped_scenario(p.scenario, p.skip_reason, expectations,
                                                    settings.repro(p.scenario))
            for r in by_id[p.scenario.id]:
                on_record(r)
    runnable = [p.scenario for p in planned if p.skip_reason is None]
    tasks: list[tuple[bool, list[Scenario]]] = []
    for granted in (True, False):
        group = [s for s in runnable if s.granted is granted]
        tasks += [(granted, group[i:i + settings.batch_size])
                  for i in range(0, len(group), settings.batch_size)]
    lock = threading.Lock()

    def one(task: tuple[bool, list[Scenario]]) -> None:
        granted, batch = task
        runs = _run_batch(adapter, batch, granted, fixtures, fixture_values, pool, model,
                          settings, result)
        for run in runs:
            records = _judge(adapter, run, granted, expectations, settings)
            with lock:
                by_id[run.scenario.id] = records
                result.runs[run.scenario.id] = run
                result.ran += 1
                for r in records:
                    on_record(r)

    if settings.parallel <= 1 or len(tasks) <= 1:
        for task in tasks:
            one(task)
    else:
        with ThreadPoolExecutor(max_workers=settings.parallel) as executor:
            for future in [executor.submit(one, t) for t in tasks]:
                future.result()
    if settings.rerun_unexpected:
        _rerun_unexpected(adapter, runnable, by_id, fixtures, fixture_values, pool, model,
                          expectations, settings, result)
    for s in scenarios:
        result.records.extend(by_id.get(s.id, []))
    return result


def _unexpected(records: Sequence[CaseRecord], gate: Profile) -> list[str]:
    return [r.id for r in records if r.outcomes[gate] in UNEXPECTED]


def _rerun_unexpected(adapter: Adapter, runnable: Sequence[Scenario],
                      by_id: dict[str, list[CaseRecord]], fixtures: FixtureSource,
                      fixture_values: Mapping[str, Any], pool: PortPool, model: ModelJudge,
                      expectations: Expectations, settings: RunSettings,
                      result: RuntimeResult) -> None:
    """Scenarios with unexpected results run once more, alone (not packed): results that only
    show up in one of the two runs are timing-dependent, and are reported as such (a
    warning, and ``extra["first_run"]``) instead of failing the run on a coin toss. When
    both runs have unexpected results, the isolated run (what the repro command does) counts
    if it has fewer of them."""
    gate = settings.gate
    suspects = [s for s in runnable if _unexpected(by_id.get(s.id, []), gate)]
    if not suspects:
        return
    alone = replace(settings, pack=False)
    for granted in (True, False):
        group = [s for s in suspects if s.granted is granted]
        if not group:
            continue
        for run in _run_batch(adapter, group, granted, fixtures, fixture_values, pool, model,
                              alone, result):
            sid = run.scenario.id
            first = by_id[sid]
            again = _judge(adapter, run, granted, expectations, alone)
            bad1, bad2 = _unexpected(first, gate), _unexpected(again, gate)
            if bad1 == bad2:
                continue
            result.warnings.append(
                f"{adapter.name}: {sid}: results differ between two runs (timing-dependent): "
                f"unexpected in the first run: {', '.join(bad1) or 'none'}; run again alone: "
                f"{', '.join(bad2) or 'none'}")
            if len(bad2) < len(bad1):
                before = {r.id: r.outcomes[gate].value for r in first}
                by_id[sid] = [
                    replace(r, extra={**r.extra, "first_run": before.get(r.id)})
                    if before.get(r.id) != r.outcomes[gate].value else r
                    for r in again]
                result.runs[sid] = run


def _run_batch(adapter: Adapter, batch: Sequence[Scenario], granted: bool,
               fixtures: FixtureSource, fixture_values: Mapping[str, Any], pool: PortPool,
               model: ModelJudge, settings: RunSettings,
               result: RuntimeResult) -> list[ScenarioRun]:
    filled: list[tuple[Scenario, dict[str, Any], Script]] = []
    for s in batch:
        values = fill_values(s, fixture_values, pool)
        try:
            script = Script.of(s.id, s.steps, granted=granted).substitute(values)
            script.to_json()
        except ScriptError as e:
            result.warnings.append(f"{s.id}: cannot build the script (a suite bug): {e}")
            script = Script.of(s.id, [], granted=granted)
        filled.append((s, values, script))
    ttl_expected = sum(1 for s, _, _ in filled if any(c.kind == "fixture" for c in s.checks))
    start = time.monotonic()
    by_script = _run_scripts(adapter, [(s, script) for s, _, script in filled], granted,
                             settings)
    elapsed = time.monotonic() - start
    outputs = [by_script.get(script.id) for _, _, script in filled]
    missing = [script.id for (_, _, script), o in zip(filled, outputs, strict=True)
               if o is None]
    if missing:
        result.warnings.append(f"{adapter.name}: no output for {', '.join(missing[:5])}")
    reports: dict[str, Any] = {}
    if ttl_expected:
        reports["ttl"] = _ttl_reports(fixtures, [v["nonce_hex"] for s, v, _ in filled
                                                 if any(c.kind == "fixture" for c in s.checks)])
    runs = []
    for n, (s, values, script) in enumerate(filled):
        out = outputs[n]
        runs.append(scenario_run(s, values, script, out, model, granted, reports,
                                 elapsed / max(1, len(filled))))
    return runs


def _run_scripts(adapter: Adapter, items: Sequence[tuple[Scenario, Script]], granted: bool,
                 settings: RunSettings) -> dict[str, RunOutput]:
    """Run scripts (packed where allowed, packing.py) and return each one's own output;
    members of a pack that a trap or hang cut short are rerun alone."""
    singles = [script for s, script in items
               if not (settings.pack and packable(script, bool(s.may_trap)))]
    packs = pack([script for s, script in items
                  if settings.pack and packable(script, bool(s.may_trap))],
                 granted=granted, pack_id=f"pack-{secrets.token_hex(3)}")
    to_run = [p.script for p in packs] + singles
    t0 = time.monotonic()
    outputs = adapter.run(to_run, granted=granted, timeout_s=settings.timeout_s)
    if os.environ.get(DEBUG_TIMING_ENV):
        print(f"[timing] {adapter.name} {len(to_run)} scripts ({len(packs)} packs) "
              f"{time.monotonic() - t0:.1f}s: "
              + " ".join(f"{o.duration_s:.1f}" for o in outputs), file=sys.stderr)
    by_id: dict[str, RunOutput] = {}
    rerun: list[Script] = []
    for n, script in enumerate(to_run):
        out = outputs[n] if n < len(outputs) else None
        if n < len(packs):
            if out is None:
                rerun += [m.script for m in packs[n].members]
                continue
            done, cut = split(packs[n], out)
            by_id.update((m.script.id, o) for m, o in done)
            rerun += [m.script for m in cut]
        elif out is not None:
            by_id[script.id] = out
    if rerun:
        alone = adapter.run(rerun, granted=granted, timeout_s=settings.timeout_s)
        for script, single in zip(rerun, alone, strict=False):
            by_id[script.id] = single
    return by_id


def _ttl_reports(fixtures: FixtureSource, nonces: list[str]) -> list[dict[str, Any]]:
    """What the TTL receivers saw, waiting (bounded) until a datagram carrying each nonce has
    arrived. Payloads carry a per-run nonce, so concurrent batches never mix up."""
    end = time.monotonic() + TTL_WAIT_S
    while True:
        seen = [{"family": o.family, "hop_limit": o.hop_limit, "data": o.data.hex()}
                for o in fixtures.ttl_seen(min_count=0, timeout_s=0)]
        if all(any(o["data"].endswith(n) for o in seen) for n in nonces) \
                or time.monotonic() >= end:
            return seen
        time.sleep(0.02)


def scenario_run(scenario: Scenario, values: Mapping[str, Any], script: Script,
                 out: RunOutput | None, model: ModelJudge, granted: bool,
                 reports: Mapping[str, Any], duration_s: float) -> ScenarioRun:
    """Combine one script's output with the model's judgments."""
    steps = list(script.steps) if script.steps else [dict(s) for s in scenario.steps]
    n = len(scenario.steps)
    if out is None:
        outcomes = outcomes_from([], n)
        return ScenarioRun(scenario, values, steps, outcomes, [None] * n, end_kind="died",
                           stderr_tail="the adapter returned no output for this script",
                           fixture_reports=reports, duration_s=duration_s)
    outcomes = outcomes_from(out.results, n)
    ended_at: int | None = None
    end_kind: str | None = None
    if out.timed_out:
        end_kind = "timeout"
        ended_at = next((k for k, o in enumerate(outcomes) if o.kind == "timeout"), None)
    elif out.trapped_at is not None:
        end_kind, ended_at = "trap", out.trapped_at
    elif not out.done and any(o.kind == "missing" for o in outcomes):
        end_kind = "died"
    observations = [o.observation() for o in outcomes]
    try:
        judgments = list(model(steps, observations, granted=granted, values=values))
    except Exception as e:  # a model bug must cost one scenario, not the run
        judgments = []
        stderr = f"the model failed on this scenario: {type(e).__name__}: {e}"
        return ScenarioRun(scenario, values, steps, outcomes, judgments, ended_at, end_kind,
                           out.exit_code, stderr, out.script_error, reports, duration_s)
    judgments += [None] * (n - len(judgments))
    return ScenarioRun(scenario, values, steps, outcomes, judgments, ended_at, end_kind,
                       out.exit_code, out.stderr_tail, out.script_error, reports,
                       out.duration_s or duration_s, tuple(out.protocol_errors))


def _judge(adapter: Adapter, run: ScenarioRun, granted: bool, expectations: Expectations,
           settings: RunSettings) -> list[CaseRecord]:
    repro = settings.repro(run.scenario)
    records = judge_scenario(run, expectations, repro=repro,
                             selected=settings.selected_case)
    bad = any(r.outcomes[p].value in ("failed", "xfailed", "xpassed")
              for r in records for p in r.outcomes)
    if not bad or settings.scripts_dir is None:
        return records
    path = settings.scripts_dir / f"{run.scenario.id}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"id": run.scenario.id, "steps": list(run.steps)}, indent=1)
                        + "\n", encoding="utf-8")
        raw = adapter.repro(path, granted=granted)
        raw += "  # needs the fixtures of this run (ports in the script); prefer the suite repro"
    except (OSError, RuntimeError, AssertionError) as e:
        raw = f"(no raw repro: {e})"
    return judge_scenario(run, expectations, repro=repro, runtime_repro=raw,
                          selected=settings.selected_case)
