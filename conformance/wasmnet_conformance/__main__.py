"""``python -m wasmnet_conformance`` / ``wasmnet-conformance``: run the codec vectors against a
testee (docs/testee-protocol.md) and write reports."""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import sys
import time
from pathlib import Path

from wasmnet_conformance.cases import cases_for, selected
from wasmnet_conformance.expectations import (
    NO_EXPECTATIONS,
    ExpectationFileError,
    Expectations,
    load_expectations,
)
from wasmnet_conformance.judge import Profile
from wasmnet_conformance.progress import Progress
from wasmnet_conformance.report import RunRecord, text_summary, write_reports
from wasmnet_conformance.runner import run_cases
from wasmnet_conformance.session import TesteeSession, TesteeStartError
from wasmnet_conformance.vectors import VectorFileError, load_vectors

REPO_ROOT = Path(__file__).resolve().parents[2]
"""The package is installed editable from the repository: conformance/wasmnet_conformance/."""
VECTORS_ENV = "WASMNET_VECTORS"
REFERENCE_TARGET = "reference"
EXPECTATIONS_DIR = REPO_ROOT / "conformance" / "expectations"
MIN_START_TIMEOUT_S = 10.0
"""Starting an interpreter can take longer than a short --case-timeout allows for one case."""

EXIT_OK, EXIT_UNEXPECTED, EXIT_ERROR = 0, 1, 2

_TARGET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class UsageError(Exception):
    """Bad options or an unusable environment: exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasmnet-conformance",
        description=(
            "Run the wRPC codec conformance vectors against a testee: a program that speaks "
            "the testee protocol (length-prefixed JSON on stdin/stdout, see "
            "docs/testee-protocol.md). Every value vector is a decode case "
            "(<vector-id>#decode), canonical valid ones also an encode case "
            "(<vector-id>#encode), and every frames vector a decode-frames case "
            "(<vector-id>#decode-frames)."
        ),
        epilog=(
            "outcomes: passed; failed; xfailed (listed in the expectation file and failed); "
            "xpassed (listed but passed: the entry is stale); skipped (not selected, or the "
            "testee answered unsupported; never counted as passed). Both profiles are always "
            "judged and reported: strict requires ambiguous inputs to be rejected and "
            "encodings to be canonical, lenient accepts either reading of an ambiguity and "
            "any encoding the reference decodes to the same value. "
            "exit status: 0 no failed or xpassed case under the gating profile, 1 otherwise, "
            "2 usage or infrastructure error (bad vectors, testee does not start)."
        ),
    )
    parser.add_argument(
        "--testee",
        metavar="COMMAND",
        help="testee command line, split like a shell would (default: the reference testee, "
        f"{Path(sys.executable).name} -m wasmnet_reference.testee)",
    )
    parser.add_argument(
        "--target",
        metavar="NAME",
        help="name of the implementation under test; names the report directory and the "
        f"default expectation file (default: {REFERENCE_TARGET!r} for the reference testee, "
        "otherwise derived from the command)",
    )
    parser.add_argument(
        "--vectors",
        metavar="DIR",
        type=Path,
        help=f"directory of vector files (default: ${VECTORS_ENV}, else {REPO_ROOT / 'vectors'})",
    )
    parser.add_argument(
        "--reports",
        metavar="DIR",
        type=Path,
        default=REPO_ROOT / "reports",
        help="reports go to DIR/<target>/summary.json and junit.xml (default: %(default)s)",
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
        help="JSON file of expected failures (default: "
        f"{EXPECTATIONS_DIR}/<target>.json if it exists)",
    )
    parser.add_argument(
        "--case-timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=10.0,
        help="time a testee has to answer one case before it is killed and restarted "
        "(default: %(default)s)",
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
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def testee_command(testee: str | None) -> list[str]:
    if testee is None:
        return [sys.executable, "-m", "wasmnet_reference.testee"]
    if os.name == "nt":
        # Windows: split without POSIX escapes (backslashes are path separators), then drop
        # the quotes that grouped a word; Popen quotes the words again for CreateProcess.
        command = [_unquote(w) for w in shlex.split(testee, posix=False)]
    else:
        command = shlex.split(testee)
    if not command:
        raise UsageError("--testee is empty")
    return command


def _unquote(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word


def target_name(explicit: str | None, testee: str | None, command: list[str]) -> str:
    """``--target`` if given (it names a directory, so it must be a plain name), else
    ``reference`` for the default testee, else a slug of the command's words' base names."""
    if explicit is not None:
        if not _TARGET_NAME.fullmatch(explicit):
            raise UsageError(f"--target {explicit!r}: use letters, digits, '.', '_' and '-'")
        return explicit
    if testee is None:
        return REFERENCE_TARGET
    words = [re.sub(r"\.(py|exe)$", "", Path(w).name) for w in command]
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(words).lower()).strip("-")[:64].strip("-")
    return slug or "testee"


def vectors_dir(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    env = os.environ.get(VECTORS_ENV)
    return Path(env) if env else REPO_ROOT / "vectors"


def expectations_for(explicit: Path | None, target: str) -> Expectations:
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"--expectations {explicit}: no such file")
        return load_expectations(explicit, target)
    default = EXPECTATIONS_DIR / f"{target}.json"
    return load_expectations(default, target) if default.is_file() else NO_EXPECTATIONS


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _main(args)
    except (UsageError, VectorFileError, ExpectationFileError, TesteeStartError) as e:
        print(f"wasmnet-conformance: error: {e}", file=sys.stderr)
        return EXIT_ERROR


def _main(args: argparse.Namespace) -> int:
    command = testee_command(args.testee)
    target = target_name(args.target, args.testee, command)
    vector_dir = vectors_dir(args.vectors)
    vector_set = load_vectors(vector_dir)
    cases = cases_for(vector_set.vectors)
    chosen = [c for c in cases if selected(c, args.filters)]
    if args.list:
        print("\n".join(c.id for c in chosen))
        return EXIT_OK
    if not chosen:
        raise UsageError(f"no case ID contains any of {args.filters}")
    expectations = expectations_for(args.expectations, target)
    warnings = list(expectations.warnings) + [
        f"expectation for unknown case ID {i!r} (typo or removed vector?)"
        for i in expectations.unknown_ids(c.id for c in cases)
    ]
    profile = Profile(args.profile)
    progress = Progress(len(cases), sys.stderr, profile=profile, tty=sys.stderr.isatty())
    session = TesteeSession(command, start_timeout=max(args.case_timeout, MIN_START_TIMEOUT_S))
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    try:
        hello, results = run_cases(
            cases,
            session,
            filters=args.filters,
            expectations=expectations,
            case_timeout=args.case_timeout,
            on_result=(lambda _: None) if args.quiet else progress.update,
        )
    finally:
        session.close()
        progress.finish()
    run = RunRecord(
        target=target,
        command=command,
        hello=hello,
        started=started.isoformat(timespec="seconds"),
        duration_s=time.monotonic() - clock,
        profile=profile,
        results=results,
        notes=vector_set.notes,
        expectations=expectations,
        warnings=warnings,
        vectors_dir=str(vector_dir),
        filters=args.filters,
        testee_starts=session.starts,
    )
    paths = write_reports(run, args.reports / target)
    print(text_summary(run, paths, quiet=args.quiet))
    return EXIT_OK if run.passed_gate else EXIT_UNEXPECTED


if __name__ == "__main__":
    sys.exit(main())
