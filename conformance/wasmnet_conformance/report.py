"""Run reports: ``summary.json`` (everything, machine-readable), ``junit.xml`` (for CI
dashboards) and the short text summary printed at the end of a run."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wasmnet_conformance.expectations import UNEXPECTED, Expectations, Outcome
from wasmnet_conformance.judge import Profile
from wasmnet_conformance.runner import CaseResult
from wasmnet_conformance.session import HelloInfo

SUMMARY_FAILURES_SHOWN = 20


@dataclass(frozen=True)
class RunRecord:
    target: str
    command: list[str]
    hello: HelloInfo
    started: str
    """ISO 8601 UTC."""
    duration_s: float
    profile: Profile
    """The gating profile."""
    results: list[CaseResult]
    notes: dict[str, str]
    """Ambiguity flag -> explanation, from the vector files."""
    expectations: Expectations
    warnings: list[str]
    vectors_dir: str
    filters: list[str]
    testee_starts: int

    def counts(self, profile: Profile) -> dict[str, int]:
        c = Counter(r.outcomes[profile] for r in self.results)
        return {o.value: c[o] for o in Outcome}

    def unexpected(self, profile: Profile) -> list[CaseResult]:
        return [r for r in self.results if r.outcomes[profile] in UNEXPECTED]

    @property
    def passed_gate(self) -> bool:
        return not self.unexpected(self.profile)


def summary_json(run: RunRecord) -> dict[str, Any]:
    return {
        "target": run.target,
        "testee": {"command": run.command, "hello": run.hello.raw, "starts": run.testee_starts},
        "started": run.started,
        "duration_s": round(run.duration_s, 3),
        "profile": run.profile.value,
        "passed": run.passed_gate,
        "counts": run.counts(run.profile),
        "profiles": {p.value: run.counts(p) for p in Profile},
        "vectors": run.vectors_dir,
        "expectations": run.expectations.source,
        "filters": run.filters,
        "warnings": run.warnings,
        "ambiguities": _ambiguities(run),
        "cases": [_case_json(r, run.profile, run.expectations) for r in run.results],
    }


def _ambiguities(run: RunRecord) -> dict[str, Any]:
    """Per ambiguity flag: which reading the testee took for each flagged vector it answered."""
    out: dict[str, Any] = {}
    for r in run.results:
        reading = r.judgment.reading
        if reading is None:
            continue
        for flag in r.case.vector.flags:
            entry = out.setdefault(
                flag, {"note": run.notes.get(flag), "readings": {}, "cases": {}}
            )
            entry["cases"][r.case.id] = reading
            entry["readings"][reading] = entry["readings"].get(reading, 0) + 1
    return dict(sorted(out.items()))


def _case_json(r: CaseResult, profile: Profile, expectations: Expectations) -> dict[str, Any]:
    v = r.case.vector
    entry = expectations.entries.get(r.case.id)
    return {
        "id": r.case.id,
        "vector_id": v.id,
        "op": r.case.op.value,
        "file": v.file,
        "group": v.group,
        "result": v.result,
        "outcome": r.outcomes[profile].value,
        "profile_outcomes": {p.value: o.value for p, o in r.outcomes.items()},
        "rule": v.rule,
        "flags": list(v.flags),
        "detail": r.judgment.detail,
        "class_note": r.judgment.class_note,
        "reading": r.judgment.reading,
        "expected_failure": None
        if entry is None
        else {"reason": entry.reason, "link": entry.link,
              "profiles": sorted(p.value for p in entry.profiles)},
        "duration_s": round(r.duration_s, 4),
    }


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters; testee output may contain them."""
    return _XML_INVALID.sub("\ufffd", text)


def junit_xml(run: RunRecord) -> ET.ElementTree:
    """One testcase per case, outcomes of the gating profile: failed and xpassed are failures,
    skipped and xfailed are skipped (as pytest reports xfail)."""
    counts = run.counts(run.profile)
    suite = ET.Element(
        "testsuite",
        {
            "name": f"wasmnet-conformance.{run.target}",
            "tests": str(len(run.results)),
            "failures": str(counts[Outcome.FAILED.value] + counts[Outcome.XPASSED.value]),
            "errors": "0",
            "skipped": str(counts[Outcome.SKIPPED.value] + counts[Outcome.XFAILED.value]),
            "time": f"{run.duration_s:.3f}",
            "timestamp": run.started,
        },
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("profile", run.profile.value),
        ("testee", " ".join(run.command)),
        ("testee.name", run.hello.name),
        ("testee.version", run.hello.version),
    ):
        ET.SubElement(props, "property", {"name": name, "value": _xml_text(value)})
    for r in run.results:
        v = r.case.vector
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"{v.file}.{v.group}",
                "name": r.case.id,
                "time": f"{r.duration_s:.4f}",
            },
        )
        outcome = r.outcomes[run.profile]
        detail = _xml_text(r.judgment.detail)
        if outcome is Outcome.FAILED:
            _child(case, "failure", detail, "failed")
        elif outcome is Outcome.XPASSED:
            _child(case, "failure", f"listed as an expected failure but passed: {detail}",
                   "xpassed")
        elif outcome is Outcome.XFAILED:
            reason = run.expectations.entries[r.case.id].reason
            _child(case, "skipped", f"expected failure ({_xml_text(reason)}): {detail}", "xfailed")
        elif outcome is Outcome.SKIPPED:
            _child(case, "skipped", detail, "skipped")
        if r.judgment.class_note:
            ET.SubElement(case, "system-out").text = _xml_text(r.judgment.class_note)
    root = ET.Element("testsuites", {"name": "wasmnet-conformance"})
    root.append(suite)
    ET.indent(root)
    return ET.ElementTree(root)


def _child(case: ET.Element, tag: str, text: str, kind: str) -> None:
    el = ET.SubElement(case, tag, {"message": text.split("\n", 1)[0][:500], "type": kind})
    el.text = text


def write_reports(run: RunRecord, directory: Path) -> tuple[Path, Path]:
    """Write ``summary.json`` and ``junit.xml`` into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    summary_path = directory / "summary.json"
    summary_path.write_text(
        json.dumps(summary_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    junit_path = directory / "junit.xml"
    junit_xml(run).write(junit_path, encoding="utf-8", xml_declaration=True)
    return summary_path, junit_path


def text_summary(run: RunRecord, report_paths: tuple[Path, Path], *, quiet: bool) -> str:
    """What the CLI prints at the end: counts under both profiles, then (unless quiet) the
    unexpected results of the gating profile, the warnings and where the reports are."""
    lines = [f"wasmnet-conformance: target {run.target!r}, gating profile {run.profile.value}"]
    for p in Profile:
        counts = ", ".join(f"{n} {o}" for o, n in run.counts(p).items())
        gate = " (gating)" if p is run.profile else ""
        lines.append(f"  {p.value}{gate}: {counts}")
    if not quiet:
        bad = run.unexpected(run.profile)
        if bad:
            lines.append(f"unexpected results under {run.profile.value} ({len(bad)}):")
            for r in bad[:SUMMARY_FAILURES_SHOWN]:
                first_line = r.judgment.detail.split("\n", 1)[0]
                lines.append(f"  {r.outcomes[run.profile].value.upper()} {r.case.id}: {first_line}")
            if len(bad) > SUMMARY_FAILURES_SHOWN:
                lines.append(f"  ... and {len(bad) - SUMMARY_FAILURES_SHOWN} more in the report")
        lines.extend(f"warning: {w}" for w in run.warnings)
    lines.append(f"reports: {report_paths[0]} {report_paths[1]}")
    lines.append("result: " + ("PASS" if run.passed_gate else "FAIL"))
    return "\n".join(lines)
