"""Reading libFuzzer's own output (as atheris prints it), line by line.

The numbers in a campaign report come from here, not from our own counting: the ``#N`` status
lines (``INITED``, ``NEW``, ``REDUCE``, ``pulse``, ``DONE``: executions, ``cov:`` edges,
``ft:`` features, ``corp:`` units/bytes, ``exec/s:``), the ``stat::`` lines of
``-print_final_stats=1``, the seed, and the crash artifacts it writes.

libFuzzer's ``exec/s`` is executions over seconds since the process started, start-up and
corpus loading included. :attr:`LogState.sustained_exec_s` is the rate after ``INITED``: the
executions between the ``INITED`` line and the last status line over the wall-clock time
between their arrival.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_STATUS = re.compile(r"^#(\d+)\s+(\w+)\s+(.*)$")
_FIELD = re.compile(r"(cov|ft|exec/s|rss): (\d+)")
_CORP = re.compile(r"corp: (\d+)/(\d+)([bKMG]?)b?")
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)")
_SEED = re.compile(r"^INFO: Seed: (\d+)")
_ARTIFACT = re.compile(r"Test unit written to (\S+)")
_UNITS = {"": 1, "b": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


@dataclass
class LogState:
    execs: int = 0
    cov: int = 0
    ft: int = 0
    corpus_units: int = 0
    corpus_bytes: int = 0
    exec_s: int = 0
    """libFuzzer's exec/s on its last status line (a start-to-now average)."""
    seed: int | None = None
    inited: tuple[int, float] | None = None
    """(executions, arrival time) of the INITED line."""
    last: tuple[int, float] | None = None
    done: bool = False
    stats: dict[str, int] = field(default_factory=dict)
    artifacts: list[str] = field(default_factory=list)
    exception_lines: list[str] = field(default_factory=list)
    _in_exception: bool = False

    def feed(self, line: str, when: float) -> None:
        line = line.rstrip("\r\n")
        if self._in_exception:
            if line.startswith("==") or line.startswith("MS:") or not line.strip():
                self._in_exception = False
            else:
                self.exception_lines.append(line)
        if "Uncaught Python exception" in line:
            self._in_exception = True
            return
        status = _STATUS.match(line)
        if status:
            self._status(int(status.group(1)), status.group(2), status.group(3), when)
            return
        stat = _STAT.match(line)
        if stat:
            self.stats[stat.group(1)] = int(stat.group(2))
            return
        seed = _SEED.match(line)
        if seed:
            self.seed = int(seed.group(1))
            return
        artifact = _ARTIFACT.search(line)
        if artifact:
            self.artifacts.append(artifact.group(1))

    def _status(self, execs: int, kind: str, rest: str, when: float) -> None:
        self.execs = max(self.execs, execs)
        for name, value in _FIELD.findall(rest):
            if name == "cov":
                self.cov = int(value)
            elif name == "ft":
                self.ft = int(value)
            elif name == "exec/s":
                self.exec_s = int(value)
        corp = _CORP.search(rest)
        if corp:
            self.corpus_units = int(corp.group(1))
            self.corpus_bytes = int(corp.group(2)) * _UNITS[corp.group(3)]
        if kind == "INITED":
            self.inited = (execs, when)
        elif kind == "DONE":
            self.done = True
        self.last = (execs, when)

    @property
    def average_exec_s(self) -> int:
        """libFuzzer's own final figure (``stat::average_exec_per_sec``), else its last one."""
        return self.stats.get("average_exec_per_sec", self.exec_s)

    @property
    def sustained_exec_s(self) -> float | None:
        if self.inited is None or self.last is None:
            return None
        runs = self.last[0] - self.inited[0]
        seconds = self.last[1] - self.inited[1]
        return runs / seconds if seconds > 0.5 and runs > 0 else None
