"""What a server did with one input, and the signature that tells behaviours apart (sans-IO).

Classes (wrpc.md §1: a failed call shows up only as the server closing the connection before
complete results arrive):

- ``answered``: complete results arrived;
- ``closed-early``: the server closed (FIN) before the results were complete (a failed call);
- ``reset``: the connection was reset or broke;
- ``flood``: the server sent more than the per-input byte bound;
- ``hang``: nothing of the above within the per-input timeout, although the client had
  half-closed (so the server knows no more input comes);
- ``crash``: the server process exited (when started by the fuzzer), or refused connections;
- ``liveness-lost``: the server is still there but a plain ``echo-u32`` call right after fails.

The signature is ``(class, detail hash)``. The detail is coarse on purpose, so the corpus keeps
one input per *kind* of behaviour rather than one per value: for ``answered`` the function, how
the result relates to what was sent (``echo`` of the decoded parameters, another value,
malformed) and whether it was canonical; for failures the function and how much arrived; for
crashes the exit status.
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass


class Cls(str, enum.Enum):
    ANSWERED = "answered"
    CLOSED_EARLY = "closed-early"
    RESET = "reset"
    FLOOD = "flood"
    HANG = "hang"
    CRASH = "crash"
    LIVENESS_LOST = "liveness-lost"


FINDING_CLASSES = frozenset({Cls.CRASH, Cls.HANG, Cls.LIVENESS_LOST})
"""Behaviours that are findings: no input may take a server down, stall it after the client's
end-of-stream, or leave it unable to serve the next call."""
FAILED_CALL = frozenset({Cls.CLOSED_EARLY, Cls.RESET})
"""Both are how a server fails a call (wrpc.md §1); which one a client sees can be a race."""


@dataclass(frozen=True)
class Behaviour:
    cls: Cls
    detail: str

    @property
    def signature(self) -> str:
        return f"{self.cls.value}:{hashlib.sha1(self.detail.encode()).hexdigest()[:10]}"

    @property
    def finding(self) -> bool:
        return self.cls in FINDING_CLASSES

    def text(self) -> str:
        return f"{self.cls.value} ({self.detail})"


@dataclass(frozen=True)
class Answer:
    """How a complete answer relates to the request."""

    echo: bool | None
    """The result equals the decoded parameters (None: the parameters did not decode or the
    function is no echo)."""
    canonical: bool
    fin: bool


def coarse(text: str, limit: int = 60) -> str:
    """An error message without numbers (offsets, lengths), so it names a kind."""
    return re.sub(r"\d+", "N", text)[:limit]


def answered(function: str, answer: Answer) -> Behaviour:
    relation = {True: "echo", False: "other-value", None: "value"}[answer.echo]
    shape = "canonical" if answer.canonical else "non-canonical"
    end = "fin" if answer.fin else "no-fin"
    return Behaviour(Cls.ANSWERED, f"{function}|{relation}|{shape}|{end}")


def malformed(function: str, problem: str) -> Behaviour:
    """Complete-looking bytes that break the framing or encoding rules: still an answer."""
    return Behaviour(Cls.ANSWERED, f"{function}|malformed|{coarse(problem)}")


def failed(cls: Cls, function: str, received: int) -> Behaviour:
    return Behaviour(cls, f"{function}|{'partial' if received else 'nothing'}")


def hang(function: str, received: int) -> Behaviour:
    return Behaviour(Cls.HANG, f"{function}|{'partial' if received else 'silent'}")


def crash(exit_code: int | None) -> Behaviour:
    if exit_code is None:
        return Behaviour(Cls.CRASH, "refused")
    if exit_code < 0:
        return Behaviour(Cls.CRASH, f"signal {-exit_code}")
    return Behaviour(Cls.CRASH, f"exit {exit_code}")


def liveness_lost(probe: Behaviour) -> Behaviour:
    return Behaviour(Cls.LIVENESS_LOST, f"probe {probe.cls.value}")
