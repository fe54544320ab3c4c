"""``python -m wasmnet_conformance`` / ``wasmnet-conformance``: the part registry and the
command line that runs parts, writes their reports and the index, and sets the exit status.

A part is a module (listed in :data:`PARTS`) exposing::

    add_arguments(parser: argparse.ArgumentParser) -> None   # its options, in its own group
    selected(args: argparse.Namespace) -> bool | None         # True: its target flags were given
    run(args: argparse.Namespace, common: Common) -> list[PartRun]

Part modules are imported by name when the CLI starts, one at a time: a part whose optional
dependencies are missing is reported as unavailable and the others still run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO, cast

from wasmnet_conformance import REPO_ROOT
from wasmnet_conformance.errors import SuiteError, UsageError
from wasmnet_conformance.expectations import EXPECTATIONS_DIR
from wasmnet_conformance.report import (
    counts_text,
    run_result,
    text_summary,
    write_index,
    write_run,
)
from wasmnet_conformance.results import Outcome, PartRun, Profile

PARTS = [
    "wasmnet_conformance.codec.cli",
    "wasmnet_conformance.wrpc_server.cli",
    "wasmnet_conformance.wrpc_client.cli",
    "wasmnet_conformance.sockets.cli",
]
"""Part modules, in run order. Adding a part is adding its module name here."""

EXIT_OK, EXIT_UNEXPECTED, EXIT_ERROR = 0, 1, 2
DEFAULT_CASE_TIMEOUT_S = 10.0
CLOSING_PREFIX = "conformance"
"""The last line printed is ``conformance: N passed, N failed, N skipped`` (CI reads it)."""

_REQUIRED = ("add_arguments", "selected", "run")

DESCRIPTION = """\
Run the wasmnet conformance suite and write reports.

parts: the suite is made of parts, each testing one kind of implementation; every part
  registered below adds its own options. With no target option, every part runs against its
  default target (the bundled reference, installed runtimes); naming a target of a part (for
  example --testee for the codec part) runs only the parts whose targets were named. --parts
  restricts either choice to the named parts.
targets: a target is the implementation under test. Its name (letters, digits, '.', '_',
  '-') names the report directory reports/<target>/ and the expectation file
  conformance/expectations/<target>.json, which lists the cases it is known to fail.
profiles: every case is judged under both profiles. strict: ambiguous inputs must take the
  strict reading (for codecs: be rejected; encodings canonical). lenient: any reading the spec
  allows, recorded in the report. --profile picks the one that sets the exit status.
outcomes: passed; failed; xfailed (listed in the expectation file and failed); xpassed
  (listed but passed: the entry is stale, and fails the run); skipped (not selected by -k,
  not offered by the target, or unsupported: never counted as passed).
reports: REPORTS/<target>/summary.json (counts under both profiles, the reading taken for
  every ambiguity, each case's outcome, reason and a repro command) and junit.xml; when two
  parts test one target name, the second writes to REPORTS/<target>.<part>/.
  REPORTS/index.json and index.md list every part and target with a summary there.
exit status: 0 when no case is failed or xpassed under the gating profile in any part, 1
  otherwise, 2 on usage or infrastructure errors (bad options or files, a target that does
  not start)."""


class PartModule(Protocol):
    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def selected(self, args: argparse.Namespace) -> bool | None: ...

    def run(self, args: argparse.Namespace, common: Common) -> list[PartRun]: ...


@dataclass(frozen=True)
class Common:
    """The options every part shares."""

    reports_dir: Path
    profile: Profile
    """The gating profile."""
    filters: list[str]
    """``-k`` substrings: a case runs if its ID contains any of them (all run if empty);
    the others are reported as skipped."""
    case_timeout: float
    quiet: bool
    """No progress line."""
    list_only: bool
    """Print the selected case IDs and return no runs."""
    expectations: Path | None
    """An explicit expectation file, for every target; None: each target's default file."""
    repo_root: Path


@dataclass(frozen=True)
class Part:
    name: str
    module_name: str
    module: PartModule | None
    error: str | None = None
    """Why the module could not be loaded (then ``module`` is None)."""


def part_name(module_name: str) -> str:
    """``wasmnet_conformance.wrpc_server.cli`` -> ``wrpc-server``: the package that holds the
    part, spelt as ``PartRun.part`` and ``--parts`` spell it."""
    words = module_name.split(".")
    if len(words) > 1 and words[-1] == "cli":
        words.pop()
    return words[-1].replace("_", "-")


def load_parts(module_names: Sequence[str]) -> list[Part]:
    parts = []
    for module_name in module_names:
        name = part_name(module_name)
        try:
            module = importlib.import_module(module_name)
        except ImportError as e:
            parts.append(Part(name, module_name, None,
                              f"cannot import {module_name} ({e}); is the part installed "
                              "with its optional dependencies?"))
            continue
        missing = [a for a in _REQUIRED if not callable(getattr(module, a, None))]
        if missing:
            parts.append(Part(name, module_name, None,
                              f"{module_name} does not define {', '.join(missing)}"))
            continue
        parts.append(Part(name, module_name, cast(PartModule, module)))
    return parts


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def build_parser(parts: Sequence[Part]) -> argparse.ArgumentParser:
    listing = "\n".join(
        f"  {p.name}" + ("" if p.module else f" (unavailable: {p.error})") for p in parts
    )
    parser = argparse.ArgumentParser(
        prog="wasmnet-conformance",
        description=DESCRIPTION,
        epilog=f"registered parts:\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--parts",
        metavar="NAME[,NAME...]",
        help="run only these parts (comma-separated: "
        + ", ".join(p.name for p in parts) + ")",
    )
    parser.add_argument(
        "--reports",
        metavar="DIR",
        type=Path,
        default=REPO_ROOT / "reports",
        help="reports go to DIR/<target>/summary.json and junit.xml, the index to "
        "DIR/index.json and index.md (default: %(default)s)",
    )
    parser.add_argument(
        "--profile",
        choices=[p.value for p in Profile],
        default=Profile.LENIENT.value,
        help="the profile whose results decide the exit status (default: %(default)s)",
    )
    parser.add_argument(
        "--expectations",
        metavar="FILE",
        type=Path,
        help="JSON file of expected failures, for every target run (default: "
        f"{EXPECTATIONS_DIR}/<target>.json if it exists)",
    )
    parser.add_argument(
        "--case-timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=DEFAULT_CASE_TIMEOUT_S,
        help="time a target has to finish one case before it is stopped (and restarted if "
        "the part can) (default: %(default)s)",
    )
    parser.add_argument(
        "-k",
        dest="filters",
        metavar="SUBSTRING",
        action="append",
        default=[],
        help="run only cases whose ID contains SUBSTRING (repeatable: any of them); the "
        "others are reported as skipped",
    )
    parser.add_argument("--list", action="store_true", help="print the selected case IDs and exit")
    parser.add_argument(
        "--quiet", action="store_true", help="no progress line and only the counts at the end"
    )
    for part in parts:
        if part.module is not None:
            part.module.add_arguments(parser)
    return parser


def parts_to_run(args: argparse.Namespace, parts: Sequence[Part]) -> list[Part]:
    """The parts whose targets were named (else all), restricted by ``--parts``."""
    wanted = list(parts)
    if args.parts is not None:
        names = [n.strip() for n in args.parts.split(",") if n.strip()]
        known = {p.name for p in parts}
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise UsageError(f"--parts {args.parts!r}: known parts are {', '.join(sorted(known))}")
        wanted = [p for p in parts if p.name in names]
        for p in wanted:
            if p.module is None:
                raise UsageError(f"part {p.name!r} is unavailable: {p.error}")
    named = [p for p in parts if p.module is not None and p.module.selected(args)]
    if not named:
        return wanted
    chosen = [p for p in named if p in wanted]
    if not chosen:
        raise UsageError(
            f"--parts {args.parts!r} leaves out the part(s) whose target was given: "
            + ", ".join(p.name for p in named)
        )
    return chosen


def closing_line(runs: Sequence[PartRun], profile: Profile) -> str:
    """Totals under the gating profile; xpassed counts as failed, xfailed is left out."""
    total = {o: 0 for o in Outcome}
    for run in runs:
        for o in Outcome:
            total[o] += run.counts(profile)[o.value]
    return (
        f"{CLOSING_PREFIX}: {total[Outcome.PASSED]} passed, "
        f"{total[Outcome.FAILED] + total[Outcome.XPASSED]} failed, "
        f"{total[Outcome.SKIPPED]} skipped"
    )


def main(argv: Sequence[str] | None = None, *, part_modules: Sequence[str] | None = None) -> int:
    parts = load_parts(PARTS if part_modules is None else part_modules)
    parser = build_parser(parts)
    args, extra = parser.parse_known_args(argv)
    if extra:
        missing = "; ".join(f"{p.name}: {p.error}" for p in parts if p.module is None)
        parser.error(f"unrecognized arguments: {' '.join(extra)}"
                     + (f" (unavailable parts, whose options are missing: {missing})"
                        if missing else ""))
    try:
        return run_parts(args, parts, sys.stdout, sys.stderr)
    except SuiteError as e:
        print(f"wasmnet-conformance: error: {e}", file=sys.stderr)
        return EXIT_ERROR


def run_parts(
    args: argparse.Namespace, parts: Sequence[Part], out: TextIO, err: TextIO
) -> int:
    chosen = parts_to_run(args, parts)
    common = Common(
        reports_dir=args.reports,
        profile=Profile(args.profile),
        filters=list(args.filters),
        case_timeout=args.case_timeout,
        quiet=args.quiet,
        list_only=args.list,
        expectations=args.expectations,
        repo_root=REPO_ROOT,
    )
    runs: list[PartRun] = []
    for part in chosen:
        if part.module is None:
            print(f"wasmnet-conformance: warning: skipping part {part.name!r}: {part.error}",
                  file=err)
            continue
        runs.extend(part.module.run(args, common))
    if common.list_only:
        return EXIT_OK
    if not runs:
        raise UsageError("no part could run")
    if common.filters and not any(
        f in r.id for run in runs for r in run.records for f in common.filters
    ):
        raise UsageError(f"no case ID contains any of {common.filters}")
    written: set[str] = set()
    for run in runs:
        directory = run.target if run.target not in written else f"{run.target}.{run.part}"
        if directory in written:
            raise SuiteError(f"two runs of part {run.part!r} for target {run.target!r}")
        written.add(directory)
        paths = write_run(run, common.reports_dir, directory_name=directory)
        print(text_summary(run, paths, quiet=common.quiet), file=out)
    index_json, index_md, warnings = write_index(common.reports_dir)
    for w in warnings:
        print(f"warning: {w}", file=out)
    print(f"wasmnet-conformance: {len(runs)} run(s), gating profile {common.profile.value}",
          file=out)
    for run in runs:
        print(f"  {run.part} {run.target}: {counts_text(run.counts(common.profile))} "
              f"[{run_result(run)}]", file=out)
    print(f"index: {index_json} {index_md}", file=out)
    print(closing_line(runs, common.profile), file=out)
    return EXIT_OK if all(run.passed_gate for run in runs) else EXIT_UNEXPECTED
