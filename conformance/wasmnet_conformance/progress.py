"""The progress line on stderr, for any part: it counts :class:`CaseRecord` outcomes.

On a terminal one line is rewritten in place (``\\r``); otherwise (CI logs, pipes) a plain line
is written whenever another 10 % of the cases is done or 2 s have passed since the last one,
so logs stay short but a slow testee still shows signs of life.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from typing import TextIO

from wasmnet_conformance.results import CaseRecord, Outcome, Profile

PLAIN_STEP_FRACTION = 0.10
PLAIN_INTERVAL_S = 2.0


class Progress:
    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        profile: Profile,
        tty: bool,
        label: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``label`` (part and target, say) starts every line."""
        self.total = total
        self.label = label
        self.stream = stream
        self.profile = profile
        self.tty = tty
        self.clock = clock
        self.done = 0
        self.counts: Counter[Outcome] = Counter()
        self._last_done = 0
        self._last_time = clock()

    def update(self, record: CaseRecord) -> None:
        self.done += 1
        self.counts[record.outcomes[self.profile]] += 1
        if self.tty:
            self._rewrite(f"{self.line()}  {record.id}")
            return
        now = self.clock()
        step = max(1, int(self.total * PLAIN_STEP_FRACTION))
        if (
            self.done - self._last_done >= step
            or now - self._last_time >= PLAIN_INTERVAL_S
            or self.done == self.total
        ):
            self.stream.write(self.line() + "\n")
            self.stream.flush()
            self._last_done, self._last_time = self.done, now

    def finish(self) -> None:
        if self.tty and self.done:
            self._rewrite(self.line())
            self.stream.write("\n")
            self.stream.flush()

    def _rewrite(self, text: str) -> None:
        width = max(20, shutil.get_terminal_size().columns - 1)
        self.stream.write("\r" + text[:width].ljust(width))
        self.stream.flush()

    def line(self) -> str:
        pct = 100 * self.done // self.total if self.total else 100
        counts = " ".join(f"{o.value} {self.counts[o]}" for o in Outcome if self.counts[o])
        label = f"{self.label} " if self.label else ""
        return f"[{label}{self.done}/{self.total} {pct:3d}%] {counts}"
