"""The ``wrpc-client`` part: a wRPC client under test, started once per case with one call to
make (docs/wrpc-client-contract.md), against the suite acting as the server.

Its target flag is ``--wrpc-client-cmd``; without it the reference client
(``python -m wasmnet_reference.wrpc invoke``) is the target. One :class:`PartRun` per transport,
target ``<name>-tcp`` / ``<name>-unix``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path

from wasmnet_conformance.cli import DEFAULT_CASE_TIMEOUT_S, Common
from wasmnet_conformance.codec.vectors import load_vectors
from wasmnet_conformance.errors import UsageError
from wasmnet_conformance.expectations import expectations_for
from wasmnet_conformance.progress import Progress
from wasmnet_conformance.results import CaseRecord, PartRun
from wasmnet_conformance.targets import (
    check_target_name,
    repro_line,
    split_command,
    target_from_command,
)
from wasmnet_conformance.wrpc_client.calls import World
from wasmnet_conformance.wrpc_client.cases import PREFIX, ClientCase, VectorSelection, all_cases
from wasmnet_conformance.wrpc_client.contract import WIT_ENV
from wasmnet_conformance.wrpc_client.harness import Transport, unix_available
from wasmnet_conformance.wrpc_client.runner import Settings, run_all
from wasmnet_conformance.wrpc_client.runner import selected as case_selected

PART = "wrpc-client"
REFERENCE_NAME = "reference-client"
VECTORS_ENV = "WASMNET_VECTORS"
DEFAULT_JOBS = 4
MAX_CLIENT_TIMEOUT_S = 4.0
"""The default WASMNET_CLIENT_TIMEOUT: short, so that silence cases stay short, but long enough
for a correct client on a loaded machine; and at most half the case timeout, so a client that
honours it always exits in time."""
BOTH = "both"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "wrpc-client part",
        "A wRPC client under test; the suite is the server. The client is started once per\n"
        "case as COMMAND ADDR INSTANCE FUNCTION [WAVE-ARG ...] (docs/wrpc-client-contract.md);\n"
        "the suite checks the request it sends, answers (valid, split, malformed, early close,\n"
        "silence) and judges its exit status and printed result. Case IDs: wrpc-client.*.\n"
        "Default target: the reference client over TCP and a Unix socket.\n"
        "--wrpc-client-cmd names a target and runs this part alone.",
    )
    group.add_argument(
        "--wrpc-client-cmd", metavar="COMMAND",
        help="client command line, split like a shell would; ADDR INSTANCE FUNCTION and the "
        "WAVE arguments are appended (default: the reference client)",
    )
    group.add_argument(
        "--wrpc-client-target", metavar="NAME",
        help=f"target name; runs are named NAME-tcp and NAME-unix (default: {REFERENCE_NAME!r} "
        "for the reference client, otherwise derived from the command)",
    )
    group.add_argument(
        "--wrpc-client-transport", choices=[t.value for t in Transport] + [BOTH], default=BOTH,
        help="transport(s) to run over (default: %(default)s; unix where the OS has AF_UNIX)",
    )
    group.add_argument(
        "--wrpc-client-jobs", metavar="N", type=_positive_int, default=DEFAULT_JOBS,
        help="cases (client processes) run at once (default: %(default)s)",
    )
    group.add_argument(
        "--wrpc-client-vectors", choices=[s.value for s in VectorSelection],
        default=VectorSelection.DISTINCT.value,
        help="value vectors used as results: 'distinct' (each rule on each type once) or "
        "'all' (default: %(default)s)",
    )
    group.add_argument(
        "--wrpc-client-timeout", metavar="SECONDS", type=float,
        help="WASMNET_CLIENT_TIMEOUT given to the client (default: the smaller of "
        f"{MAX_CLIENT_TIMEOUT_S:g} and half of --case-timeout)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def selected(args: argparse.Namespace) -> bool | None:
    """True when a client command was named; None otherwise (the reference by default)."""
    return True if args.wrpc_client_cmd is not None else None


def wit_dir(repo_root: Path) -> Path:
    env = os.environ.get(WIT_ENV)
    return Path(env) if env else repo_root / "conformance" / "wit"


def vectors_dir(repo_root: Path) -> Path:
    env = os.environ.get(VECTORS_ENV)
    return Path(env) if env else repo_root / "vectors"


def client_timeout(args: argparse.Namespace, case_timeout: float) -> float:
    if args.wrpc_client_timeout is not None:
        if not 0 < args.wrpc_client_timeout < case_timeout:
            raise UsageError("--wrpc-client-timeout must be positive and below --case-timeout")
        return float(args.wrpc_client_timeout)
    return min(MAX_CLIENT_TIMEOUT_S, case_timeout / 2)


def reference_command(wit: Path) -> list[str]:
    """The reference client (it reads WASMNET_CLIENT_TIMEOUT like any client should)."""
    return [sys.executable, "-m", "wasmnet_reference.wrpc", "invoke", "--wit", str(wit)]


BYTECODE_ENV = ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")


def bytecode_cache_env(base: dict[str, str], cache_dir: Path) -> dict[str, str]:
    """``base`` with Python's bytecode cached in ``cache_dir`` (PYTHONPYCACHEPREFIX) instead
    of not at all: the reference client is started hundreds of times, and compiling its
    modules on every start (PYTHONDONTWRITEBYTECODE, set by tox) costs more than the call.
    Nothing is written into the source tree."""
    env = {k: v for k, v in base.items() if k not in BYTECODE_ENV}
    env["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return env


def transports(choice: str) -> tuple[list[Transport], list[str]]:
    """The transports to run and warnings about those left out."""
    if choice == BOTH:
        if unix_available():
            return [Transport.TCP, Transport.UNIX], []
        return [Transport.TCP], ["unix transport not run: AF_UNIX sockets are not available "
                                 f"to asyncio on this OS ({sys.platform})"]
    wanted = Transport(choice)
    if wanted is Transport.UNIX and not unix_available():
        raise UsageError(f"--wrpc-client-transport unix: not available on this OS ({sys.platform})")
    return [wanted], []


def run(args: argparse.Namespace, common: Common) -> list[PartRun]:
    wit = wit_dir(common.repo_root)
    timeout_s = client_timeout(args, common.case_timeout)
    if args.wrpc_client_cmd is None:
        command = reference_command(wit)
        base = check_target_name(args.wrpc_client_target or REFERENCE_NAME,
                                 "--wrpc-client-target")
    else:
        command = split_command(args.wrpc_client_cmd, "--wrpc-client-cmd")
        base = (check_target_name(args.wrpc_client_target, "--wrpc-client-target")
                if args.wrpc_client_target else target_from_command(command, fallback="client"))
    selection = VectorSelection(args.wrpc_client_vectors)
    vector_set = load_vectors(vectors_dir(common.repo_root))
    world = World.load(wit)
    cases = all_cases(world, vector_set.vectors, selection)
    if common.list_only:
        print("\n".join(c.id for c in cases if case_selected(c, common.filters)))
        return []
    chosen, warnings = transports(args.wrpc_client_transport)
    with tempfile.TemporaryDirectory(prefix="wasmnet-pyc-") as cache:
        base_env = dict(os.environ)
        if args.wrpc_client_cmd is None:
            base_env = bytecode_cache_env(base_env, Path(cache))
        return [
            _run_transport(cases, _settings(command, transport, wit, common, timeout_s, args,
                                            base_env),
                           f"{base}-{transport.value}",
                           _repro_options(command, base, transport, common, args, selection,
                                          timeout_s),
                           common, warnings, selection, vector_set.notes)
            for transport in chosen
        ]


def _settings(command: list[str], transport: Transport, wit: Path, common: Common,
              timeout_s: float, args: argparse.Namespace, base_env: dict[str, str]) -> Settings:
    return Settings(
        command=command,
        transport=transport,
        wit_dir=wit,
        case_timeout=common.case_timeout,
        client_timeout=timeout_s,
        jobs=args.wrpc_client_jobs,
        base_env=base_env,
    )


def _repro_options(command: list[str], base: str, transport: Transport, common: Common,
                   args: argparse.Namespace, selection: VectorSelection,
                   timeout_s: float) -> list[str]:
    """The options that make a repro line run the same client, target name (so the same
    expectation file applies), transport and settings."""
    options = ["--wrpc-client-cmd", shlex.join(command), "--wrpc-client-target", base,
               "--wrpc-client-transport", transport.value]
    if common.case_timeout != DEFAULT_CASE_TIMEOUT_S:
        options += ["--case-timeout", f"{common.case_timeout:g}"]
    if args.wrpc_client_timeout is not None:
        options += ["--wrpc-client-timeout", f"{timeout_s:g}"]
    if selection is not VectorSelection.DISTINCT:
        options += ["--wrpc-client-vectors", selection.value]
    return options


def _run_transport(
    cases: list[ClientCase],
    settings: Settings,
    target: str,
    options: list[str],
    common: Common,
    warnings: list[str],
    selection: VectorSelection,
    notes: dict[str, str],
) -> PartRun:
    client_cases = cases
    expectations = expectations_for(target, common.expectations)
    run_warnings = list(warnings) + list(expectations.warnings) + [
        f"expectation for unknown case ID {i!r} (typo or removed case?)"
        for i in expectations.unknown_ids(c.id for c in client_cases)
        if i.startswith(f"{PREFIX}.")
    ]
    progress = Progress(len(client_cases), sys.stderr, profile=common.profile,
                        tty=sys.stderr.isatty(), label=f"{PART} {target}")

    def on_record(record: CaseRecord) -> None:
        if not common.quiet:
            progress.update(record)

    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    try:
        records = run_all(client_cases, settings, filters=common.filters,
                          expectations=expectations,
                          repro=lambda case_id: repro_line(options, case_id),
                          on_record=on_record)
    finally:
        progress.finish()
    return PartRun(
        part=PART,
        target=target,
        started=started.isoformat(timespec="seconds"),
        duration_s=time.monotonic() - clock,
        profile=common.profile,
        records=records,
        notes=notes,
        warnings=run_warnings,
        expectations_source=expectations.source,
        meta={
            "client": {
                "command": settings.command,
                "transport": settings.transport.value,
                "client_timeout_s": settings.client_timeout,
                "jobs": settings.jobs,
                "wit": str(settings.wit_dir),
            },
            "vector_selection": selection.value,
            "filters": list(common.filters),
        },
    )
