"""The wRPC server role: the suite is the client and sends exact bytes to a server under test
that serves the conformance world (docs/conformance-world.md).

Targets: ``--wrpc-server ADDR`` (repeatable: one target per address), ``--wrpc-server-cmd
COMMAND`` (the suite starts the server, reads its ``listening ADDR`` lines or waits for the
``--wrpc-server`` addresses, restarts it when it dies, stops it at the end). Without either,
the bundled reference server is started and tested over TCP (``reference-server-tcp``) and a
Unix socket (``reference-server-unix``, where the OS has AF_UNIX).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wasmnet_conformance.cli import DEFAULT_CASE_TIMEOUT_S, Common
from wasmnet_conformance.codec.cli import vectors_dir
from wasmnet_conformance.codec.vectors import load_vectors
from wasmnet_conformance.errors import UsageError
from wasmnet_conformance.expectations import Expectations, expectations_for
from wasmnet_conformance.progress import Progress
from wasmnet_conformance.results import CaseRecord, PartRun, Verdict
from wasmnet_conformance.targets import (
    check_target_name,
    repro_line,
    split_command,
    target_from_command,
)
from wasmnet_conformance.wrpc_server.address import (
    Address,
    TcpAddress,
    has_af_unix,
    parse_address,
)
from wasmnet_conformance.wrpc_server.cases import ROLE_NOTES, catalogue
from wasmnet_conformance.wrpc_server.cases.bad import PROBE_VALUE
from wasmnet_conformance.wrpc_server.cases.common import sent_whole
from wasmnet_conformance.wrpc_server.judge import Judgment, both
from wasmnet_conformance.wrpc_server.model import AnyCase, Expect, Kind, ServerCase
from wasmnet_conformance.wrpc_server.process import ServerProcess
from wasmnet_conformance.wrpc_server.request import call, params_bytes
from wasmnet_conformance.wrpc_server.runner import CaseRun, Endpoint, RoleRunner
from wasmnet_conformance.wrpc_server.scripts import Scripts
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.wrpc_world.world import wit_dir

PART = "wrpc-server"
REFERENCE_TCP = "reference-server-tcp"
REFERENCE_UNIX = "reference-server-unix"
REFERENCE_CASE_TIMEOUT_S = 5.0
"""The reference answers in milliseconds; a shorter timeout keeps hang checks quick."""
MIN_START_TIMEOUT_S = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "wRPC server role",
        "The suite acts as the wRPC client and sends exact bytes to a server of the "
        "conformance world (docs/conformance-world.md): every valid vector through the echo "
        "functions, the same calls split, coalesced and with overlong lengths, futures and "
        "streams, and bad input, each bad-input case followed by a liveness call. Case IDs "
        "start with 'wrpc-server.'; a -k value equal to a case ID selects just that case. "
        "--wrpc-server or --wrpc-server-cmd selects this part.",
    )
    group.add_argument(
        "--wrpc-server",
        metavar="ADDR",
        action="append",
        default=[],
        help="address of a running server: tcp://HOST:PORT or unix:PATH, loopback only "
        "(repeatable: each address is a target)",
    )
    group.add_argument(
        "--wrpc-server-cmd",
        metavar="COMMAND",
        help="command that starts the server; the suite reads its 'listening ADDR' stdout "
        "lines (or waits for the --wrpc-server addresses), restarts it if it dies, and stops "
        "it at the end (closing its stdin, then terminating it)",
    )
    group.add_argument(
        "--wrpc-server-target",
        metavar="NAME",
        action="append",
        default=[],
        help="target name for each server address, in order (default: derived from the "
        f"address or command; {REFERENCE_TCP!r} / {REFERENCE_UNIX!r} for the bundled "
        "reference)",
    )


def selected(args: argparse.Namespace) -> bool | None:
    return True if (args.wrpc_server or args.wrpc_server_cmd) else None


@dataclass
class TargetPlan:
    name: str
    endpoint: Endpoint
    repro_options: list[str]
    transport: str


def _transport(address: Address) -> str:
    return "tcp" if isinstance(address, TcpAddress) else "unix"


def _derived_name(address: Address) -> str:
    if isinstance(address, TcpAddress):
        return target_from_command([f"wrpc-server-tcp-{address.host}-{address.port}"])
    return target_from_command([f"wrpc-server-unix-{Path(address.path).name}"])


def _names(args: argparse.Namespace, count: int, derived: Sequence[str]) -> list[str]:
    names = [check_target_name(n, "--wrpc-server-target") for n in args.wrpc_server_target]
    if names and len(names) != count:
        raise UsageError(
            f"--wrpc-server-target given {len(names)} time(s) for {count} server address(es)"
        )
    return names or list(derived)


def _timeout(common: Common, reference: bool) -> float:
    if reference and common.case_timeout == DEFAULT_CASE_TIMEOUT_S:
        return REFERENCE_CASE_TIMEOUT_S
    return common.case_timeout


def liveness_case(world: World) -> ServerCase:
    """The plain call after every bad-input case: ``echo-u32(624485)``."""
    probe = world.target("echo", "echo-u32")
    return ServerCase(
        "wrpc-server.liveness", "liveness", "robustness: the server still answers a plain call",
        f"echo-u32({PROBE_VALUE})", probe,
        sent_whole(call(probe, params_bytes(probe, [PROBE_VALUE]))),
        Expect(Kind.VALID, (PROBE_VALUE,)),
    )


def case_filter(cases: Sequence[AnyCase], filters: Sequence[str]) -> Callable[[AnyCase], bool]:
    """``-k``: a case runs if its ID contains a filter, except that a filter equal to a case ID
    selects exactly that case (so a repro line reruns one case even where its ID is a prefix
    of others, e.g. ``value.u32.one`` and ``value.u32.one-overlong-2-bytes``)."""
    ids = {c.id for c in cases}
    exact = {f for f in filters if f in ids}
    loose = [f for f in filters if f not in ids]

    def selected(case: AnyCase) -> bool:
        return not filters or case.id in exact or any(f in case.id for f in loose)

    return selected


def run(args: argparse.Namespace, common: Common) -> list[PartRun]:
    world = World.load(wit_dir())
    vector_set = load_vectors(vectors_dir(getattr(args, "vectors", None), common.repo_root))
    cases = catalogue(world, vector_set.vectors)
    if common.list_only:
        chosen = case_filter(cases, common.filters)
        print("\n".join(c.id for c in cases if chosen(c)))
        return []
    notes = {**vector_set.notes, **ROLE_NOTES}
    used = {f for c in cases for f in c.flags}
    notes = {k: v for k, v in notes.items() if k in used}
    return asyncio.run(_run_targets(args, common, world, cases, notes))


async def _run_targets(
    args: argparse.Namespace,
    common: Common,
    world: World,
    cases: list[AnyCase],
    notes: dict[str, str],
) -> list[PartRun]:
    addresses = [parse_address(a) for a in args.wrpc_server]
    process: ServerProcess | None = None
    tmp: str | None = None
    reference = not args.wrpc_server and not args.wrpc_server_cmd
    timeout = _timeout(common, reference)
    start_timeout = max(timeout, MIN_START_TIMEOUT_S)
    plans: list[TargetPlan] = []
    try:
        if reference:
            tmp = tempfile.mkdtemp(prefix="wasmnet-wrpc-")
            listen = ["--listen", "tcp://127.0.0.1:0"]
            names = [REFERENCE_TCP]
            if has_af_unix():
                listen += ["--listen", f"unix:{Path(tmp) / 'wrpc.sock'}"]
                names.append(REFERENCE_UNIX)
            command = [sys.executable, "-m", "wasmnet_reference.wrpc", "serve", *listen,
                       "--exit-on-stdin-eof"]
            process = ServerProcess(command, start_timeout=start_timeout, listeners=len(names))
            found = await process.start()
            base = ["--parts", "wrpc-server"]
            for i, name in enumerate(names):
                plans.append(TargetPlan(name, Endpoint(process=process, index=i), base,
                                        _transport(found[i])))
        elif args.wrpc_server_cmd:
            command = split_command(args.wrpc_server_cmd, "--wrpc-server-cmd")
            process = ServerProcess(command, start_timeout=start_timeout, addresses=addresses)
            found = await process.start()
            if not found:
                raise UsageError("--wrpc-server-cmd: the server announced no address")
            slug = target_from_command(command, fallback="wrpc-server")
            derived = [slug] if len(found) == 1 else [
                f"{slug}-{_transport(a)}-{i}" for i, a in enumerate(found)]
            names = _names(args, len(found), derived)
            base = ["--wrpc-server-cmd", shlex.join(command)]
            for a in args.wrpc_server:
                base += ["--wrpc-server", a]
            for i, (name, address) in enumerate(zip(names, found, strict=True)):
                plans.append(TargetPlan(name, Endpoint(process=process, index=i), base,
                                        _transport(address)))
        else:
            names = _names(args, len(addresses), [_derived_name(a) for a in addresses])
            for name, address, text in zip(names, addresses, args.wrpc_server, strict=True):
                plans.append(TargetPlan(name, Endpoint(fixed=address),
                                        ["--wrpc-server", text], _transport(address)))
        if len({p.name for p in plans}) != len(plans):
            raise UsageError("two server targets have the same name; use --wrpc-server-target")
        runs = []
        for plan in plans:
            if args.wrpc_server_target and not reference:
                plan.repro_options += ["--wrpc-server-target", plan.name]
            if common.case_timeout != DEFAULT_CASE_TIMEOUT_S:
                plan.repro_options += ["--case-timeout", f"{common.case_timeout:g}"]
            runs.append(await _run_target(plan, common, world, cases, notes, timeout, process))
        return runs
    finally:
        if process is not None:
            await process.stop()
            process.close_files()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


async def _run_target(
    plan: TargetPlan,
    common: Common,
    world: World,
    cases: list[AnyCase],
    notes: dict[str, str],
    timeout: float,
    process: ServerProcess | None,
) -> PartRun:
    expectations = expectations_for(plan.name, common.expectations)
    warnings = list(expectations.warnings) + [
        f"expectation for unknown case ID {i!r}"
        for i in expectations.unknown_ids(c.id for c in cases)
    ]
    selected_case = case_filter(cases, common.filters)
    chosen = [c for c in cases if selected_case(c)]
    progress = Progress(len(cases), sys.stderr, profile=common.profile,
                        tty=sys.stderr.isatty(), label=f"{PART} {plan.name}")
    results: dict[str, CaseRecord] = {}

    def done(run: CaseRun) -> None:
        record = _record(run, expectations, repro_line(plan.repro_options, run.case.id))
        results[record.id] = record
        if not common.quiet:
            progress.update(record)

    chosen_ids = {c.id for c in chosen}
    for case in cases:
        if case.id not in chosen_ids:
            done(CaseRun(case, _skipped("deselected by -k"), 0.0))
    address = plan.endpoint.address
    started = datetime.datetime.now(datetime.timezone.utc)
    clock = time.monotonic()
    runner = RoleRunner(plan.endpoint, liveness_case(world), timeout=timeout)
    try:
        await runner.run(chosen, done, Scripts(world))
    finally:
        progress.finish()
    records = [results[c.id] for c in cases]
    return PartRun(
        part=PART,
        target=plan.name,
        started=started.isoformat(timespec="seconds"),
        duration_s=time.monotonic() - clock,
        profile=common.profile,
        records=records,
        notes=notes,
        warnings=warnings + plan.endpoint.notes,
        expectations_source=expectations.source,
        meta={
            "address": str(address),
            "transport": plan.transport,
            "server_command": None if process is None else process.command,
            "server_starts": None if process is None else process.starts,
            "case_timeout_s": timeout,
            "filters": list(common.filters),
            "wit": str(wit_dir()),
        },
    )


def _skipped(reason: str) -> Judgment:
    return both(Verdict.SKIP, reason)


def _record(run: CaseRun, expectations: Expectations, repro: str) -> CaseRecord:
    case, j = run.case, run.judgment
    detail = j.detail
    extra = {k: v for k, v in j.extra.items() if k != "trace"}
    extra["summary"] = case.summary
    if run.trace is not None:
        extra["trace"] = run.trace
        detail += "\nwire trace (suite = client):\n" + (run.trace_text or "")
    elif "trace" in j.extra:
        extra["trace"] = j.extra["trace"]
    if isinstance(case, ServerCase):
        extra["kind"] = case.expect.kind.value
    return CaseRecord(
        id=case.id,
        classname=f"{PART}.{case.family}",
        outcomes=expectations.outcomes(case.id, j.verdicts),
        detail=detail,
        rule=case.rule,
        flags=case.flags,
        reading=j.reading,
        duration_s=run.duration_s,
        repro=repro,
        extra=extra,
    )

