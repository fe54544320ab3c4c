"""The invocation-level rules (wrpc.md §1, §3) that ``wasmnet_reference.rules.Rule`` does not
name yet, and the exceptions of the wRPC client and server.

``WrpcRule`` mirrors ``Rule`` (``id``, ``error_class``, ``citation``) so reports can treat both
alike; ``AnyRule`` is either. Codec and framing faults keep their ``Rule`` (``WireError``);
faults of the invocation protocol itself (paths, end markers, the root tuple) use ``WrpcRule``
(``WrpcError``).
"""

from __future__ import annotations

import enum

from wasmnet_reference.errors import WireError, WitError
from wasmnet_reference.rules import ErrorClass, Rule


class WrpcRule(enum.Enum):
    """(rule id, error class, citation) of an invocation-level rule."""

    UNKNOWN_FUNCTION = (
        "wrpc.unknown-function", "unknown-function",
        "wrpc.md §1: a call to a function the server does not serve fails; the server closes "
        "the connection (no in-band errors)",
    )
    UNKNOWN_PATH = (
        "wrpc.unknown-path", "unknown-path",
        "wrpc.md §3: a non-root path carries only the data of a pending future or stream at "
        "that path",
    )
    STREAM_DATA_AFTER_END = (
        "wrpc.stream-data-after-end", "data-after-end",
        "wrpc.md §3: each stream MUST finish with an empty list<T>; no data follows it",
    )
    FUTURE_DATA_AFTER_VALUE = (
        "wrpc.future-data-after-value", "data-after-end",
        "wrpc.md §3: a pending future's value is sent once, as T on the future's path",
    )
    ROOT_TRAILING_BYTES = (
        "wrpc.root-trailing-bytes", ErrorClass.TRAILING_BYTES.value,
        "wrpc.md §3: the root channel carries exactly the parameter (result) tuple",
    )
    ASYNC_INCOMPLETE = (
        "wrpc.async-incomplete", ErrorClass.TRUNCATED.value,
        "wrpc.md §3: the stream ended before a pending future's value or a pending stream's "
        "end marker (an empty list<T>)",
    )
    LIMIT_ASYNC_VALUES = (
        "limit.async-values", ErrorClass.LIMIT_EXCEEDED.value,
        "robustness (wrpc.md §2: a robust peer bounds what it reads): pending futures and "
        "streams per direction of one invocation",
    )
    LIMIT_EARLY_DATA = (
        "limit.early-async-data", ErrorClass.LIMIT_EXCEEDED.value,
        "robustness: async data that arrives before the root value is complete is buffered "
        "up to max_buffered_bytes",
    )
    IDLE_TIMEOUT = (
        "limit.idle-timeout", ErrorClass.LIMIT_EXCEEDED.value,
        "robustness: every read and write is bounded in time (idle_timeout without progress "
        "closes the invocation)",
    )

    @property
    def id(self) -> str:
        return str(self.value[0])

    @property
    def error_class(self) -> str:
        return str(self.value[1])

    @property
    def citation(self) -> str:
        return str(self.value[2])


AnyRule = Rule | WrpcRule


class WrpcError(Exception):
    """Received bytes break an invocation-level rule. ``rule`` says which one; ``path`` is the
    frame path concerned, if any."""

    def __init__(self, rule: WrpcRule, detail: str = "", path: tuple[int, ...] | None = None):
        self.rule = rule
        self.detail = detail
        self.path = path
        where = "" if path is None else f" on path {list(path)}"
        super().__init__(f"{rule.id}{where}: {detail or rule.citation}")


RuleError = WireError | WrpcError
"""A rejection of received bytes: codec/framing (``WireError``) or invocation (``WrpcError``)."""


class UnsupportedSignature(WitError):
    """A function signature the reference cannot serve or call: a future or stream nested inside
    a stream's elements or a future's value (their path is not written down, wrpc.md §3)."""


class InvocationFailed(Exception):
    """A call failed: the peer closed early, sent malformed data, timed out or reset the
    connection (wrpc.md §1: failures show up only as a closed connection). ``rule`` names the
    broken rule when received bytes were malformed or incomplete."""

    def __init__(self, reason: str, rule: AnyRule | None = None) -> None:
        self.reason = reason
        self.rule = rule
        super().__init__(reason if rule is None else f"{reason} [{rule.id}]")


class UnixSocketsUnavailable(OSError):
    """AF_UNIX is not available on this OS (or in this event loop)."""


def rule_of(error: BaseException) -> AnyRule | None:
    """The rule an exception names, if any."""
    rule = getattr(error, "rule", None)
    return rule if isinstance(rule, (Rule, WrpcRule)) else None
