"""Running the catalogue against one server address: exchanges, liveness calls, restarts.

Valid single-connection cases run concurrently in a small pool (each connection has its own
trace, so traces stay exact); multi-connection scripts run one at a time; bad input, ambiguous
input and stalls run one at a time, each followed by a liveness call, so that a crash or hang
is pinned on the case that caused it. A server process the suite started is restarted when it
has died or stopped answering, and the run goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from wasmnet_conformance.results import Profile, Verdict
from wasmnet_conformance.wiretrace import WireTrace
from wasmnet_conformance.wrpc_server.address import Address
from wasmnet_conformance.wrpc_server.connection import ConnectFailed, Connection, End
from wasmnet_conformance.wrpc_server.judge import (
    Judgment,
    Observation,
    both,
    judge,
    with_liveness,
)
from wasmnet_conformance.wrpc_server.model import (
    AnyCase,
    AwaitElements,
    AwaitResults,
    HalfClose,
    Pause,
    ScriptCase,
    Send,
    ServerCase,
    Step,
)
from wasmnet_conformance.wrpc_server.process import ServerProcess
from wasmnet_conformance.wrpc_server.request import Target
from wasmnet_conformance.wrpc_server.response import ResponseAssembler

CONCURRENCY = 8
"""Valid cases in flight at once."""
AWAIT_WINDOW_MAX_S = 2.0
"""Longest wait for an awaited step (relay, answer before FIN); at most half the timeout."""
CASE_SLACK_S = 5.0
"""A case's whole run is cut off this long after its own timeout (a suite-side safety net)."""
EXIT_WAIT_S = 0.5
"""How long a server that stopped answering gets to finish exiting, to report its exit code."""
TRACE_LIMIT_BYTES = 64 * 1024
"""Bytes of a failed case's trace kept in the report (JSON)."""
TRACE_DUMP_BYTES = 2048
"""Bytes of a failed case's trace shown in its detail as a hex dump."""


@dataclass
class Endpoint:
    """The current address of a target, and the process behind it when the suite runs it."""

    fixed: Address | None = None
    process: ServerProcess | None = None
    index: int = 0
    notes: list[str] = field(default_factory=list)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def address(self) -> Address:
        if self.process is not None:
            return self.process.addresses[self.index]
        assert self.fixed is not None
        return self.fixed

    async def recover(self, why: str) -> str | None:
        """Restart a suite-started server that died (or, with ``why``, stopped answering);
        a note for the report, or None if there is nothing to restart."""
        proc = self.process
        if proc is None:
            return None
        async with self._lock:
            if proc.alive and not why:
                return None
            code = await proc.exited(EXIT_WAIT_S) if why else proc.returncode
            tail = proc.stderr_tail()
            state = f"exited with code {code}" if code is not None else why
            await proc.restart()
            note = f"server process {state} (stderr tail: {tail}); restarted"
            self.notes.append(note)
            return note


@dataclass(frozen=True)
class CaseRun:
    """A judged case with its wire evidence."""

    case: AnyCase
    judgment: Judgment
    duration_s: float
    trace: list[dict[str, Any]] | None = None
    """JSON trace of the case's connection (failed cases only)."""
    trace_text: str | None = None


def clip_trace(trace: WireTrace) -> list[dict[str, Any]]:
    """The trace as JSON, at most TRACE_LIMIT_BYTES of data in total."""
    out: list[dict[str, Any]] = []
    budget = TRACE_LIMIT_BYTES
    for entry in trace.to_json():
        hexed = entry["hex"]
        if len(hexed) // 2 > budget:
            entry = {**entry, "hex": hexed[: budget * 2], "note": "truncated"}
        budget = max(0, budget - len(entry["hex"]) // 2)
        out.append(entry)
    return out


class RoleRunner:
    def __init__(
        self,
        endpoint: Endpoint,
        liveness: ServerCase,
        *,
        timeout: float,
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.endpoint = endpoint
        self.liveness_case = liveness
        self.timeout = timeout
        self.concurrency = concurrency
        self.await_window = min(timeout / 2, AWAIT_WINDOW_MAX_S)

    # ------------------------------------------------------------------------ exchanges

    async def exchange(
        self, target: Target, steps: Sequence[Step], *, stall: bool = False,
        during_stall: Callable[[], Awaitable[Judgment]] | None = None,
    ) -> tuple[Observation, Judgment | None]:
        """One connection: the steps, then read until the server ends its side or the case
        times out. With ``stall`` the connection is left open after the steps while
        ``during_stall`` runs; its judgment is returned too."""
        loop = asyncio.get_running_loop()
        trace = WireTrace(suite_is="client")
        response = ResponseAssembler(target.function.result)
        obs = Observation(response, trace, timeout_s=self.timeout)
        deadline = loop.time() + self.timeout
        try:
            conn = await Connection.open(self.endpoint.address, trace, response.feed,
                                         self.timeout)
        except ConnectFailed as e:
            obs.connect_error = str(e)
            return obs, None
        during: Judgment | None = None
        try:
            for step in steps:
                await self._step(conn, step, obs, deadline)
            if stall:
                trace.note("suite stalls: keeps the connection open without sending")
                assert during_stall is not None
                during = await during_stall()
            else:
                await conn.wait(deadline)
            obs.end = conn.end
            if conn.end is End.EOF:
                response.end()
            if conn.end is None and not stall:
                trace.note(f"case timeout ({self.timeout:g}s): server still connected")
        finally:
            await conn.close()
        return obs, during

    async def _step(self, conn: Connection, step: Step, obs: Observation, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        response = obs.response
        if isinstance(step, Send):
            await conn.send(step.data)
        elif isinstance(step, Pause):
            await asyncio.sleep(step.seconds)
        elif isinstance(step, HalfClose):
            await conn.half_close()
        elif isinstance(step, AwaitResults):
            until = min(deadline, loop.time() + self.await_window)
            await conn.wait(until, lambda: response.complete)
            obs.awaits[step.label] = response.complete
            obs.trace.note(f"await {step.label}: {'met' if response.complete else 'not met'}")
        elif isinstance(step, AwaitElements):
            count = step.count
            until = min(deadline, loop.time() + self.await_window)
            await conn.wait(until, lambda: response.elements() >= count)
            met = response.elements() >= count
            obs.awaits[step.label] = met
            obs.trace.note(f"await {step.label}: {'met' if met else 'not met'}")

    # ------------------------------------------------------------------------ liveness

    async def liveness(self) -> tuple[Judgment, WireTrace]:
        """A plain call that must be answered correctly."""
        obs, _ = await self.exchange(self.liveness_case.target, self.liveness_case.steps)
        return judge(self.liveness_case, obs), obs.trace

    async def checked_liveness(self) -> Judgment:
        """Liveness with evidence; a managed server that failed it is restarted."""
        live, trace = await self.liveness()
        if not live.failed:
            return live
        note = await self.endpoint.recover("stopped answering")
        extra = {"trace": clip_trace(trace)}
        detail = live.detail + (f"; {note}" if note else "")
        return Judgment(live.verdicts, detail, live.reading, extra)

    # ------------------------------------------------------------------------ cases

    async def run_case(self, case: ServerCase) -> CaseRun:
        start = time.monotonic()
        during: Judgment | None = None
        try:
            if case.stall:
                obs, during = await asyncio.wait_for(
                    self.exchange(case.target, case.steps, stall=True,
                                  during_stall=self.checked_liveness),
                    self.timeout * 2 + CASE_SLACK_S)
            else:
                obs, _ = await asyncio.wait_for(
                    self.exchange(case.target, case.steps), self.timeout + CASE_SLACK_S)
        except asyncio.TimeoutError:
            return CaseRun(case, both(Verdict.FAIL, "suite-side timeout (a bug in the suite)"),
                           time.monotonic() - start)
        judgment = _judge_stall(case, obs, during) if case.stall else judge(case, obs)
        if case.liveness_after:
            # A server process that died during the case crashed on it: that fails the case
            # even though the restarted server then passes the liveness call.
            crash = await self.endpoint.recover("")
            live = await self.checked_liveness()
            judgment = with_liveness(judgment, live)
            if crash:
                judgment = Judgment({p: Verdict.FAIL for p in Profile},
                                    f"server crashed on this case: {crash} (case itself: "
                                    f"{judgment.detail})", judgment.reading, judgment.extra)
        failed = judgment.failed
        return CaseRun(
            case, judgment, time.monotonic() - start,
            clip_trace(obs.trace) if failed else None,
            obs.trace.render(TRACE_DUMP_BYTES) if failed else None,
        )

    async def run(
        self,
        cases: Sequence[AnyCase],
        on_done: Callable[[CaseRun], None],
        scripts: Callable[[RoleRunner, ScriptCase], Awaitable[Judgment]],
    ) -> None:
        pool = [c for c in cases if isinstance(c, ServerCase) and not c.liveness_after]
        rest = [c for c in cases if not (isinstance(c, ServerCase) and not c.liveness_after)]
        gate = asyncio.Semaphore(self.concurrency)

        async def one(case: ServerCase) -> None:
            async with gate:
                run = await self.run_case(case)
                if run.judgment.failed:
                    note = await self.endpoint.recover("")
                    if note:
                        run = CaseRun(run.case, _noted(run.judgment, note), run.duration_s,
                                      run.trace, run.trace_text)
                on_done(run)

        await asyncio.gather(*(one(c) for c in pool))
        await self.endpoint.recover("")
        ordered = sorted(rest, key=lambda c: isinstance(c, ServerCase))
        for case in ordered:
            if isinstance(case, ServerCase):
                on_done(await self.run_case(case))
            else:
                on_done(await self._run_script(case, scripts))

    async def _run_script(
        self, case: ScriptCase, scripts: Callable[[RoleRunner, ScriptCase], Awaitable[Judgment]]
    ) -> CaseRun:
        start = time.monotonic()
        judgment = await scripts(self, case)
        if case.liveness_after:
            judgment = with_liveness(judgment, await self.checked_liveness())
        return CaseRun(case, judgment, time.monotonic() - start,
                       judgment.extra.get("trace") if judgment.failed else None)


def _noted(judgment: Judgment, note: str) -> Judgment:
    return Judgment(judgment.verdicts, f"{judgment.detail}; {note}", judgment.reading,
                    judgment.extra)


STALL_CLOSED = "server-closed-stalled-connection"
STALL_KEPT = "server-kept-stalled-connection-open"


def _judge_stall(case: ServerCase, obs: Observation, during: Judgment | None) -> Judgment:
    """A stalled client must not keep the server from answering others (wrpc.md §1: one
    connection per invocation); the stalled call itself must not get complete results."""
    if obs.connect_error is not None:
        return both(Verdict.FAIL, f"could not connect: {obs.connect_error}")
    reading = STALL_CLOSED if obs.end is not None else STALL_KEPT
    if obs.response.complete and obs.response.problem() is None:
        return both(Verdict.FAIL, f"answered a call whose input is incomplete ({case.summary})",
                    reading)
    if during is not None and during.failed:
        return Judgment(
            {p: Verdict.FAIL for p in Profile},
            f"while a client stalled ({case.summary}), another call failed: {during.detail}",
            reading,
            {f"liveness_{k}": v for k, v in during.extra.items()},
        )
    return both(Verdict.PASS, f"other calls served while stalled; {reading}", reading)
