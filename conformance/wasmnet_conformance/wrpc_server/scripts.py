"""Multi-connection cases: many calls at once or in a row, the server's descriptor count across
calls, and a resource's state across calls."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence

from wasmnet_conformance.results import Verdict
from wasmnet_conformance.wrpc_server.cases.common import sent_whole
from wasmnet_conformance.wrpc_server.judge import Judgment, both, judge, show
from wasmnet_conformance.wrpc_server.model import Expect, Kind, ScriptCase, ServerCase
from wasmnet_conformance.wrpc_server.request import Target, call, params_bytes
from wasmnet_conformance.wrpc_server.runner import RoleRunner, clip_trace
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.values import Handle, Value, values_equal

FD_SETTLE_S = 0.3
"""Time the server gets to release closed connections before descriptors are counted again."""
LEAK_FRACTION = 2
"""A growth of at least calls / LEAK_FRACTION descriptors is a leak (one per call, roughly)."""


class CallFailed(Exception):
    """One call of a script did not return the expected result."""

    def __init__(self, what: str, judgment: Judgment) -> None:
        super().__init__(f"{what}: {judgment.detail}")
        self.judgment = judgment


async def call_expect(
    runner: RoleRunner, target: Target, args: Sequence[Value], expected: Value | None,
    what: str,
) -> Value:
    """Call ``target`` with ``args``; return the results (which must equal ``expected``
    unless it is None: then any complete results)."""
    steps = sent_whole(call(target, params_bytes(target, args)))
    obs, _ = await runner.exchange(target, steps)
    values: tuple[Value, ...] = (expected,) if expected is not None else ()
    case = ServerCase(what, "script", "", what, target, steps, Expect(Kind.VALID, values))
    if expected is None:
        response = obs.response
        if response.complete and response.problem() is None and obs.end is not None:
            return response.value
    j = judge(case, obs)
    if j.failed:
        raise CallFailed(what, Judgment(j.verdicts, j.detail, j.reading,
                                        {"trace": clip_trace(obs.trace)}))
    return obs.response.value


class Scripts:
    """The scripts by name, bound to the world's functions."""

    def __init__(self, world: World) -> None:
        self.probe = world.target("echo", "echo-u32")
        self.counter = world.target("resources", "counter")
        self.get = world.target("resources", "counter.get")
        self.increment = world.target("resources", "counter.increment")

    async def __call__(self, runner: RoleRunner, case: ScriptCase) -> Judgment:
        handler = {
            "concurrent": self.concurrent,
            "sequential": self.sequential,
            "fd-leak": self.fd_leak,
            "counter-lifecycle": self.counter_lifecycle,
            "counter-independent": self.counter_independent,
        }[case.script]
        try:
            return await handler(runner, case)
        except CallFailed as e:
            return Judgment(e.judgment.verdicts, f"{case.summary}: {e}", None, e.judgment.extra)

    async def concurrent(self, runner: RoleRunner, case: ScriptCase) -> Judgment:
        n = int(case.params["calls"])
        calls = [call_expect(runner, self.probe, [1000 + i], 1000 + i, f"call {i}")
                 for i in range(n)]
        # Every call runs to its end (no stray connection outlives the case), then the first
        # failure, if any, is the case's.
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return both(Verdict.PASS, f"{n} concurrent calls answered correctly")

    async def sequential(self, runner: RoleRunner, case: ScriptCase) -> Judgment:
        n = int(case.params["calls"])
        for i in range(n):
            await call_expect(runner, self.probe, [i], i, f"call {i + 1} of {n}")
        return both(Verdict.PASS, f"{n} calls in a row answered correctly")

    async def fd_leak(self, runner: RoleRunner, case: ScriptCase) -> Judgment:
        proc = runner.endpoint.process
        if proc is None or proc.open_fds() is None:
            where = "this OS has no /proc" if not sys.platform.startswith("linux") else (
                "the server was not started by the suite")
            return both(Verdict.SKIP, f"not available: counting a server's descriptors needs "
                        f"a server process started by the suite on Linux ({where})")
        n = int(case.params["calls"])
        await call_expect(runner, self.probe, [0], 0, "warm-up call")
        await asyncio.sleep(FD_SETTLE_S)
        before = proc.open_fds()
        for i in range(n):
            await call_expect(runner, self.probe, [i], i, f"call {i + 1} of {n}")
        await asyncio.sleep(FD_SETTLE_S)
        after = proc.open_fds()
        if before is None or after is None:
            return both(Verdict.SKIP, "not available: the server's descriptors became unreadable")
        grew = after - before
        detail = f"open descriptors {before} -> {after} across {n} calls"
        if grew >= n // LEAK_FRACTION:
            return both(Verdict.FAIL, f"leaks a connection per call: {detail}")
        return both(Verdict.PASS, detail)

    async def _new_counter(self, runner: RoleRunner, start: int) -> Handle:
        handle = await call_expect(runner, self.counter, [start], None, f"counter({start})")
        if not isinstance(handle, Handle):
            raise CallFailed("counter", both(Verdict.FAIL, f"not a handle: {handle!r}"))
        return handle

    async def counter_lifecycle(self, runner: RoleRunner, case: ScriptCase) -> Judgment:
        start = int(case.params["start"])
        handle = await self._new_counter(runner, start)
        await call_expect(runner, self.get, [handle], start, "get")
        await call_expect(runner, self.increment, [handle], start + 1, "increment")
        await call_expect(runner, self.get, [handle], start + 1, "get after increment")
        return both(Verdict.PASS, f"handle of {len(handle.data)} bytes; state kept across calls")

    async def counter_independent(self, runner: RoleRunner, case: ScriptCase) -> Judgment:
        start = int(case.params["start"])
        a = await self._new_counter(runner, start)
        b = await self._new_counter(runner, start)
        if values_equal(a, b):
            return both(Verdict.FAIL, f"two constructor calls returned the same handle "
                        f"{show(a, self.counter.function.result)}")
        wrapped = (start + 1) % (1 << 64)
        await call_expect(runner, self.increment, [a], wrapped, "increment a (mod 2^64)")
        await call_expect(runner, self.get, [b], start, "get b")
        return both(Verdict.PASS, "two counters, independent; increment wraps modulo 2^64")
