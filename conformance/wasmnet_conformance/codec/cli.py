"""The codec part: the golden value and frame vectors run against a testee (a program speaking
docs/testee-protocol.md on stdin/stdout), one :class:`PartRun` per run.

Its target flag is ``--testee``; without it the bundled reference testee is the target.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import time
from pathlib import Path

from wasmnet_conformance.cli import Common
from wasmnet_conformance.codec.cases import cases_for, is_codec_case_id
from wasmnet_conformance.codec.cases import selected as case_selected
from wasmnet_conformance.codec.runner import CaseResult, case_record, run_cases
from wasmnet_conformance.codec.session import TesteeSession
from wasmnet_conformance.codec.vectors import load_vectors
from wasmnet_conformance.expectations import expectations_for
from wasmnet_conformance.progress import Progress
from wasmnet_conformance.results import CaseRecord, PartRun
from wasmnet_conformance.targets import (
    check_target_name,
    repro_line,
    split_command,
    target_from_command,
)

PART = "codec"
VECTORS_ENV = "WASMNET_VECTORS"
REFERENCE_TARGET = "reference"
DEFAULT_CASE_TIMEOUT_S = 10.0
MIN_START_TIMEOUT_S = 10.0
"""Starting an interpreter can take longer than a short --case-timeout allows for one case."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "codec part",
        "The wRPC value encoding and framing vectors (vectors/*.json) against a testee\n"
        "(docs/testee-protocol.md). Every value vector is a decode case (<vector-id>#decode),\n"
        "canonical valid ones also an encode case (<vector-id>#encode), every frames vector a\n"
        "decode-frames case (<vector-id>#decode-frames). Default target: the reference testee.\n"
        "--testee names a target and runs this part alone.",
    )
    group.add_argument(
        "--testee",
        metavar="COMMAND",
        help="testee command line, split like a shell would (default: the reference testee, "
        f"{Path(sys.executable).name} -m wasmnet_reference.testee)",
    )
    group.add_argument(
        "--target",
        metavar="NAME",
        help="name of the implementation under test; names the report directory and the "
        f"default expectation file (default: {REFERENCE_TARGET!r} for the reference testee, "
        "otherwise derived from the command)",
    )
    group.add_argument(
        "--vectors",
        metavar="DIR",
        type=Path,
        help=f"directory of vector files (default: ${VECTORS_ENV}, else <repo>/vectors)",
    )


def selected(args: argparse.Namespace) -> bool | None:
    """True when a testee was named; None otherwise (run against the reference by default)."""
    return True if args.testee is not None else None


def testee_command(testee: str | None) -> list[str]:
    if testee is None:
        return [sys.executable, "-m", "wasmnet_reference.testee"]
    return split_command(testee, "--testee")


def target_name(explicit: str | None, testee: str | None, command: list[str]) -> str:
    """``--target`` if given, else ``reference`` for the default testee, else a slug of the
    command."""
    if explicit is not None:
        return check_target_name(explicit)
    if testee is None:
        return REFERENCE_TARGET
    return target_from_command(command, fallback="testee")


def vectors_dir(explicit: Path | None, repo_root: Path) -> Path:
    if explicit is not None:
        return explicit
    env = os.environ.get(VECTORS_ENV)
    return Path(env) if env else repo_root / "vectors"


def repro_options(
    args: argparse.Namespace, command: list[str], target: str, common: Common
) -> list[str]:
    """The options that make a repro line run the same testee, target (so the same
    expectation file applies) and vectors."""
    options = ["--testee", shlex.join(command)]
    if args.target is not None or args.testee is None:
        options += ["--target", target]
    if args.vectors is not None or os.environ.get(VECTORS_ENV):
        options += ["--vectors", str(vectors_dir(args.vectors, common.repo_root))]
    if common.case_timeout != DEFAULT_CASE_TIMEOUT_S:
        options += ["--case-timeout", f"{common.case_timeout:g}"]
    return options


def run(args: argparse.Namespace, common: Common) -> list[PartRun]:
    command = testee_command(args.testee)
    target = target_name(args.target, args.testee, command)
    vector_dir = vectors_dir(args.vectors, common.repo_root)
    vector_set = load_vectors(vector_dir)
    cases = cases_for(vector_set.vectors)
    if common.list_only:
        print("\n".join(c.id for c in cases if case_selected(c, common.filters)))
        return []
    expectations = expectations_for(target, common.expectations)
    warnings = list(expectations.warnings) + [
        f"expectation for unknown case ID {i!r} (typo or removed vector?)"
        for i in expectations.unknown_ids(c.id for c in cases)
        if is_codec_case_id(i)
    ]
    options = repro_options(args, command, target, common)
    progress = Progress(len(cases), sys.stderr, profile=common.profile,
                        tty=sys.stderr.isatty(), label=f"{PART} {target}")
    records: list[CaseRecord] = []

    def on_result(result: CaseResult) -> None:
        record = case_record(result, expectations, repro_line(options, result.case.id))
        records.append(record)
        if not common.quiet:
            progress.update(record)

    session = TesteeSession(
        command, start_timeout=max(common.case_timeout, MIN_START_TIMEOUT_S)
    )
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    try:
        hello, _ = run_cases(
            cases,
            session,
            filters=common.filters,
            expectations=expectations,
            case_timeout=common.case_timeout,
            on_result=on_result,
        )
    finally:
        session.close()
        progress.finish()
    return [
        PartRun(
            part=PART,
            target=target,
            started=started.isoformat(timespec="seconds"),
            duration_s=time.monotonic() - clock,
            profile=common.profile,
            records=records,
            notes=vector_set.notes,
            warnings=warnings,
            expectations_source=expectations.source,
            meta={
                "testee": {
                    "command": command,
                    "hello": None if hello is None else hello.raw,
                    "starts": session.starts,
                },
                "vectors": str(vector_dir),
                "filters": list(common.filters),
            },
        )
    ]
