"""Differential targets: the reference against another implementation through the codec testee
protocol (docs/testee-protocol.md), judged as the conformance suite judges.

The peer is the command in ``$WASMNET_FUZZ_PEER`` (split like a shell would); without it, the
reference testee itself (a self-check of the protocol path: WAVE text, hex, JSON types). Each
input becomes the vector ``vectorize.py`` writes for it (the reference's answer, with the
ambiguities classified), the peer gets the matching request, and the conformance judge decides:
a lenient-profile failure, or a peer that does not answer, is a finding. So a finding here is
exactly what the recorded vector then fails in a conformance run.

- ``diff_value``: typed input (``typecode ++ bytes``): ``decode-value``, and ``encode-value``
  when the bytes are a canonical valid encoding;
- ``diff_frames``: frame input (mode byte ++ stream): ``decode-frames``.
"""

from __future__ import annotations

import atexit
import os
import shlex
import sys
from typing import Any

from wasmnet_conformance.codec.cases import Case, Op, is_encode_checked
from wasmnet_conformance.codec.judge import judge
from wasmnet_conformance.codec.session import NoAnswer, TesteeSession
from wasmnet_conformance.codec.vectors import AnyVector, ValueVector, vector_from_json
from wasmnet_conformance.results import Verdict
from wasmnet_fuzz.common import InvariantViolation
from wasmnet_fuzz.targets.frames import split_mode
from wasmnet_fuzz.typecode import split_input
from wasmnet_fuzz.vectorize import frames_vector, value_vector

PEER_ENV = "WASMNET_FUZZ_PEER"
PEER_TIMEOUT_S = 10.0
_FILE, _GROUP = "fuzz", "differential"

_session: TesteeSession | None = None


def peer_command() -> list[str]:
    """The peer testee's command line."""
    text = os.environ.get(PEER_ENV)
    if text:
        return shlex.split(text)
    return [sys.executable, "-m", "wasmnet_reference.testee"]


def _peer() -> TesteeSession:
    global _session
    if _session is None:
        _session = TesteeSession(peer_command(), start_timeout=PEER_TIMEOUT_S)
        atexit.register(close_peer)
    _session.ensure_started()
    return _session


def close_peer() -> None:
    global _session
    if _session is not None:
        _session.close()
        _session = None


def as_case_vector(raw: dict[str, Any]) -> AnyVector:
    """A vector dict as the conformance runner's record of it."""
    return vector_from_json(raw, _FILE, _GROUP, "fuzz input")


def _ask(case: Case) -> None:
    session = _peer()
    hello = session.hello
    if hello is not None and case.op.value not in hello.ops:
        return  # the peer does not offer this op: nothing to compare
    reply = session.ask(case.request(), PEER_TIMEOUT_S)
    if isinstance(reply, NoAnswer):
        raise InvariantViolation("peer-no-answer", reply.reason, rule=case.vector.rule)
    verdict = judge(case, reply)
    if verdict.lenient is Verdict.FAIL:
        raise InvariantViolation(f"peer-{case.op.value}", verdict.detail, rule=case.vector.rule)


def diff_value(data: bytes) -> None:
    ty, raw = split_input(data)
    vector = as_case_vector(value_vector("fuzz.diff.value", ty, raw))
    _ask(Case(Op.DECODE_VALUE, vector))
    if isinstance(vector, ValueVector) and is_encode_checked(vector):
        _ask(Case(Op.ENCODE_VALUE, vector))


def diff_frames(data: bytes) -> None:
    if not data:
        return
    header, stream = split_mode(data)
    _ask(Case(Op.DECODE_FRAMES, as_case_vector(frames_vector("fuzz.diff.frames", stream,
                                                               header=header))))
