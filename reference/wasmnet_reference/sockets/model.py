"""The simulator: judges a script's observed results step by step against the spec.

For each step it computes the set of results the spec allows in the current state (one
required result, several permitted ones, or "must trap"), judges the observation in the strict
and the tolerant profile, and advances its state according to the observed result. Ambiguities
that change state (reading A/B after a rejected connect, a UDP bind retry, a connection that may
have ended) keep several candidate worlds; observations that contradict a world remove it, and
the judgment names the reading the surviving worlds took.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import io, lookup, tcp, udp
from .common import BadStep, Ctx, Handler, Possibility, Step, any_ok, fork
from .errors import ErrorCode
from .judgment import Allowed, Observation, StepJudgment
from .rules import (
    NET_INSTANCE,
    RULES,
    RUN_AFTER_TRAP,
    RUN_MISSING_RESULT,
    RUN_UNBORN_RESOURCE,
    SUITE_BAD_STEP,
    SUITE_PROBE_ERROR,
    Level,
    SocketRule,
)
from .state import HostFacts, Network, World

MAX_WORLDS = 128
"""Bound on candidate worlds (ambiguities multiply them); beyond it the oldest are kept."""

FINISHABLE = frozenset({
    "tcp.finish-bind", "tcp.finish-connect", "tcp.finish-listen", "tcp.accept",
    "udp.finish-bind", "resolve-next-address",
})
"""Calls the ``finish`` helper may retry (the probe contract)."""


def _instance_network(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(0)
    name = step.name()
    if name in w.resources:
        raise BadStep(f"resource name {name!r} is already in use")

    def apply(w2: World, obs: Observation) -> list[World]:
        real = obs.value if isinstance(obs.value, str) and obs.value else name
        w2.resources[real] = Network(real)
        return [w2]

    return [Possibility(any_ok(NET_INSTANCE), apply)]


HANDLERS: dict[str, Handler] = {
    "instance-network": _instance_network,
    **tcp.HANDLERS,
    **udp.HANDLERS,
    **lookup.HANDLERS,
    **io.HANDLERS,
}
CALLS: frozenset[str] = frozenset(HANDLERS) | {"finish"}
"""Every call name the model judges (the probe's call table)."""


def _finish(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    """finish(call, s, timeout_ms): the call's contract with would-block retries folded in;
    a final would-block means the helper's timeout expired (§4: not done, nothing changed)."""
    step.arity(3)
    call = step.text(0)
    if call not in FINISHABLE:
        raise BadStep(f"finish: {call!r} is not a call finish() retries")
    step.integer(2, 10**12)
    inner = Step(step.index, call, (step.arg(1),), step.as_)
    return HANDLERS[call](w, inner, ctx)


def _dispatch(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    if step.call == "finish":
        return _finish(w, step, ctx)
    handler = HANDLERS.get(step.call)
    if handler is None:
        raise BadStep(f"unknown call {step.call!r}")
    return handler(w, step, ctx)


@dataclass
class _Branch:
    world: World
    poss: list[Possibility]


def _fallback(poss: list[Possibility], obs: Observation) -> Possibility | None:
    """For an observation nothing allowed: the transition of the closest allowed result (same
    kind, same code if any), so later steps are judged from a sensible state."""
    if obs.kind == "ok":
        same = [p for p in poss if p.allowed.kind in ("ok", "any-ok")]
    elif obs.kind == "err":
        errs = [p for p in poss if p.allowed.kind == "err"]
        # An undocumented error is never a would-block: §4.2, any other result of finish-X
        # ends the operation, so the closest transition is another error's, not "pending".
        final = [p for p in errs if p.allowed.value != ErrorCode.WOULD_BLOCK.value]
        same = [p for p in errs if p.allowed.value == obs.value] or final or errs
    else:
        same = []
    return same[0] if same else None


def created_names(step: Step) -> list[str]:
    """The resource names ``step`` creates when it succeeds (the probe's naming rules)."""
    if step.call == "finish" and len(step.args) >= 2 and isinstance(step.args[0], str):
        step = Step(step.index, step.args[0], (step.args[1],), step.as_)
    call = step.call
    if call in ("create-tcp-socket", "create-udp-socket", "resolve-addresses") \
            or call.endswith(".subscribe"):
        return [step.name()]
    if call == "tcp.accept":
        base = step.name()
        return [base, base + ".in", base + ".out"]
    if call in ("tcp.finish-connect", "udp.stream") and step.args \
            and isinstance(step.args[0], str):
        base = step.name(step.args[0].lstrip("$"))
        return [base + ".in", base + ".out"]
    return []


class SocketsModel:
    """Judges one script run step by step (call :meth:`judge` once per step, in order)."""

    def __init__(self, *, network_granted: bool = True, host: HostFacts | None = None) -> None:
        self.ctx = Ctx(network_granted, host or HostFacts())
        self.worlds: list[World] = [World()]
        self.index = 0
        self.ended_at: int | None = None
        """The step that trapped (or timed out): nothing after it runs."""
        self.unborn: set[str] = set()
        """Names whose creating step failed as allowed: steps using them cannot run."""

    # ------------------------------------------------------------ queries
    def allowed(self, step: dict[str, Any]) -> tuple[Allowed, ...]:
        """The allowed results of ``step`` now (without judging or advancing)."""
        parsed = Step.parse(self.index, step)
        branches = [_Branch(w, _dispatch(w, parsed, self.ctx)) for w in self.worlds]
        return tuple(self._union(branches, parsed))

    def readings(self) -> dict[str, set[str]]:
        """Ambiguity (``flag@resource``) -> readings still possible across candidate worlds."""
        out: dict[str, set[str]] = {}
        for w in self.worlds:
            for k, v in w.readings.items():
                if not k.startswith("~"):
                    out.setdefault(k, set()).add(v)
        return out

    # ------------------------------------------------------------ judging
    def judge(self, step: dict[str, Any], observed: Observation) -> StepJudgment:
        index = self.index
        self.index += 1
        call = step.get("call") if isinstance(step, dict) else None
        call_text = call if isinstance(call, str) else "?"
        if self.ended_at is not None:
            return self._not_run(index, call_text, observed)
        if observed.kind == "missing":
            return self._verdict(index, call_text, observed, (), False, False, RUN_MISSING_RESULT,
                                 None, (), f"{call_text}: no result and no trap before it")
        try:
            parsed = Step.parse(index, step)
            missing = sorted(n for n in parsed.references() & self.unborn
                             if n not in self.worlds[0].resources)
            if missing:
                self.unborn.update(created_names(parsed))  # what it would create is unborn too
                fine = observed.kind == "probe-error"
                return self._verdict(
                    index, call_text, observed, (), fine, fine, RUN_UNBORN_RESOURCE, None, (),
                    f"{call_text}: uses {', '.join(missing)}, never created (its step failed); "
                    + ("not run" if fine else f"yet observed {observed.describe()}"))
            branches = [_Branch(w, _dispatch(w, parsed, self.ctx)) for w in self.worlds]
        except BadStep as e:
            why = "the probe agrees (probe-error)" if observed.kind == "probe-error" else \
                f"observed {observed.describe()}"
            return self._verdict(index, call_text, observed, (), False, False, SUITE_BAD_STEP,
                                 None, (), f"{call_text}: suite bug: {e}; {why}")
        touched = self._touched_keys(branches, parsed)
        allowed = tuple(self._union(branches, parsed))
        if observed.kind == "probe-error":
            return self._verdict(index, call_text, observed, allowed, False, False,
                                 SUITE_PROBE_ERROR, None, _flags(allowed),
                                 f"{call_text}: probe-error {observed.value!r}: a suite bug, "
                                 "not a runtime result")
        matched = [(b, p, p.allowed) for b in branches for p in b.poss
                   if p.allowed.matches(observed)]
        strict = [m for m in matched if not m[2].tolerant_only]
        tolerant_ok = bool(matched)
        strict_ok = bool(strict)
        if observed.kind in ("trap", "timeout"):
            self.ended_at = index
        elif observed.kind != "ok":
            self.unborn.update(created_names(parsed))
        self._advance(branches, matched, observed)
        decider = (strict or matched)
        rule = decider[0][2].rule if decider else _broken_rule(allowed, observed)
        # readings of state-changing ambiguities: those of the worlds that survived this step
        branch_readings = {key.split("@", 1)[0]: sorted({w.readings[key] for w in self.worlds
                                                         if key in w.readings})
                           for key in touched}
        reading = _reading([m[2] for m in decider], branch_readings)
        flags = _flags(allowed) + tuple(f for f in branch_readings if f not in _flags(allowed))
        detail = _detail(call_text, observed, allowed, rule, strict_ok, tolerant_ok, reading)
        return self._verdict(index, call_text, observed, allowed, strict_ok, tolerant_ok, rule,
                             reading, flags, detail)

    def _not_run(self, index: int, call: str, observed: Observation) -> StepJudgment:
        fine = observed.kind == "missing"
        detail = (f"{call}: not run (the instance ended at step {self.ended_at})" if fine else
                  f"{call}: observed {observed.describe()} after the instance ended at step "
                  f"{self.ended_at}")
        return self._verdict(index, call, observed, (), fine, fine, RUN_AFTER_TRAP, None, (),
                             detail)

    @staticmethod
    def _verdict(index: int, call: str, observed: Observation, allowed: tuple[Allowed, ...],
                 strict_ok: bool, tolerant_ok: bool, rule: SocketRule, reading: str | None,
                 flags: tuple[str, ...], detail: str) -> StepJudgment:
        return StepJudgment(index=index, call=call, observed=observed, allowed=allowed,
                            strict_ok=strict_ok, tolerant_ok=tolerant_ok, rule=rule,
                            reading=reading, flags=flags, detail=detail)

    # ------------------------------------------------------------ worlds
    def _union(self, branches: list[_Branch], step: Step) -> list[Allowed]:
        """Every branch's allowed results, de-duplicated; where candidate worlds disagree
        because of a state-changing ambiguity, results carry that ambiguity's reading."""
        touched = self._touched_keys(branches, step)
        out: list[Allowed] = []
        seen: set[Any] = set()
        for b in branches:
            for p in b.poss:
                a = p.allowed
                if touched and a.flag is None:
                    keys = [k for k in touched if k in b.world.readings]
                    if keys:
                        flag = keys[0].split("@", 1)[0]
                        reading = "; ".join(b.world.readings[k] for k in keys)
                        a = replace(a, flag=flag, reading=reading)
                        p.allowed = a
                sig = a.signature()
                if sig not in seen:
                    seen.add(sig)
                    out.append(a)
        return out

    @staticmethod
    def _touched_keys(branches: list[_Branch], step: Step) -> list[str]:
        if len(branches) < 2:
            return []
        keys = sorted({k for b in branches for k in b.world.readings if not k.startswith("~")})
        differing = [k for k in keys
                     if len({b.world.readings.get(k) for b in branches}) > 1]
        if not differing:
            return []
        sets = {frozenset(p.allowed.signature() for p in b.poss) for b in branches}
        if len(sets) < 2:
            return []
        refs = step.references()
        return [k for k in differing if k.split("@", 1)[1] in refs]

    def _advance(self, branches: list[_Branch],
                 matched: list[tuple[_Branch, Possibility, Allowed]],
                 observed: Observation) -> None:
        new: list[World] = []
        if matched:
            pairs = [(b, p) for b, p, _ in matched]
        else:
            pairs = []
            for b in branches:
                fb = _fallback(b.poss, observed)
                if fb is not None:
                    pairs.append((b, fb))
                else:
                    new.append(b.world)
        for b, p in pairs:
            new += p.apply(fork(b.world), observed)
        seen: set[Any] = set()
        unique: list[World] = []
        for w in new:
            k = w.key()
            if k not in seen:
                seen.add(k)
                unique.append(w)
        self.worlds = unique[:MAX_WORLDS] or self.worlds


def _broken_rule(allowed: Sequence[Allowed], observed: Observation) -> SocketRule:
    """The rule a disallowed observation breaks: the documented result of the same kind
    (an ok with a wrong value breaks the ok's rule), else the first documented one."""
    kinds = {"ok": ("ok", "any-ok"), "err": ("err",)}.get(observed.kind, ("ok", "any-ok"))
    documented = [a for a in allowed if not a.tolerant_only] or list(allowed)
    for candidates in ([a for a in documented if a.kind in kinds], documented):
        for a in candidates:
            if a.value != "would-block":
                return a.rule
    return documented[0].rule if documented else SUITE_BAD_STEP


def _flags(allowed: Sequence[Allowed]) -> tuple[str, ...]:
    out: list[str] = []
    for a in allowed:
        if a.flag is not None and a.flag not in out:
            out.append(a.flag)
    return tuple(out)


def _reading(matched: Sequence[Allowed], branch: dict[str, list[str]]) -> str | None:
    """``reading`` (one flag) or ``flag=r1|r2; ...``: readings of the matched results' own
    ambiguities, and for state-changing ones the readings the surviving worlds hold."""
    by_flag: dict[str, list[str]] = {f: rs for f, rs in branch.items() if rs}
    for a in matched:
        if a.flag is not None and a.reading is not None and a.flag not in branch:
            rs = by_flag.setdefault(a.flag, [])
            if a.reading not in rs:
                rs.append(a.reading)
    if not by_flag:
        return None
    if len(by_flag) == 1:
        return "|".join(next(iter(by_flag.values())))
    return "; ".join(f"{f}={'|'.join(rs)}" for f, rs in by_flag.items())


def _detail(call: str, observed: Observation, allowed: Sequence[Allowed], rule: SocketRule,
            strict_ok: bool, tolerant_ok: bool, reading: str | None) -> str:
    if strict_ok:
        text = f"{call}: {observed.describe()} allowed by {rule.id} ({rule.citation})"
        return text + (f", reading {reading}" if reading else "")
    expected = [a.describe() for a in allowed if not a.tolerant_only] or \
        [a.describe() for a in allowed]
    exp = " | ".join(expected[:8]) + (" | ..." if len(expected) > 8 else "")
    if tolerant_ok:
        return (f"{call}: {observed.describe()} accepted by the tolerant profile only "
                f"({rule.id}); documented: {exp}")
    return (f"{call}: expected {exp}; observed {observed.describe()}; {rule.id} "
            f"({rule.citation}): {rule.text}")


def judge_run(steps: Sequence[dict[str, Any]], observations: Sequence[Observation], *,
              network_granted: bool = True,
              host: HostFacts | None = None) -> list[StepJudgment]:
    """Judge a whole run; observations missing at the end count as ``missing``."""
    model = SocketsModel(network_granted=network_granted, host=host)
    out = []
    for i, step in enumerate(steps):
        obs = observations[i] if i < len(observations) else Observation("missing")
        out.append(model.judge(step, obs))
    return out


def rule_count() -> dict[str, int]:
    """How many rules the model enforces, by level (including the matrix cells)."""
    counts = {level.value: 0 for level in Level}
    for r in RULES.values():
        counts[r.level.value] += 1
    counts["total"] = len(RULES)
    return counts


__all__ = ["CALLS", "FINISHABLE", "HANDLERS", "SocketsModel", "created_names", "judge_run",
           "rule_count"]
