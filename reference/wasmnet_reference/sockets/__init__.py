"""An executable model of wasi:sockets 0.2 (spec notes: /work/shared/specs/wasi-sockets.md).

Pure Python, no I/O: given a script step and the model's state, the set of results the spec
allows (each with the rule's citation), the judgment of an observed result in the strict and
the tolerant profile, and the state after it. Entry points: :class:`SocketsModel` (step by
step) and :func:`judge_run` (a whole run).
"""

from __future__ import annotations

from .addresses import Family, SockAddr
from .errors import ALWAYS_POSSIBLE, ErrorCode, StreamError
from .judgment import Allowed, Observation, Pred, StepJudgment
from .model import CALLS, FINISHABLE, SocketsModel, judge_run, rule_count
from .rules import RULES, Level, SocketRule
from .state import HostFacts, TcpState, UdpState

__all__ = [
    "ALWAYS_POSSIBLE",
    "CALLS",
    "FINISHABLE",
    "RULES",
    "Allowed",
    "ErrorCode",
    "Family",
    "HostFacts",
    "Level",
    "Observation",
    "Pred",
    "SockAddr",
    "SocketRule",
    "SocketsModel",
    "StepJudgment",
    "StreamError",
    "TcpState",
    "UdpState",
    "judge_run",
    "rule_count",
]
