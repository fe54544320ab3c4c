"""Run reports for any part: ``summary.json`` (everything, machine-readable), ``junit.xml`` (for
CI dashboards), the text summary printed after a run, and ``index.json``/``index.md``: the
matrix of every part and target that has a summary in the reports directory.

Only :mod:`wasmnet_conformance.results` types are read here; part-specific data arrives in
``CaseRecord.extra`` (merged into each case's JSON) and ``PartRun.meta``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from wasmnet_conformance.results import CaseRecord, Outcome, PartRun, Profile

SUMMARY_FAILURES_SHOWN = 20
SUMMARY_NAME, JUNIT_NAME = "summary.json", "junit.xml"
INDEX_JSON, INDEX_MD = "index.json", "index.md"
INDEX_FORMAT = "wasmnet-report-index/1"
_PROPERTY_DEPTH = 3
"""How deep ``meta`` is flattened into JUnit properties (deeper values are left out)."""


def not_run_reason(run: PartRun) -> str | None:
    """Why the target was not run at all (a part reports an unavailable target as a run with
    no cases and ``meta["available"]`` false), else None. Such a run is never a PASS."""
    if run.records or run.meta.get("available") is not False:
        return None
    reason = run.meta.get("reason")
    return str(reason) if reason else "not available"


def run_result(run: PartRun) -> str:
    """``PASS``, ``FAIL`` or ``not run (reason)``: the verdict shown for a run."""
    reason = not_run_reason(run)
    if reason is not None:
        return f"not run ({reason})"
    return "PASS" if run.passed_gate else "FAIL"


def summary_json(run: PartRun) -> dict[str, Any]:
    reason = not_run_reason(run)
    return {
        "target": run.target,
        "part": run.part,
        "started": run.started,
        "duration_s": round(run.duration_s, 3),
        "profile": run.profile.value,
        "passed": run.passed_gate,
        "result": "not run" if reason is not None else run_result(run),
        "not_run_reason": reason,
        "counts": run.counts(run.profile),
        "profiles": {p.value: run.counts(p) for p in Profile},
        "warnings": run.warnings,
        "expectations": run.expectations_source,
        "ambiguities": _ambiguities(run),
        "meta": run.meta,
        "cases": [_case_json(r, run.profile) for r in run.records],
    }


def _ambiguities(run: PartRun) -> dict[str, Any]:
    """Per ambiguity flag: which reading the target took for each flagged case it answered."""
    out: dict[str, Any] = {}
    for r in run.records:
        if r.reading is None:
            continue
        for flag in r.flags:
            entry = out.setdefault(flag, {"note": run.notes.get(flag), "readings": {}, "cases": {}})
            entry["cases"][r.id] = r.reading
            entry["readings"][r.reading] = entry["readings"].get(r.reading, 0) + 1
    return dict(sorted(out.items()))


def _case_json(r: CaseRecord, profile: Profile) -> dict[str, Any]:
    return {
        "id": r.id,
        "classname": r.classname,
        "outcome": r.outcomes[profile].value,
        "profile_outcomes": {p.value: o.value for p, o in r.outcomes.items()},
        "rule": r.rule,
        "flags": list(r.flags),
        "detail": r.detail,
        "reading": r.reading,
        "repro": r.repro,
        "expected_failure": None,
        "duration_s": round(r.duration_s, 4),
        **r.extra,
    }


_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters; target output may contain them."""
    return _XML_INVALID.sub("\ufffd", text)


def _properties(meta: Any, prefix: str, depth: int) -> list[tuple[str, str]]:
    """``meta`` flattened to (dotted name, text) pairs: scalars, and lists of scalars joined."""
    if isinstance(meta, dict):
        if depth == 0:
            return []
        return [p for k, v in meta.items()
                for p in _properties(v, f"{prefix}.{k}" if prefix else str(k), depth - 1)]
    if isinstance(meta, list):
        if all(isinstance(x, (str, int, float, bool)) for x in meta):
            return [(prefix, " ".join(str(x) for x in meta))]
        return []
    return [] if meta is None else [(prefix, str(meta))]


def junit_xml(run: PartRun) -> ET.ElementTree:
    """One testcase per case, outcomes of the gating profile: failed and xpassed are failures,
    skipped and xfailed are skipped (as pytest reports xfail)."""
    counts = run.counts(run.profile)
    suite = ET.Element(
        "testsuite",
        {
            "name": f"wasmnet-conformance.{run.part}.{run.target}",
            "tests": str(len(run.records)),
            "failures": str(counts[Outcome.FAILED.value] + counts[Outcome.XPASSED.value]),
            "errors": "0",
            "skipped": str(counts[Outcome.SKIPPED.value] + counts[Outcome.XFAILED.value]),
            "time": f"{run.duration_s:.3f}",
            "timestamp": run.started,
        },
    )
    props = ET.SubElement(suite, "properties")
    for name, value in [("part", run.part), ("target", run.target),
                        ("profile", run.profile.value),
                        *_properties(run.meta, "", _PROPERTY_DEPTH)]:
        ET.SubElement(props, "property", {"name": name, "value": _xml_text(value)})
    for r in run.records:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": r.classname, "name": r.id, "time": f"{r.duration_s:.4f}"},
        )
        outcome = r.outcomes[run.profile]
        detail = _xml_text(r.detail)
        if outcome is Outcome.FAILED:
            _child(case, "failure", detail, "failed")
        elif outcome is Outcome.XPASSED:
            _child(case, "failure", f"listed as an expected failure but passed: {detail}",
                   "xpassed")
        elif outcome is Outcome.XFAILED:
            entry = r.extra.get("expected_failure")
            reason = entry.get("reason") if isinstance(entry, dict) else None
            _child(case, "skipped", f"expected failure ({_xml_text(str(reason))}): {detail}",
                   "xfailed")
        elif outcome is Outcome.SKIPPED:
            _child(case, "skipped", detail, "skipped")
        out = [detail] if outcome is Outcome.PASSED and "\n" in detail else []
        if r.repro:
            out.append(f"repro: {_xml_text(r.repro)}")
        if out:
            ET.SubElement(case, "system-out").text = "\n".join(out)
    root = ET.Element("testsuites", {"name": "wasmnet-conformance"})
    root.append(suite)
    ET.indent(root)
    return ET.ElementTree(root)


def _child(case: ET.Element, tag: str, text: str, kind: str) -> None:
    el = ET.SubElement(case, tag, {"message": text.split("\n", 1)[0][:500], "type": kind})
    el.text = text


def write_run(
    run: PartRun, reports_dir: Path, *, directory_name: str | None = None
) -> tuple[Path, Path]:
    """Write ``reports_dir/<target>/summary.json`` and ``junit.xml`` (directories created);
    ``directory_name`` replaces ``<target>`` (used when two parts test one target name)."""
    directory = reports_dir / (directory_name or run.target)
    directory.mkdir(parents=True, exist_ok=True)
    summary_path = directory / SUMMARY_NAME
    summary_path.write_text(
        json.dumps(summary_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    junit_path = directory / JUNIT_NAME
    junit_xml(run).write(junit_path, encoding="utf-8", xml_declaration=True)
    return summary_path, junit_path


def counts_text(counts: dict[str, int]) -> str:
    """``N passed, N failed, N xfailed, N xpassed, N skipped``."""
    return ", ".join(f"{n} {o}" for o, n in counts.items())


def text_summary(run: PartRun, report_paths: tuple[Path, Path], *, quiet: bool) -> str:
    """What the CLI prints after a part ran: counts under both profiles, then (unless quiet)
    the unexpected results of the gating profile, the warnings and where the reports are."""
    lines = [f"wasmnet-conformance: part {run.part}, target {run.target!r}, "
             f"gating profile {run.profile.value}"]
    for p in Profile:
        gate = " (gating)" if p is run.profile else ""
        lines.append(f"  {p.value}{gate}: {counts_text(run.counts(p))}")
    if not quiet:
        bad = run.unexpected(run.profile)
        if bad:
            lines.append(f"unexpected results under {run.profile.value} ({len(bad)}):")
            for r in bad[:SUMMARY_FAILURES_SHOWN]:
                first_line = r.detail.split("\n", 1)[0]
                lines.append(f"  {r.outcomes[run.profile].value.upper()} {r.id}: {first_line}")
                if r.repro:
                    lines.append(f"    repro: {r.repro}")
            if len(bad) > SUMMARY_FAILURES_SHOWN:
                lines.append(f"  ... and {len(bad) - SUMMARY_FAILURES_SHOWN} more in the report")
        lines.extend(f"warning: {w}" for w in run.warnings)
    lines.append(f"reports: {report_paths[0]} {report_paths[1]}")
    lines.append("result: " + run_result(run))
    return "\n".join(lines)


# --- the index: every part and target with a summary in the reports directory --------------


def index_rows(reports_dir: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """One row per ``reports_dir/*/summary.json`` (sorted by part, target), and a warning per
    summary that cannot be read (left out of the rows)."""
    rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    for path in sorted(reports_dir.glob(f"*/{SUMMARY_NAME}")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            row = {
                "part": str(doc.get("part", "codec")),
                "target": str(doc["target"]),
                "profile": str(doc["profile"]),
                "passed": bool(doc["passed"]),
                # summaries from before "result" existed: PASS/FAIL from "passed"
                "result": str(doc.get("result") or ("PASS" if doc["passed"] else "FAIL")),
                "not_run_reason": (str(doc["not_run_reason"])
                                   if doc.get("not_run_reason") is not None else None),
                "counts": {o.value: int(doc["counts"][o.value]) for o in Outcome},
                "profiles": {p.value: {o.value: int(doc["profiles"][p.value][o.value])
                                       for o in Outcome} for p in Profile},
                "started": str(doc["started"]),
                "duration_s": float(doc["duration_s"]),
                "summary": path.relative_to(reports_dir).as_posix(),
                "junit": (path.parent / JUNIT_NAME).relative_to(reports_dir).as_posix(),
            }
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as e:
            warnings.append(f"{path}: not a readable summary ({type(e).__name__}: {e})")
            continue
        rows.append(row)
    rows.sort(key=lambda r: (r["part"], r["target"]))
    return rows, warnings


def index_markdown(rows: list[dict[str, Any]]) -> str:
    outcomes = [o.value for o in Outcome]
    lines = [
        "# wasmnet-conformance results",
        "",
        "One row per part and target; counts under each row's gating profile. `xpassed` fails "
        "a run like `failed` does; `skipped` is never a pass; a target that could not be run "
        "at all shows as `not run` with the reason.",
        "",
        "| part | target | result | profile | " + " | ".join(outcomes) + " | started | summary |",
        "|---|---|---|---|" + "---:|" * len(outcomes) + "---|---|",
    ]
    for r in rows:
        counts = " | ".join(str(r["counts"][o]) for o in outcomes)
        result = r.get("result") or ("PASS" if r["passed"] else "FAIL")
        if result == "not run":
            result = f"not run ({_md(str(r.get('not_run_reason') or 'not available'))})"
        lines.append(f"| {_md(r['part'])} | {_md(r['target'])} | {result} | {r['profile']} | "
                     f"{counts} | {r['started']} | [{r['summary']}]({r['summary']}) |")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def write_index(reports_dir: Path) -> tuple[Path, Path, list[str]]:
    """Write ``reports_dir/index.json`` and ``index.md`` from the summaries present; returns
    both paths and the warnings about summaries left out."""
    rows, warnings = index_rows(reports_dir)
    reports_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = reports_dir / INDEX_JSON, reports_dir / INDEX_MD
    json_path.write_text(
        json.dumps({"format": INDEX_FORMAT, "rows": rows}, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    md_path.write_text(index_markdown(rows), encoding="utf-8")
    return json_path, md_path, warnings
