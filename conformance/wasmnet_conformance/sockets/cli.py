"""The ``sockets`` part: the wasi:sockets scenarios in every available runtime (wasmtime CLI,
jco on Node, wasmtime-py, or any runtime given as a command template), one :class:`PartRun`
per runtime, plus the rule-by-runtime matrix and the phase-4 section in ``reports/sockets/``.

Target flags: ``--runtime NAME`` (repeatable) and ``--runtime-cmd TEMPLATE``. Without them, the
part runs every built-in runtime; one that is not installed is reported as not run (a PartRun
with no records and the reason as a warning), never silently left out.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wasmnet_conformance.cli import Common
from wasmnet_conformance.errors import UsageError
from wasmnet_conformance.expectations import expectations_for
from wasmnet_conformance.progress import Progress
from wasmnet_conformance.results import PartRun
from wasmnet_conformance.sockets import build, matrix
from wasmnet_conformance.sockets.adapters import (
    BUILTIN,
    Adapter,
    AdapterUnavailable,
    Generic,
    TemplateError,
)
from wasmnet_conformance.sockets.fixtures import Fixtures
from wasmnet_conformance.sockets.runner import (
    FREE_PORT_PLACEHOLDERS,
    PortPool,
    RunSettings,
    run_runtime,
)
from wasmnet_conformance.sockets.scenarios import all_scenarios
from wasmnet_conformance.sockets.scenarios.base import Scenario
from wasmnet_conformance.targets import check_target_name, repro_line
from wasmnet_reference.sockets.addresses import SockAddr
from wasmnet_reference.sockets.judgment import Observation, StepJudgment
from wasmnet_reference.sockets.model import judge_run
from wasmnet_reference.sockets.rules import RULES, Level
from wasmnet_reference.sockets.state import HostFacts

PART = "sockets"
DEFAULT_TIMEOUT_S = 60.0
"""Per script: the longest scenario waits a few seconds at most; a hang costs this much."""
GENERIC_NAME = "generic"
UNPACKED = frozenset({"wasmtime"})
"""Runtimes whose start is cheaper than packing's serialisation (a precompiled wasmtime
process starts in milliseconds): one script per scenario."""
PARALLEL_BATCHES = 3
"""Adapter calls in flight per runtime: most of a script's time is spent waiting (process or
instance start, loopback round trips), so two overlap well even on two cores."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "sockets part",
        "wasi:sockets 0.2 scenarios run by a probe component in real runtimes, judged against "
        "the\nexecutable model (wasmnet_reference.sockets). One case per checked step: "
        "<scenario-id>#<k>-<call>.\nDefault: every built-in runtime ("
        + ", ".join(BUILTIN) + "); one that is missing is reported as not run.\n"
        "Reports: reports/<runtime>/, plus reports/sockets/matrix.{json,md} and phase4.md.",
    )
    group.add_argument(
        "--runtime", metavar="NAME", action="append", default=None,
        help="run the scenarios in this runtime (repeatable; built-in: "
        + ", ".join(BUILTIN) + ")")
    group.add_argument(
        "--runtime-cmd", metavar="TEMPLATE",
        help="a runtime given as a command template (one process per script): {wasm} is the "
        "probe component, {script_json} the script's JSON, {script_file} a file holding it; "
        "the script is also in the env var WASMNET_SCRIPT. Example: \"wasmtime run -S "
        "inherit-network,tcp,udp,allow-ip-name-lookup --env WASMNET_SCRIPT={script_json} "
        "{wasm}\"")
    group.add_argument(
        "--runtime-deny-cmd", metavar="TEMPLATE",
        help="the same runtime with network access denied (enables the denial scenarios)")
    group.add_argument(
        "--runtime-target", metavar="NAME",
        help=f"the name of the --runtime-cmd runtime (reports, expectation file; default "
        f"{GENERIC_NAME!r})")
    group.add_argument(
        "--sockets-timeout", metavar="SECONDS", type=float, default=DEFAULT_TIMEOUT_S,
        help="time one script may take before the runtime is killed (default: %(default)s)")


def selected(args: argparse.Namespace) -> bool | None:
    return True if (args.runtime or args.runtime_cmd) else None


# ------------------------------------------------------------------------------- adapters


def adapters_for(args: argparse.Namespace) -> list[Adapter]:
    names: list[str] = list(args.runtime or [])
    target = args.runtime_target
    if target is not None:
        check_target_name(target, "--runtime-target")
        if not args.runtime_cmd:
            raise UsageError("--runtime-target names the --runtime-cmd runtime; give "
                             "--runtime-cmd too")
    unknown = [n for n in names if n not in BUILTIN
               and not (args.runtime_cmd and n == (target or GENERIC_NAME))]
    if unknown:
        raise UsageError(f"--runtime {', '.join(unknown)}: built-in runtimes are "
                         f"{', '.join(BUILTIN)} (use --runtime-cmd for others)")
    if args.runtime_deny_cmd and not args.runtime_cmd:
        raise UsageError("--runtime-deny-cmd needs --runtime-cmd")
    out: list[Adapter] = []
    if not names and not args.runtime_cmd:
        out = [factory() for factory in BUILTIN.values()]
        env_generic = Generic.from_env()
        if env_generic is not None:
            out.append(env_generic)
        return out
    out = [BUILTIN[n]() for n in dict.fromkeys(names) if n in BUILTIN]
    if args.runtime_cmd:
        try:
            out.append(Generic(args.runtime_cmd, deny_template=args.runtime_deny_cmd,
                               name=target or GENERIC_NAME))
        except TemplateError as e:
            raise UsageError(f"--runtime-cmd: {e}") from None
    return out


def repro_options(adapter: Adapter, args: argparse.Namespace) -> list[str]:
    if isinstance(adapter, Generic):
        options = ["--runtime-cmd", args.runtime_cmd]
        if args.runtime_deny_cmd:
            options += ["--runtime-deny-cmd", args.runtime_deny_cmd]
        if adapter.name != GENERIC_NAME:
            options += ["--runtime-target", adapter.name]
    else:
        options = ["--runtime", adapter.name]
    if args.sockets_timeout != DEFAULT_TIMEOUT_S:
        options += ["--sockets-timeout", f"{args.sockets_timeout:g}"]
    return options


# ------------------------------------------------------------------------------- model


def host_facts(values: Mapping[str, Any]) -> HostFacts:
    """The model's HostFacts from the fixtures' placeholder values."""

    def addrs(*pairs: tuple[str, str]) -> frozenset[SockAddr]:
        return frozenset(SockAddr.of(ip, int(values[name])) for name, ip in pairs
                         if name in values)

    v4, v6 = "127.0.0.1", "::1"
    return HostFacts(
        tcp_listening=addrs(("tcp_echo_port", v4), ("tcp6_echo_port", v6),
                            ("tcp_close_port", v4), ("tcp6_close_port", v6),
                            ("tcp_greet_port", v4)),
        tcp_closed=addrs(("closed_port", v4), ("closed_port6", v6)),
        udp_bound=addrs(("udp_echo_port", v4), ("udp6_echo_port", v6), ("ttl_port", v4),
                        ("ttl6_port", v6)),
        closing_peers=addrs(("tcp_close_port", v4), ("tcp6_close_port", v6),
                            ("tcp_greet_port", v4)),
    )


def model_judge(steps: Sequence[dict[str, Any]], observations: Sequence[Observation], *,
                granted: bool, values: Mapping[str, Any]) -> Sequence[StepJudgment | None]:
    """The model (wasmnet_reference.sockets.model) judging one scenario's steps."""
    fixture_ports = {name: v for name, v in values.items() if name not in FREE_PORT_PLACEHOLDERS}
    return judge_run(steps, observations, network_granted=granted,
                     host=host_facts(fixture_ports))


# ------------------------------------------------------------------------------- run


def _selector(filters: Sequence[str]) -> tuple[Any, Any]:
    def case_selected(case_id: str) -> bool:
        return not filters or any(f in case_id for f in filters)

    def scenario_selected(s: Scenario) -> bool:
        return any(case_selected(c) for c in s.case_ids())

    return scenario_selected, case_selected


def _notes() -> dict[str, str]:
    return {rid: f"{r.text} ({r.citation})" for rid, r in RULES.items()
            if r.level is Level.AMBIGUOUS}


def run(args: argparse.Namespace, common: Common) -> list[PartRun]:
    scenarios = list(all_scenarios())
    scenario_selected, case_selected = _selector(common.filters)
    if common.list_only:
        print("\n".join(c for s in scenarios for c in s.case_ids() if case_selected(c)))
        return []
    if args.sockets_timeout <= 0:
        raise UsageError("--sockets-timeout must be greater than 0")
    adapters = adapters_for(args)
    all_ids = [c for s in scenarios for c in s.case_ids()]
    runs: list[PartRun] = []
    cache_dir = build.default_cache_dir()
    with Fixtures() as fixtures:
        pool = PortPool(ipv6=fixtures.ipv6)
        for adapter in adapters:
            runs.append(_run_one(adapter, args, common, scenarios, all_ids, fixtures, pool,
                                 cache_dir, scenario_selected, case_selected))
    by_id = {s.id: s for s in scenarios}
    paths = matrix.write_reports(runs, by_id, common.reports_dir / PART, common.profile)
    p4 = paths[3]
    print(f"sockets: matrix {paths[0]} {paths[1]}; phase 4 {paths[2]}: two independent "
          f"runtimes pass every MUST rule: {'yes' if p4.verdict else 'no'}"
          + (f" ({', '.join(p4.passing)})" if p4.passing else ""), file=sys.stderr)
    return runs


def _run_one(adapter: Adapter, args: argparse.Namespace, common: Common,
             scenarios: list[Scenario], all_ids: list[str], fixtures: Fixtures, pool: PortPool,
             cache_dir: Path, scenario_selected: Any, case_selected: Any) -> PartRun:
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    clock = time.monotonic()
    expectations = expectations_for(adapter.name, common.expectations)
    warnings = list(expectations.warnings)
    known = set(all_ids)
    warnings += [f"expectation for unknown case ID {i!r} (typo or removed scenario?)"
                 for i in expectations.unknown_ids(known)]

    def not_run(reason: str) -> PartRun:
        print(f"[sockets {adapter.name}] not run: {reason}", file=sys.stderr)
        return PartRun(part=PART, target=adapter.name, started=started,
                       duration_s=time.monotonic() - clock, profile=common.profile,
                       records=[], warnings=[*warnings, f"runtime {adapter.name} not run: "
                                             f"{reason}"],
                       expectations_source=expectations.source,
                       meta={"runtime": adapter.name, "available": False, "reason": reason,
                             "capabilities": sorted(adapter.capabilities)})

    avail = adapter.availability()
    if not avail.ok:
        return not_run(avail.reason)
    try:
        adapter.prepare(cache_dir)
    except AdapterUnavailable as e:
        return not_run(e.reason)
    options = repro_options(adapter, args)
    total = sum(len(s.steps) for s in scenarios)
    progress = Progress(total, sys.stderr, profile=common.profile, tty=sys.stderr.isatty(),
                        label=f"{PART} {adapter.name}")
    settings = RunSettings(
        timeout_s=args.sockets_timeout,
        repro=lambda s: repro_line(options, f"{s.id}#"),
        scripts_dir=common.reports_dir / PART / "scripts" / adapter.name,
        selected_case=case_selected,
        parallel=PARALLEL_BATCHES,
        pack=adapter.name not in UNPACKED,
        gate=common.profile,
    )
    try:
        result = run_runtime(adapter, scenarios, fixtures=fixtures, model=model_judge,
                             expectations=expectations, settings=settings,
                             selected=scenario_selected,
                             on_record=(lambda _: None) if common.quiet else progress.update,
                             pool=pool)
    finally:
        progress.finish()
    warnings += result.warnings
    capability_skips = sum(n for reason, n in result.skipped.items()
                           if reason.startswith("the runtime cannot"))
    try:
        meta_adapter = adapter.meta()
    except (AdapterUnavailable, RuntimeError, OSError) as e:
        meta_adapter = {"error": str(e)}
    meta = {
        "runtime": adapter.name,
        "available": True,
        "version": adapter.version(),
        "capabilities": sorted(adapter.capabilities),
        "adapter": meta_adapter,
        "scenarios": {"run": result.ran, "skipped": dict(result.skipped)},
        "capability_skips": capability_skips,
        "checked_steps": sum(1 for r in result.records
                             if r.outcomes[common.profile].value != "skipped"),
        "fixtures_unavailable": dict(fixtures.unavailable),
        "timeout_s": args.sockets_timeout,
    }
    return PartRun(part=PART, target=adapter.name, started=started,
                   duration_s=time.monotonic() - clock, profile=common.profile,
                   records=result.records, notes=_notes(), warnings=warnings,
                   expectations_source=expectations.source, meta=meta)
