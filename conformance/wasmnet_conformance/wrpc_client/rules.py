"""The rules the client-role cases check, each with the citation it comes from.

Case IDs are ``wrpc-client.<group>.<name>``; every case names one of these rules (or, for cases
built from a golden vector, the vector's codec rule from ``wasmnet_reference.rules``).
Citations: ``wrpc.md §N`` is ../shared/specs/wrpc.md; ``contract`` is
docs/wrpc-client-contract.md.
"""

from __future__ import annotations

import enum


class ClientRule(enum.Enum):
    """(rule id, citation)."""

    REQUEST_HEADER = (
        "client.request.header",
        "wrpc.md §2: the client stream starts with version byte 00, name(instance), "
        "name(function) (function without [method]/[static]/[constructor])",
    )
    REQUEST_PARAMS = (
        "client.request.params",
        "wrpc.md §3, §4: parameters are the values in declaration order, component-model "
        "encoded; futures/streams as pending markers with data on their own paths",
    )
    REQUEST_HALF_CLOSE = (
        "client.request.half-close",
        "wrpc.md §1: the client MUST shut down its write side once parameters and all async "
        "parameter data are sent",
    )
    REQUEST_ONE_CONNECTION = (
        "client.request.one-connection",
        "wrpc.md §1: TCP and Unix sockets: one new connection per invocation; contract: the "
        "client makes exactly one invocation",
    )
    RESULT_FRAMES = (
        "client.result.frame-boundaries",
        "wrpc.md §2: frame boundaries carry no meaning; a value may be split across frames and "
        "one frame may hold several values; transport reads may split anywhere",
    )
    RESULT_LEB_LENGTHS = (
        "client.result.overlong-frame-lengths",
        "wrpc.md §2, §4: frame lengths are uleb32 (core:u32); non-minimal encodings within 5 "
        "bytes are valid",
    )
    RESULT_INVALID_FRAME = (
        "client.result.invalid-frame",
        "wrpc.md §2, §4: a frame head whose uleb32 breaks core:u32 is not a frame; the call fails",
    )
    RESULT_STREAM = (
        "client.result.stream",
        "wrpc.md §3: a pending stream's data is list<T> chunks on its path; each stream MUST "
        "finish with an empty list<T>",
    )
    RESULT_FUTURE = (
        "client.result.future",
        "wrpc.md §3: a future is 00 pending (value T follows on its path) or 01 ++ T",
    )
    RESULT_NO_RESULTS = (
        "client.result.no-results",
        "wrpc.md §3: a function with no results may send no root frame at all; completion is "
        "then the server's end-of-stream",
    )
    RESULT_EARLY_CLOSE = (
        "client.result.early-close",
        "wrpc.md §1: no in-band error channel: the server closing before complete results "
        "arrive is a failed call (contract: exit 1)",
    )
    RESULT_TIMEOUT = (
        "client.result.timeout",
        "contract: a client honours WASMNET_CLIENT_TIMEOUT and reports a silent server as a "
        "failed call (exit 1) instead of waiting forever",
    )
    RESULT_TRAILING = (
        "client.result.unclaimed-bytes",
        "wrpc.md §3: results are exactly the values in declaration order and each async "
        "value's data; strict reading: bytes no value accounts for (after the results, on an "
        "unknown path, after a stream's end) make the result malformed",
    )
    RESULT_ANSWER_BEFORE_EOF = (
        "client.result.answer-before-eof",
        "wrpc.md §1: each direction is closed on its own; a server may answer before it has "
        "seen the client's end-of-stream",
    )
    CONTRACT_ARGUMENTS = (
        "client.contract.arguments",
        "contract: every word after FUNCTION is one WAVE argument, also one that starts "
        "with '-' (-1, -inf)",
    )
    CONTRACT_USAGE = (
        "client.contract.usage",
        "contract: an argument that is not WAVE of its parameter type is a usage error "
        "(exit 2) and no connection is made",
    )

    @property
    def id(self) -> str:
        return str(self.value[0])

    @property
    def citation(self) -> str:
        return str(self.value[1])
