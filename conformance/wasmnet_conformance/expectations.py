"""Per-target expectation files: known failures, turned into ``xfailed`` instead of ``failed``.

Format (JSON, so Python 3.10 needs no TOML parser)::

    {
      "format": "wasmnet-expectations/1",
      "target": "my-impl",
      "expected_failures": [
        {"id": "value.string.overlong-2#decode", "reason": "accepts overlong UTF-8",
         "link": "https://example.org/issue/1", "profiles": ["strict"]}
      ]
    }

``id`` is a case ID, ``reason`` is required, ``link`` is optional, ``profiles`` (optional,
default both) names the profiles under which the failure is expected. A listed case that
passes is ``xpassed``: the entry is stale and the run fails until it is removed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmnet_conformance import REPO_ROOT
from wasmnet_conformance.errors import SuiteError
from wasmnet_conformance.results import Outcome, Profile, Verdict

FORMAT = "wasmnet-expectations/1"
EXPECTATIONS_DIR = REPO_ROOT / "conformance" / "expectations"
"""Where ``<target>.json`` is looked up when no file is named explicitly."""


class ExpectationFileError(SuiteError):
    """An expectation file is missing, unreadable or breaks the format above."""


@dataclass(frozen=True)
class Expectation:
    id: str
    reason: str
    link: str | None
    profiles: frozenset[Profile]


@dataclass(frozen=True)
class Expectations:
    entries: dict[str, Expectation]
    source: str | None
    """The file they came from, or None when there is none."""
    warnings: tuple[str, ...] = ()

    def outcome(self, case_id: str, profile: Profile, verdict: Verdict) -> Outcome:
        entry = self.entries.get(case_id)
        expected_failure = entry is not None and profile in entry.profiles
        if verdict is Verdict.SKIP:
            return Outcome.SKIPPED
        if verdict is Verdict.PASS:
            return Outcome.XPASSED if expected_failure else Outcome.PASSED
        return Outcome.XFAILED if expected_failure else Outcome.FAILED

    def outcomes(self, case_id: str, verdicts: Mapping[Profile, Verdict]) -> dict[Profile, Outcome]:
        """:meth:`outcome` under every profile, for a ``CaseRecord``."""
        return {p: self.outcome(case_id, p, verdicts[p]) for p in Profile}

    def describe(self, case_id: str) -> dict[str, Any] | None:
        """The entry for ``case_id`` as reports show it (``expected_failure``), or None."""
        entry = self.entries.get(case_id)
        if entry is None:
            return None
        return {"reason": entry.reason, "link": entry.link,
                "profiles": sorted(p.value for p in entry.profiles)}

    def unknown_ids(self, case_ids: Iterable[str]) -> list[str]:
        """Listed IDs that name no case: a typo or a removed vector."""
        known = set(case_ids)
        return sorted(i for i in self.entries if i not in known)


NO_EXPECTATIONS = Expectations({}, None)


def expectations_for(target: str, explicit: Path | None) -> Expectations:
    """``explicit`` if given (it must exist), else ``EXPECTATIONS_DIR/<target>.json`` if it
    exists, else none."""
    if explicit is not None:
        if not explicit.is_file():
            raise ExpectationFileError(f"expectation file {explicit}: no such file")
        return load_expectations(explicit, target)
    default = EXPECTATIONS_DIR / f"{target}.json"
    return load_expectations(default, target) if default.is_file() else NO_EXPECTATIONS


def load_expectations(path: Path, target: str) -> Expectations:
    """Read ``path``; a ``target`` that differs from the run's is a warning, not an error."""
    where = str(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ExpectationFileError(f"{where}: cannot read: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExpectationFileError(f"{where}: not a {FORMAT} file")
    warnings = []
    if doc.get("target") != target:
        warnings.append(f"{where}: written for target {doc.get('target')!r}, running {target!r}")
    raw_entries = doc.get("expected_failures")
    if not isinstance(raw_entries, list):
        raise ExpectationFileError(f"{where}: 'expected_failures' must be a list")
    entries: dict[str, Expectation] = {}
    for raw in raw_entries:
        entry = _entry(raw, where)
        if entry.id in entries:
            raise ExpectationFileError(f"{where}: {entry.id!r} is listed twice")
        entries[entry.id] = entry
    return Expectations(entries, where, tuple(warnings))


def _entry(raw: Any, where: str) -> Expectation:
    if not isinstance(raw, dict):
        raise ExpectationFileError(f"{where}: an entry must be an object, not {raw!r}")
    case_id, reason, link = raw.get("id"), raw.get("reason"), raw.get("link")
    if not isinstance(case_id, str) or not case_id:
        raise ExpectationFileError(f"{where}: an entry needs a string 'id': {raw!r}")
    if not isinstance(reason, str) or not reason:
        raise ExpectationFileError(f"{where}: {case_id}: 'reason' is required")
    if link is not None and not isinstance(link, str):
        raise ExpectationFileError(f"{where}: {case_id}: 'link' must be a string")
    unknown = set(raw) - {"id", "reason", "link", "profiles"}
    if unknown:
        raise ExpectationFileError(f"{where}: {case_id}: unknown key(s) {sorted(unknown)}")
    names = raw.get("profiles", [p.value for p in Profile])
    try:
        profiles = frozenset(Profile(n) for n in names)
    except (TypeError, ValueError):
        raise ExpectationFileError(
            f"{where}: {case_id}: 'profiles' must list 'strict' and/or 'lenient'"
        ) from None
    if not profiles:
        raise ExpectationFileError(f"{where}: {case_id}: 'profiles' is empty")
    return Expectation(case_id, reason, link, profiles)
