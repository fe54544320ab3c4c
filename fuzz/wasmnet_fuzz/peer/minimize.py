"""Shrinking a finding while the same behaviour class reproduces: first one transport write,
then whole frames dropped, then delta debugging over bytes. Bounded in attempts and time; every
attempt is a real exchange with the server (restarted first if the last one killed it)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from wasmnet_fuzz.peer.behaviour import Cls
from wasmnet_fuzz.peer.inputs import PeerInput
from wasmnet_fuzz.structure import StreamFormat

MAX_ATTEMPTS = 300
MAX_SECONDS = 25.0

Reproduce = Callable[[PeerInput], Awaitable[Cls]]


class Minimizer:
    def __init__(self, reproduce: Reproduce, fmt: StreamFormat, *,
                 attempts: int = MAX_ATTEMPTS, seconds: float = MAX_SECONDS) -> None:
        self.reproduce = reproduce
        self.format = fmt
        self.attempts_left = attempts
        self.deadline = time.monotonic() + seconds
        self.attempts = 0

    def _spent(self) -> bool:
        return self.attempts_left <= 0 or time.monotonic() > self.deadline

    async def _holds(self, cand: PeerInput, want: Cls) -> bool:
        if self._spent():
            return False
        self.attempts_left -= 1
        self.attempts += 1
        return await self.reproduce(cand) is want

    async def run(self, inp: PeerInput, want: Cls) -> PeerInput:
        best = inp
        if best.cuts and await self._holds(PeerInput(best.data), want):
            best = PeerInput(best.data)
        best = await self._frames(best, want)
        return await self._bytes(best, want)

    async def _frames(self, best: PeerInput, want: Cls) -> PeerInput:
        doc = self.format.parse(best.data)
        if doc.header is None:
            return best
        if doc.tail:
            doc.tail = b""
            cand = PeerInput(doc.encode(), best.cuts)
            if await self._holds(cand, want):
                best = cand
            else:
                doc = self.format.parse(best.data)
        i = len(doc.frames) - 1
        while i >= 0 and not self._spent():
            kept = doc.frames.pop(i)
            cand = PeerInput(doc.encode())
            if await self._holds(cand, want):
                best = cand
            else:
                doc.frames.insert(i, kept)
            i -= 1
        return best

    async def _bytes(self, best: PeerInput, want: Cls) -> PeerInput:
        data = best.data
        n = 2
        while len(data) >= 2 and not self._spent():
            chunk = -(-len(data) // n)
            removed = False
            for start in range(0, len(data), chunk):
                cand = data[:start] + data[start + chunk :]
                if cand and await self._holds(PeerInput(cand), want):
                    data, removed = cand, True
                    n = max(n - 1, 2)
                    break
                if self._spent():
                    break
            if not removed:
                if n >= len(data):
                    break
                n = min(2 * n, len(data))
        return PeerInput(data) if data != best.data else best
