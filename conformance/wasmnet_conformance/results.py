"""What every part of the suite (codec vectors, wRPC network roles, wasi:sockets scenarios)
hands to the shared report writers: one :class:`CaseRecord` per case, one :class:`PartRun` per
target and part.

Keeping this model free of part-specific types lets one summary/JUnit/progress implementation
serve all parts; part-specific data rides in ``CaseRecord.extra`` and ``PartRun.meta``.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


class Verdict(str, enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


class Profile(str, enum.Enum):
    """strict: ambiguous inputs must take the strict reading (for codecs: rejected, canonical
    encodings). lenient: any reading the spec allows, recorded."""

    STRICT = "strict"
    LENIENT = "lenient"


class Outcome(str, enum.Enum):
    PASSED = "passed"
    FAILED = "failed"
    XFAILED = "xfailed"
    """Listed as an expected failure, and failed."""
    XPASSED = "xpassed"
    """Listed as an expected failure, but passed: the entry is stale; unexpected."""
    SKIPPED = "skipped"
    """Not run (deselected, not offered, runtime missing) or unsupported; never a pass."""


UNEXPECTED = frozenset({Outcome.FAILED, Outcome.XPASSED})
"""Outcomes that make a run fail under the gating profile."""


@dataclass(frozen=True)
class CaseRecord:
    id: str
    """Stable case ID; names the rule it checks. Expectation files refer to it."""
    classname: str
    """Grouping for JUnit and the matrix (vector file and group, scenario family, ...)."""
    outcomes: dict[Profile, Outcome]
    detail: str
    """Why, in one line a person can act on (first line), more lines allowed."""
    rule: str | None = None
    """The rule ID (rules.py) or spec citation the case checks."""
    flags: tuple[str, ...] = ()
    """Ambiguity flags the case touches."""
    reading: str | None = None
    """For flagged cases: which reading the target took (recorded per flag in the summary)."""
    duration_s: float = 0.0
    repro: str | None = None
    """A one-line command that reruns just this case against just this target."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Part-specific JSON-able data: vector id, op, wire trace, observed/expected results..."""


@dataclass(frozen=True)
class PartRun:
    part: str
    """``codec``, ``wrpc-server``, ``wrpc-client`` or ``sockets``."""
    target: str
    """Implementation under test; names ``reports/<target>/`` and the expectation file."""
    started: str
    """ISO 8601 UTC."""
    duration_s: float
    profile: Profile
    """The gating profile."""
    records: list[CaseRecord]
    notes: dict[str, str] = field(default_factory=dict)
    """Ambiguity flag -> explanation."""
    warnings: list[str] = field(default_factory=list)
    expectations_source: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    """Part-specific JSON-able data: testee command and hello, server address, runtime version."""

    def counts(self, profile: Profile) -> dict[str, int]:
        c = Counter(r.outcomes[profile] for r in self.records)
        return {o.value: c[o] for o in Outcome}

    def unexpected(self, profile: Profile) -> list[CaseRecord]:
        return [r for r in self.records if r.outcomes[profile] in UNEXPECTED]

    @property
    def passed_gate(self) -> bool:
        return not self.unexpected(self.profile)
