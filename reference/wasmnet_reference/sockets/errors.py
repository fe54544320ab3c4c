"""The wasi:sockets ``error-code`` enum and the wasi:io ``stream-error`` cases, as the model
names them (the probe prints the same kebab-case names).

Why a module of its own: the discriminants and the five always-possible codes are facts of the
spec (wasi-sockets.md §3) that tests and the suite check against, independent of the model.
"""

from __future__ import annotations

import enum


class ErrorCode(str, enum.Enum):
    """``wasi:sockets/network.error-code``; member order is WIT order (wasi-sockets.md §3)."""

    UNKNOWN = "unknown"
    ACCESS_DENIED = "access-denied"
    NOT_SUPPORTED = "not-supported"
    INVALID_ARGUMENT = "invalid-argument"
    OUT_OF_MEMORY = "out-of-memory"
    TIMEOUT = "timeout"
    CONCURRENCY_CONFLICT = "concurrency-conflict"
    NOT_IN_PROGRESS = "not-in-progress"
    WOULD_BLOCK = "would-block"
    INVALID_STATE = "invalid-state"
    NEW_SOCKET_LIMIT = "new-socket-limit"
    ADDRESS_NOT_BINDABLE = "address-not-bindable"
    ADDRESS_IN_USE = "address-in-use"
    REMOTE_UNREACHABLE = "remote-unreachable"
    CONNECTION_REFUSED = "connection-refused"
    CONNECTION_RESET = "connection-reset"
    CONNECTION_ABORTED = "connection-aborted"
    DATAGRAM_TOO_LARGE = "datagram-too-large"
    NAME_UNRESOLVABLE = "name-unresolvable"
    TEMPORARY_RESOLVER_FAILURE = "temporary-resolver-failure"
    PERMANENT_RESOLVER_FAILURE = "permanent-resolver-failure"

    @property
    def discriminant(self) -> int:
        """The case index on the wire (position in the WIT enum)."""
        return _ORDER.index(self)


_ORDER: tuple[ErrorCode, ...] = tuple(ErrorCode)

ALWAYS_POSSIBLE: frozenset[ErrorCode] = frozenset({
    ErrorCode.UNKNOWN,
    ErrorCode.ACCESS_DENIED,
    ErrorCode.NOT_SUPPORTED,
    ErrorCode.OUT_OF_MEMORY,
    ErrorCode.CONCURRENCY_CONFLICT,
})
"""Codes any function may return (wasi-sockets.md §3): the tolerant profile accepts them."""

CONNECTION_FAILURES: frozenset[ErrorCode] = frozenset({
    ErrorCode.CONNECTION_REFUSED,
    ErrorCode.CONNECTION_RESET,
    ErrorCode.CONNECTION_ABORTED,
    ErrorCode.TIMEOUT,
    ErrorCode.REMOTE_UNREACHABLE,
})
"""A failed connection attempt (not an argument rejection): always ends in ``closed`` (§5.1)."""

RESOLVER_FAILURES: frozenset[ErrorCode] = frozenset({
    ErrorCode.NAME_UNRESOLVABLE,
    ErrorCode.TEMPORARY_RESOLVER_FAILURE,
    ErrorCode.PERMANENT_RESOLVER_FAILURE,
})
"""Documented lookup outcomes for names that depend on the host resolver (§8)."""


class StreamError(str, enum.Enum):
    """``wasi:io/streams.stream-error`` cases (the payload of last-operation-failed is dropped)."""

    CLOSED = "closed"
    LAST_OPERATION_FAILED = "last-operation-failed"


ERROR_NAMES: frozenset[str] = frozenset(c.value for c in ErrorCode)
STREAM_ERROR_NAMES: frozenset[str] = frozenset(c.value for c in StreamError)
