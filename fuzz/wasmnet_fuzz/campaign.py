"""A fuzzing campaign: every target, in parallel, for a time budget, with a report.

    python -m wasmnet_fuzz.campaign --time 600 --jobs 2      (tox -e fuzz -- --time 600 --jobs 2)

Steps: seeds and dictionaries are generated from the vectors (``seeds.py``); the targets run
under atheris (``run.py``), ``--jobs`` at a time, each for its share of ``--time`` (the wall-clock
budget of the fuzzing phase: ``time * jobs / targets`` seconds each, at least
:data:`MIN_SLICE_S`); a target that finds a crash is restarted for the rest of its share. A
progress line shows executions, exec/s and coverage per running target. Then each target's
corpus is merged (libFuzzer ``-merge=1``: the smallest set with the same coverage) into
``fuzz/corpus/<target>/``, findings are reproduced in-process, signed, deduplicated and copied to
``reports/fuzz/findings/<signature>/`` with provenance, and the report is written:
``reports/fuzz/report.json`` and ``reports/fuzz/report.txt`` (targets, executions, exec/s,
coverage, new corpus entries, findings, each with its ``to_vector`` command).

Exit status: 0 every target ran and nothing new was found; 1 new findings (signatures without
a vector file in vectors/findings/); 2 a target could not run, or atheris is not available
(Linux only; the message says so).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import queue
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from wasmnet_fuzz import seeds
from wasmnet_fuzz.findings import Signature, reproduce, signature_of
from wasmnet_fuzz.libfuzzer_log import LogState
from wasmnet_fuzz.provenance import record, tool_versions, write_sidecar
from wasmnet_fuzz.run import atheris_or_none, unavailable_message, write_launcher
from wasmnet_fuzz.targets import CAMPAIGN_TARGETS, TARGETS, Target
from wasmnet_fuzz.targets.differential import PEER_ENV, peer_command

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "fuzz" / "corpus"
REPORTS = REPO / "reports" / "fuzz"
FINDINGS_VECTORS = REPO / "vectors" / "findings"
MIN_SLICE_S = 5
MAX_FINDINGS_PER_TARGET = 3
"""A target is restarted after a crash until it has this many."""
UNIT_TIMEOUT_S = 10
"""libFuzzer ``-timeout``: an input running longer is a finding (a hang)."""
RSS_LIMIT_MB = 2048
KILL_GRACE_S = 60.0
"""How long past its share a fuzzing process may run before it is killed."""
MERGE_TIMEOUT_S = 300.0
PROGRESS_EVERY_S = 1.0
PLAIN_PROGRESS_EVERY_S = 10.0
FORMAT = "wasmnet-fuzz-report/1"


@dataclass
class Finding:
    signature: Signature
    target: str
    kind: str
    """crash, timeout, oom, leak (from libFuzzer's artifact prefix)."""
    crash: Path
    known: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        vector = FINDINGS_VECTORS / f"{self.signature.slug()}.json"
        return {
            "signature": self.signature.text(),
            "slug": self.signature.slug(),
            "target": self.target,
            "kind": self.kind,
            "crash": str(self.crash),
            "known": self.known,
            "vector_file": str(vector) if self.known else None,
            "detail": self.detail,
            "to_vector": f"python -m wasmnet_fuzz.to_vector {self.crash} --target {self.target}",
        }


@dataclass
class TargetRun:
    target: Target
    budget_s: float
    plain: bool = False
    logs: list[LogState] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    exit_codes: list[int] = field(default_factory=list)
    artifacts: list[Path] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    corpus_before: int = 0
    corpus_after: int | None = None
    new_entries: int = 0
    merge_error: str | None = None
    started: float | None = None
    used_s: float = 0.0
    cpu_s: float = 0.0
    """CPU seconds of the fuzzing processes (start-up included): executions per CPU second
    do not depend on how busy the machine was."""

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def execs(self) -> int:
        return sum(s.stats.get("number_of_executed_units", s.execs) for s in self.logs)

    @property
    def ran(self) -> bool:
        return any(s.done or s.execs > 0 for s in self.logs)

    @property
    def exec_s(self) -> int:
        """libFuzzer's ``average_exec_per_sec``, execution-weighted over the process runs."""
        total = sum(s.stats.get("number_of_executed_units", s.execs) for s in self.logs)
        if not total:
            return 0
        weighted = sum(s.average_exec_s * s.stats.get("number_of_executed_units", s.execs)
                       for s in self.logs)
        return round(weighted / total)

    @property
    def sustained_exec_s(self) -> float | None:
        runs = seconds = 0.0
        for s in self.logs:
            if s.inited is not None and s.last is not None:
                runs += s.last[0] - s.inited[0]
                seconds += s.last[1] - s.inited[1]
        return runs / seconds if seconds > 0.5 else None

    def last(self) -> LogState | None:
        return self.logs[-1] if self.logs else None

    def to_json(self) -> dict[str, Any]:
        last = self.last()
        return {
            "name": self.name,
            "description": self.target.description,
            "mutator": "libFuzzer" if self.plain or not self.target.structured
            else "structure-aware",
            "max_len": self.target.max_len,
            "budget_s": self.budget_s,
            "seconds": round(self.used_s, 1),
            "process_runs": len(self.logs),
            "exit_codes": self.exit_codes,
            "ran": self.ran,
            "execs": self.execs,
            "exec_s": self.exec_s,
            "sustained_exec_s": None if self.sustained_exec_s is None
            else round(self.sustained_exec_s),
            "cpu_s": round(self.cpu_s, 1),
            "execs_per_cpu_s": round(self.execs / self.cpu_s) if self.cpu_s > 0 else None,
            "cov": 0 if last is None else max(s.cov for s in self.logs),
            "ft": 0 if last is None else max(s.ft for s in self.logs),
            "seeds": [s.seed for s in self.logs],
            "corpus": {"before": self.corpus_before, "after": self.corpus_after,
                       "new_entries": self.new_entries, "merge_error": self.merge_error},
            "findings": [f.signature.text() for f in self.findings],
        }


class Process:
    """One libFuzzer process; its stderr is read by a thread into a shared queue."""

    def __init__(self, run: TargetRun, command: list[str], env: dict[str, str], log: Path,
                 lines: queue.Queue[tuple[Process, str, float]]) -> None:
        self.run = run
        self.state = LogState()
        self.started = time.monotonic()
        self.log_path = log
        self.cpu_s = 0.0
        # libFuzzer writes to stderr, atheris prints a finding's Python traceback to stdout:
        # one pipe keeps them in order.
        self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        self._thread = threading.Thread(target=self._read, args=(lines,), daemon=True)
        self._thread.start()

    def _read(self, lines: queue.Queue[tuple[Process, str, float]]) -> None:
        assert self.proc.stdout is not None
        with open(self.log_path, "a", encoding="utf-8", errors="replace") as log:
            for raw in iter(self.proc.stdout.readline, b""):
                text = raw.decode("utf-8", "replace")
                log.write(text)
                lines.put((self, text, time.monotonic()))
        self.proc.stdout.close()

    def finished(self) -> bool:
        """Reap the process if it exited, keeping its CPU time (POSIX ``wait4``; atheris
        runs on Linux only)."""
        if self.proc.returncode is not None:
            return True
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if pid == 0:
            return False
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        self.cpu_s = usage.ru_utime + usage.ru_stime
        return True

    def join(self) -> None:
        self._thread.join(timeout=10)


def _count(directory: Path) -> int:
    return sum(1 for p in directory.iterdir() if p.is_file()) if directory.is_dir() else 0


def _env(peer: str | None) -> dict[str, str]:
    env = dict(os.environ)
    paths = [str(REPO / "fuzz"), str(REPO / "reference"), str(REPO / "conformance")]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    if peer:
        env[PEER_ENV] = peer
    return env


class Campaign:
    def __init__(self, args: argparse.Namespace, out: IO[str]) -> None:
        self.args = args
        self.out = out
        self.work = Path(args.work_dir) if args.work_dir else Path(
            tempfile.mkdtemp(prefix="wasmnet-fuzz-"))
        self.reports = Path(args.reports)
        names = [n for n in args.targets.split(",") if n]
        unknown = [n for n in names if n not in TARGETS]
        if unknown:
            raise SystemExit(f"unknown target(s): {', '.join(unknown)}; known: "
                             f"{', '.join(TARGETS)}")
        self.jobs = max(1, min(args.jobs, len(names)))
        slice_s = max(MIN_SLICE_S, int(args.time * self.jobs / len(names)))
        self.runs = [TargetRun(TARGETS[n], slice_s, plain=args.plain) for n in names]
        self.rng = random.Random(args.seed)
        self.lines: queue.Queue[tuple[Process, str, float]] = queue.Queue()
        self.env = _env(args.peer)
        self.corpus = Path(args.corpus)
        self.tty = out.isatty()

    # -------------------------------------------------------------------------------- fuzzing

    def _command(self, run: TargetRun, remaining: float) -> list[str]:
        name = run.name
        launcher = write_launcher(self.work / "bin", name, plain=run.plain)
        new = self.work / name / "new"
        artifacts = self.work / name / "artifacts"
        new.mkdir(parents=True, exist_ok=True)
        artifacts.mkdir(parents=True, exist_ok=True)
        corpora = [d for d in (self.corpus / name, self.work / "seeds" / name) if d.is_dir()]
        return [
            str(launcher), str(new), *map(str, corpora),
            f"-dict={self.work / 'seeds' / (name + '.dict')}",
            f"-max_total_time={max(1, int(remaining))}",
            f"-artifact_prefix={artifacts}{os.sep}",
            f"-seed={self.rng.randrange(1, 1 << 31)}",
            f"-timeout={UNIT_TIMEOUT_S}",
            f"-rss_limit_mb={RSS_LIMIT_MB}",
            "-print_final_stats=1",
        ]

    def _start(self, run: TargetRun) -> Process:
        remaining = run.budget_s - run.used_s
        if run.started is None:
            run.started = time.monotonic()
        log = self.work / run.name / f"fuzz-{len(run.logs)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        process = Process(run, self._command(run, remaining), self.env, log, self.lines)
        run.logs.append(process.state)
        return process

    def fuzz(self) -> None:
        pending = list(self.runs)
        running: list[Process] = []
        clock = time.monotonic()
        last_progress = 0.0
        while pending or running:
            while pending and len(running) < self.jobs:
                running.append(self._start(pending.pop(0)))
            self._drain(0.2)
            for process in list(running):
                run = process.run
                elapsed = time.monotonic() - process.started
                if not process.finished():
                    if elapsed > run.budget_s - run.used_s + KILL_GRACE_S:
                        process.proc.kill()
                    continue
                run.cpu_s += process.cpu_s
                process.join()
                self._drain(0)
                running.remove(process)
                run.used_s += elapsed
                run.durations.append(elapsed)
                run.exit_codes.append(process.proc.returncode)
                found = [Path(a) for a in process.state.artifacts]
                run.artifacts += found
                crashed = process.proc.returncode != 0 and bool(found)
                remaining = run.budget_s - run.used_s
                if crashed and remaining > MIN_SLICE_S / 2 and \
                        len(run.artifacts) < MAX_FINDINGS_PER_TARGET:
                    pending.insert(0, run)  # go on for the rest of its share
            now = time.monotonic()
            every = PROGRESS_EVERY_S if self.tty else PLAIN_PROGRESS_EVERY_S
            if now - last_progress >= every:
                self._progress(running, pending, now - clock)
                last_progress = now
        self._progress([], [], time.monotonic() - clock, final=True)

    def _drain(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while True:
            timeout = deadline - time.monotonic()
            try:
                process, line, when = self.lines.get(timeout=max(0.0, timeout)) if timeout > 0 \
                    else self.lines.get_nowait()
            except queue.Empty:
                return
            process.state.feed(line, when)

    def _progress(self, running: list[Process], pending: list[TargetRun], elapsed: float,
                  final: bool = False) -> None:
        active = {id(p.run) for p in running} | {id(r) for r in pending}
        done = sum(1 for r in self.runs if r.logs and id(r) not in active)
        crashes = sum(len(r.artifacts) for r in self.runs)
        parts = [f"{p.run.name} {_si(p.state.execs)} {_si(p.state.exec_s)}/s cov {p.state.cov}"
                 for p in running]
        status = "fuzzing done" if final else " | ".join(parts) or "starting"
        line = (f"fuzz [{_mmss(elapsed)}/{_mmss(self.args.time)}] done {done}/{len(self.runs)} "
                f"| {status} | crashes {crashes}")
        if self.tty:
            self.out.write("\r" + line[:160].ljust(160) + ("\n" if final else ""))
        else:
            self.out.write(line + "\n")
        self.out.flush()

    # ------------------------------------------------------------------------- after fuzzing

    def merge(self) -> None:
        """Merge every target's corpus (``jobs`` at a time)."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=self.jobs) as pool:
            list(pool.map(self._merge, self.runs))

    def _merge(self, run: TargetRun) -> None:
        name = run.name
        target_corpus = self.corpus / name
        run.corpus_before = _count(target_corpus)
        merged = self.work / name / "merged"
        shutil.rmtree(merged, ignore_errors=True)
        merged.mkdir(parents=True)
        sources = [d for d in (target_corpus, self.work / name / "new",
                               self.work / "seeds" / name) if d.is_dir()]
        command = [str(write_launcher(self.work / "bin", name, plain=run.plain)),
                   "-merge=1", f"-timeout={UNIT_TIMEOUT_S}", str(merged), *map(str, sources)]
        log = self.work / name / "merge.log"
        try:
            with open(log, "w", encoding="utf-8") as handle:
                done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=handle,
                                      stderr=subprocess.STDOUT, env=self.env,
                                      timeout=MERGE_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            run.merge_error = f"merge timed out after {MERGE_TIMEOUT_S:g} s"
            return
        if done.returncode != 0:
            run.merge_error = f"merge exited with status {done.returncode} (see {log})"
            return
        before = {p.name for p in target_corpus.iterdir()} if target_corpus.is_dir() else set()
        after = {p.name for p in merged.iterdir()}
        run.corpus_after = len(after)
        run.new_entries = len(after - before)
        if self.args.update_corpus:
            target_corpus.mkdir(parents=True, exist_ok=True)
            for stale in before - after:
                (target_corpus / stale).unlink()
            for fresh in after - before:
                shutil.copyfile(merged / fresh, target_corpus / fresh)

    def collect_findings(self) -> list[Finding]:
        unique: dict[Signature, Finding] = {}
        for run in self.runs:
            for artifact in run.artifacts:
                if not artifact.is_file():
                    continue
                kind = artifact.name.split("-", 1)[0]
                data = artifact.read_bytes()
                exc = reproduce(run.target, data) if kind == "crash" else None
                if exc is not None:
                    signature = signature_of(run.target, exc)
                    detail = f"{type(exc).__name__}: {str(exc)[:300]}"
                else:
                    signature = Signature(run.name, kind, "not reproduced in-process")
                    detail = "libFuzzer reported it; it does not fail when re-run in-process"
                if signature in unique:
                    continue
                home = self.reports / "findings" / signature.slug()
                home.mkdir(parents=True, exist_ok=True)
                crash = home / artifact.name
                shutil.copyfile(artifact, crash)
                seed = next((s.seed for s in run.logs if str(artifact) in s.artifacts), None)
                write_sidecar(crash, record(run.name, seed=seed, exception=signature.exception,
                                            where=signature.where, kind=kind))
                known = (FINDINGS_VECTORS / f"{signature.slug()}.json").is_file()
                finding = Finding(signature, run.name, kind, crash, known, detail)
                unique[signature] = finding
                run.findings.append(finding)
        return list(unique.values())

    def report(self, findings: list[Finding], duration: float) -> dict[str, Any]:
        report = {
            "format": FORMAT,
            "date": record("campaign", seed=self.args.seed)["date"],
            "duration_s": round(duration, 1),
            "time_budget_s": self.args.time,
            "jobs": self.jobs,
            "seed": self.args.seed,
            "tools": tool_versions(),
            "peer": self.args.peer or shlex.join(peer_command()),
            "work_dir": str(self.work),
            "targets": [r.to_json() for r in self.runs],
            "findings": [f.to_json() for f in findings],
            "all_ran": all(r.ran for r in self.runs),
            "new_findings": sum(1 for f in findings if not f.known),
        }
        self.reports.mkdir(parents=True, exist_ok=True)
        (self.reports / "report.json").write_text(
            json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (self.reports / "report.txt").write_text(text_report(report), encoding="utf-8")
        return report


def _si(n: float) -> str:
    for unit, size in (("M", 1e6), ("k", 1e3)):
        if n >= size:
            return f"{n / size:.1f}{unit}"
    return str(int(n))


def _mmss(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}"


def text_report(report: dict[str, Any]) -> str:
    """The short text table of a campaign report."""
    head = ("target", "mutator", "time", "execs", "exec/s", "sustained", "per-cpu-s", "cov",
            "ft", "corpus", "new", "findings")
    rows = [head]
    for t in report["targets"]:
        corpus = t["corpus"]
        rows.append((
            t["name"], t["mutator"], f"{t['seconds']:.0f}s", str(t["execs"]), str(t["exec_s"]),
            "-" if t["sustained_exec_s"] is None else str(t["sustained_exec_s"]),
            "-" if t.get("execs_per_cpu_s") is None else str(t["execs_per_cpu_s"]),
            str(t["cov"]), str(t["ft"]),
            "-" if corpus["after"] is None else str(corpus["after"]),
            str(corpus["new_entries"]), str(len(t["findings"])),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        f"wasmnet fuzz campaign {report['date']}: {report['duration_s']} s, "
        f"{report['jobs']} job(s), budget {report['time_budget_s']} s",
        "",
        *("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows),
        "",
        "exec/s: libFuzzer's average_exec_per_sec (start-up included); sustained: after INITED;",
        "per-cpu-s: executions per CPU second of the fuzzing process (independent of load).",
    ]
    if report["findings"]:
        lines += ["", "findings:"]
        for f in report["findings"]:
            state = "known (vector exists)" if f["known"] else "NEW"
            lines += [f"- [{state}] {f['signature']}: {f['detail']}", f"  {f['to_vector']}"]
    else:
        lines += ["", "findings: none"]
    not_ran = [t["name"] for t in report["targets"] if not t["ran"]]
    if not_ran:
        lines += ["", f"DID NOT RUN: {', '.join(not_ran)}"]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m wasmnet_fuzz.campaign", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time", type=int, default=60,
                        help="wall-clock budget of the fuzzing phase in seconds (default 60)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="targets fuzzed at once (default: the number of CPUs)")
    parser.add_argument("--targets", default=",".join(CAMPAIGN_TARGETS),
                        help="comma-separated targets (default: " + ",".join(CAMPAIGN_TARGETS)
                        + "; experiment targets: planted, planted_bytes)")
    parser.add_argument("--reports", default=str(REPORTS), help="report directory")
    parser.add_argument("--corpus", default=str(CORPUS), help="corpus root (per-target dirs)")
    parser.add_argument("--no-corpus-update", dest="update_corpus", action="store_false",
                        help="leave the corpus directories as they are")
    parser.add_argument("--work-dir", help="keep work files here (default: a temp dir)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed for the per-process libFuzzer seeds (default: random)")
    parser.add_argument("--peer", "--testee", dest="peer",
                        help=f"peer testee command for the diff_* targets "
                        f"(default: ${PEER_ENV}, else the reference testee)")
    parser.add_argument("--plain", action="store_true",
                        help="libFuzzer's byte mutator for every target (for comparison)")
    args = parser.parse_args(argv)
    if args.time < 1 or args.jobs < 1:
        parser.error("--time and --jobs must be at least 1")
    return args


PEER_OPTIONS = ("--wrpc-server", "--wrpc-server-cmd")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(a.split("=", 1)[0] in PEER_OPTIONS for a in argv):
        # Peer fuzzing of a live wRPC server has its own options (peer/cli.py).
        from wasmnet_fuzz.peer.cli import main as peer_main

        return peer_main(argv)
    args = parse_args(argv)
    if atheris_or_none() is None:
        print(unavailable_message(), file=sys.stderr)
        return 2
    campaign = Campaign(args, sys.stderr)
    start = time.monotonic()
    counts = seeds.write(campaign.work / "seeds", [r.name for r in campaign.runs])
    print(f"fuzz: {len(campaign.runs)} targets, {campaign.jobs} at a time, "
          f"{campaign.runs[0].budget_s} s each; seeds {sum(counts.values())}; "
          f"work dir {campaign.work}", file=sys.stderr)
    campaign.fuzz()
    campaign.merge()
    findings = campaign.collect_findings()
    report = campaign.report(findings, time.monotonic() - start)
    print(text_report(report), file=sys.stderr)
    print(f"report: {campaign.reports / 'report.json'}", file=sys.stderr)
    if not args.work_dir:
        shutil.rmtree(campaign.work, ignore_errors=True)
    if not report["all_ran"]:
        return 2
    return 1 if report["new_findings"] else 0


if __name__ == "__main__":
    sys.exit(main())
