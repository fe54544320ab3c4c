"""The peer-fuzzing loop: seeds first, then mutated corpus entries, each sent to the live
server and classified, with a liveness probe after each; new behaviours go to the corpus,
crashes, hangs and liveness loss are minimized and written as findings. Bounded by time and
input count; stops by itself.
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from wasmnet_fuzz.peer import behaviour as B
from wasmnet_fuzz.peer.exchange import Refused, exchange
from wasmnet_fuzz.peer.inputs import (
    PROBE_FUNCTION,
    PeerInput,
    functions,
    load_world,
    probe_input,
    seeds,
    stream_format,
)
from wasmnet_fuzz.peer.minimize import Minimizer
from wasmnet_fuzz.peer.mutate import PeerMutator
from wasmnet_fuzz.peer.request import Request, describe
from wasmnet_fuzz.peer.store import (
    Finding,
    load_corpus,
    save_corpus_entry,
    save_finding,
    write_report,
)
from wasmnet_fuzz.peer.target import EXIT_WAIT_S, PeerTarget
from wasmnet_fuzz.provenance import record

HOLDS_BY_DESIGN = frozenset({"hang"})
"""World functions that hold a call on purpose (docs/conformance-world.md, "Hang")."""
MAX_FINDINGS = 20
"""Distinct finding signatures minimized per run; later ones are counted only."""
PROGRESS_EVERY_S = 1.0
PROGRESS_EVERY_S_PLAIN = 5.0


@dataclass
class Config:
    time_s: float = 60.0
    seed: int = 0
    max_inputs: int | None = None
    reports: Path = Path("reports/fuzz/peer")
    corpus: Path = Path("fuzz/corpus/peer")
    input_timeout: float = 2.0
    minimize_seconds: float = 25.0
    quiet: bool = False


@dataclass
class Stats:
    inputs: int = 0
    probes: int = 0
    new_behaviours: int = 0
    corpus_written: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seen: dict[str, B.Behaviour] = field(default_factory=dict)


class Infrastructure(Exception):
    """The run cannot go on for reasons on the fuzzer's side (exit 2)."""


class PeerFuzzer:
    def __init__(self, target: PeerTarget, cfg: Config, stream: TextIO = sys.stderr) -> None:
        self.target = target
        self.cfg = cfg
        self.stream = stream
        self.rng = random.Random(cfg.seed)
        self.world = load_world()
        self.table = functions(self.world)
        seed_list = seeds(self.world, self.rng)
        names = sorted({(t.instance, t.name) for t, _ in seed_list})
        self.format = stream_format(self.world, names)
        self.mutator = PeerMutator(self.format)
        self.seed_inputs = [PeerInput(d) for _, d in seed_list]
        self.corpus: list[PeerInput] = list(self.seed_inputs) + load_corpus(cfg.corpus)
        probe_data, probe_target = probe_input(self.world)
        self.probe = PeerInput(probe_data)
        self.probe_req = Request(PROBE_FUNCTION, probe_target, (624485,))
        self.stats = Stats()
        self.findings: dict[str, Finding] = {}
        self.finding_counts: dict[str, int] = {}
        self.stopped = ""
        self._last_progress = 0.0

    # ------------------------------------------------------------------- one input

    async def behaviour_of(self, inp: PeerInput) -> tuple[B.Behaviour, Request]:
        """Send ``inp``, then probe liveness; crash and liveness loss take precedence."""
        req = describe(inp.data, self.format, self.table)
        try:
            b = await exchange(self.target.address, inp, req, timeout=self.cfg.input_timeout)
        except Refused:
            return B.crash(await self.target.exited()), req
        if self.target.dead():
            return B.crash(await self.target.exited()), req
        if b.cls is B.Cls.HANG and req.label in HOLDS_BY_DESIGN:
            b = B.Behaviour(B.Cls.ANSWERED, f"{req.label}|held-by-design")
        self.stats.probes += 1
        try:
            p = await exchange(self.target.address, self.probe, self.probe_req,
                               timeout=self.cfg.input_timeout)
        except Refused:
            return B.crash(await self.target.exited()), req
        if p.cls is B.Cls.ANSWERED and p.detail.split("|")[1] == "echo":
            return b, req
        code = await self.target.exited(EXIT_WAIT_S)
        if code is not None:
            return B.crash(code), req
        return B.liveness_lost(p), req

    async def _check_start(self) -> None:
        """Before fuzzing, the probe call must succeed: else the target is unusable (exit 2)."""
        try:
            p = await exchange(self.target.address, self.probe, self.probe_req,
                               timeout=self.cfg.input_timeout)
        except Refused as e:
            await self.target.stop()
            raise Infrastructure(f"{e} before fuzzing started") from None
        if p.cls is not B.Cls.ANSWERED or p.detail.split("|")[1] != "echo":
            await self.target.stop()
            raise Infrastructure(f"the server does not answer a plain {PROBE_FUNCTION} call "
                                 f"({p.text()}): is it serving the conformance world?")

    async def _ensure_alive(self) -> None:
        if self.target.dead():
            await self.target.restart()

    async def _reproduce(self, inp: PeerInput) -> B.Cls:
        await self._ensure_alive()
        b, _ = await self.behaviour_of(inp)
        if b.cls is B.Cls.LIVENESS_LOST and self.target.restartable:
            await self.target.restart()
        return b.cls

    # ------------------------------------------------------------------- the loop

    async def run(self) -> int:
        await self.target.start()
        await self._check_start()
        start = time.monotonic()
        deadline = start + self.cfg.time_s
        queue = list(self.corpus)
        try:
            while time.monotonic() < deadline and (
                    self.cfg.max_inputs is None or self.stats.inputs < self.cfg.max_inputs):
                if queue:
                    inp = queue.pop(0)
                else:
                    inp = self.mutator.mutate(self.rng.choice(self.corpus), self.rng)
                if not await self._one(inp):
                    break
                self._progress(start)
            else:
                self.stopped = "time" if time.monotonic() >= deadline else "max-inputs"
        finally:
            elapsed = time.monotonic() - start
            self._progress(start, final=True)
            await self.target.stop()
        self._report(elapsed)
        return 1 if self.findings or self.finding_counts else 0

    async def _one(self, inp: PeerInput) -> bool:
        """Run one input; False when the run cannot go on."""
        b, req = await self.behaviour_of(inp)
        self.stats.inputs += 1
        sig = b.signature
        self.stats.counts[sig] = self.stats.counts.get(sig, 0) + 1
        if sig not in self.stats.seen:
            self.stats.seen[sig] = b
            self.stats.new_behaviours += 1
            if not b.finding:
                self.corpus.append(inp)
                save_corpus_entry(self.cfg.corpus, inp, b)
                self.stats.corpus_written += 1
        if not b.finding:
            return True
        self.finding_counts[sig] = self.finding_counts.get(sig, 0) + 1
        if sig not in self.findings and len(self.findings) < MAX_FINDINGS:
            await self._finding(inp, b, req)
        if b.cls in (B.Cls.CRASH, B.Cls.LIVENESS_LOST):
            if not self.target.restartable:
                self.stopped = f"{b.cls.value}: the server at an address cannot be restarted"
                return False
            if b.cls is B.Cls.CRASH:
                await self._ensure_alive()
            else:
                await self.target.restart()
        return True

    async def _finding(self, inp: PeerInput, b: B.Behaviour, req: Request) -> None:
        stderr = self.target.stderr_tail()
        minimized = inp
        attempts = 0
        if self.target.restartable or b.cls is B.Cls.HANG:
            if b.cls is not B.Cls.HANG:
                await self.target.restart()
            mini = Minimizer(self._reproduce, self.format, seconds=self.cfg.minimize_seconds)
            minimized = await mini.run(inp, b.cls)
            attempts = mini.attempts
            await self._ensure_alive()
        function = describe(minimized.data, self.format, self.table).label
        finding = Finding(b, function, inp, minimized, attempts, stderr)
        save_finding(self.cfg.reports / "findings", finding, self._provenance())
        self.findings[b.signature] = finding
        self._say(f"finding: {b.text()} on {req.label}, minimized {len(inp.data)} -> "
                  f"{len(minimized.data)} bytes: {finding.path}")

    # ------------------------------------------------------------------- output

    def _provenance(self) -> dict[str, Any]:
        return record("peer:wrpc-server", seed=self.cfg.seed, **self.target.describe())

    def _say(self, text: str) -> None:
        if not self.cfg.quiet:
            print(("\n" if self.stream.isatty() else "") + text, file=self.stream, flush=True)

    def _progress(self, start: float, final: bool = False) -> None:
        if self.cfg.quiet:
            return
        now = time.monotonic()
        tty = self.stream.isatty()
        every = PROGRESS_EVERY_S if tty else PROGRESS_EVERY_S_PLAIN
        if not final and now - self._last_progress < every:
            return
        self._last_progress = now
        elapsed = max(now - start, 1e-9)
        s = self.stats
        line = (f"[peer] {elapsed:6.1f}s inputs {s.inputs} ({s.inputs / elapsed:.1f}/s) "
                f"behaviours {len(s.seen)} new-corpus {s.corpus_written} "
                f"findings {len(self.findings)}")
        end = "\n" if final or not tty else ""
        print(("\r" if tty else "") + line, end=end, file=self.stream, flush=True)

    def _report(self, elapsed: float) -> None:
        s = self.stats
        behaviours = [
            {"signature": sig, "class": b.cls.value, "detail": b.detail,
             "count": s.counts.get(sig, 0)}
            for sig, b in sorted(s.seen.items(), key=lambda kv: (kv[1].cls.value, kv[1].detail))
        ]
        findings = [
            {"signature": sig, "class": f.behaviour.cls.value, "detail": f.behaviour.detail,
             "function": f.function, "count": self.finding_counts.get(sig, 0),
             "original_size": len(f.original.data), "minimized_size": len(f.minimized.data),
             "file": str(f.path), "known": f.known,
             "to_case": f"python -m wasmnet_fuzz.peer.to_case {f.path}"}
            for sig, f in self.findings.items()
        ]
        report = {
            "target": self.target.describe(), "seed": self.cfg.seed, "time_s": elapsed,
            "inputs": s.inputs, "inputs_per_s": s.inputs / elapsed if elapsed else 0.0,
            "probes": s.probes, "restarts": self.target.restarts,
            "behaviours": behaviours, "new_behaviours": s.new_behaviours,
            "corpus_written": s.corpus_written, "findings": findings,
            "unminimized_findings": {k: v for k, v in self.finding_counts.items()
                                     if k not in self.findings},
            "mutations": dict(sorted(self.mutator.stats.items())),
            "stopped": self.stopped or "done", "provenance": self._provenance(),
        }
        paths = write_report(self.cfg.reports, report)
        self._say(f"report: {paths[0]} and {paths[1]}")
