"""What the model hands out: the observed result of a step, the results the spec allows for
it, and the judgment of one against the other.

Kept free of model state so the suite can build, print and store these without the simulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ERROR_NAMES, STREAM_ERROR_NAMES
from .rules import SocketRule

KINDS = ("ok", "err", "trap", "any-ok")
"""Allowed kinds. ``any-ok``: ok with any value (its ``value``, if a Pred, checks the shape)."""

OBSERVATION_KINDS = ("ok", "err", "trap", "probe-error", "missing", "timeout")
"""``missing``: the step never ran (after a trap); ``timeout``: the suite killed the run."""


@dataclass(frozen=True)
class Pred:
    """A predicate on an ok value, with the one-line description reports print."""

    description: str
    fn: Callable[[Any], bool] = field(compare=False, repr=False)
    whole: bool = False
    """True: ``fn`` receives the whole Observation (to check extra fields), not the value."""

    def test(self, value: Any) -> bool:
        try:
            return bool(self.fn(value))
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return False

    def __str__(self) -> str:
        return self.description


def short(value: Any, limit: int = 120) -> str:
    """A value as compact JSON, cut to ``limit`` characters."""
    try:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


@dataclass(frozen=True)
class Observation:
    """What the probe reported for one step."""

    kind: str
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_probe_line(cls, line: dict[str, Any]) -> Observation:
        """From one probe result line (``{"i": k, "ok": V, ...}`` / ``err`` / ``probe-error``)."""
        for kind in ("ok", "err", "probe-error"):
            if kind in line:
                extra = {k: v for k, v in line.items() if k not in ("i", kind)}
                return cls(kind, line[kind], extra)
        raise ValueError(f"not a probe result line: {short(line)}")

    def describe(self) -> str:
        if self.kind == "ok":
            return f"ok({short(self.value)})"
        if self.kind == "err":
            return f"err({self.value})"
        if self.kind == "probe-error":
            return f"probe-error({short(self.value, 200)})"
        return self.kind


@dataclass(frozen=True)
class Allowed:
    """One result the spec permits for a step."""

    kind: str
    value: Any = None
    """``err``: the error name (None = any error); ``ok``: the exact JSON value or a Pred;
    ``any-ok``: None or a Pred checking the shape."""
    rule: SocketRule = field(kw_only=True)
    reading: str | None = None
    """For ambiguous alternatives: the reading this result means."""
    tolerant_only: bool = False
    """Accepted only by the tolerant profile (the five always-possible codes, SHOULD leniency)."""
    flag: str | None = None
    """The ambiguity id (an AMBIGUOUS rule id) ``reading`` belongs to."""

    def matches(self, obs: Observation) -> bool:
        if self.kind == "trap":
            return obs.kind == "trap"
        if self.kind == "err":
            if obs.kind != "err" or not isinstance(obs.value, str):
                return False
            if self.value is None:
                return obs.value in ERROR_NAMES or obs.value in STREAM_ERROR_NAMES
            return bool(obs.value == self.value)
        if obs.kind != "ok":
            return False
        if isinstance(self.value, Pred):
            return self.value.test(obs if self.value.whole else obs.value)
        if self.kind == "any-ok":
            return True
        return _json_equal(self.value, obs.value)

    def describe(self) -> str:
        if self.kind == "trap":
            text = "trap"
        elif self.kind == "err":
            text = f"err({self.value if self.value is not None else 'any'})"
        elif self.kind == "any-ok":
            text = f"ok({self.value})" if self.value is not None else "ok(any)"
        else:
            text = (f"ok({self.value})" if isinstance(self.value, Pred)
                    else f"ok({short(self.value)})")
        if self.reading is not None:
            text += f" [{self.flag or '?'}: {self.reading}]"
        if self.tolerant_only:
            text += " (tolerant)"
        return text

    def signature(self) -> tuple[Any, ...]:
        """Identity for de-duplication (Pred by description)."""
        value = str(self.value) if isinstance(self.value, Pred) else short(self.value, 10_000)
        return (self.kind, value, self.rule.id, self.reading, self.flag, self.tolerant_only)


def _json_equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


@dataclass(frozen=True)
class StepJudgment:
    index: int
    call: str
    observed: Observation
    allowed: tuple[Allowed, ...]
    strict_ok: bool
    """The observation is a documented result (strict profile)."""
    tolerant_ok: bool
    """The observation is documented or one of the tolerated results (tolerant profile)."""
    rule: SocketRule
    """The rule that decided (for failures: the rule broken)."""
    reading: str | None
    flags: tuple[str, ...]
    """Ambiguity ids the step touched; ``reading`` is the one taken (``flag=reading; ...``
    when several)."""
    detail: str

    @property
    def ok(self) -> bool:
        return self.strict_ok
