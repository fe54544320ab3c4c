"""What the sans-IO invocation machines report about received bytes (wrpc.md §1-§3).

Order: ``HeaderReceived`` (server only), ``ValuesReceived`` once the root value is complete,
then per path ``FutureReady`` / ``StreamChunk`` ... ``StreamEnded``; ``InputComplete`` once the
root value and every pending future and stream are complete; ``InputClosed`` at the peer's
end-of-stream after that. ``Failed`` ends the input: nothing follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wasmnet_reference.framing.events import Path
from wasmnet_reference.values import Value
from wasmnet_reference.wrpc.errors import RuleError
from wasmnet_reference.wrpc.signature import Signature


@dataclass(frozen=True)
class HeaderReceived:
    """The client's header named a served function (the server looked it up)."""

    instance: str
    function: str
    signature: Signature


@dataclass(frozen=True)
class ValuesReceived:
    """The root value: parameters (server) or results (client) as a tuple, each pending future
    or stream replaced by an ``AsyncSlot`` whose data follows on its path."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class FutureReady:
    """A pending future's value arrived on its path."""

    path: Path
    value: Value


@dataclass(frozen=True)
class StreamChunk:
    """A non-empty chunk of a pending stream: its elements, and its size in wire bytes."""

    path: Path
    items: list[Value]
    size: int


@dataclass(frozen=True)
class StreamEnded:
    """A pending stream's end marker (an empty ``list<T>``) arrived."""

    path: Path


@dataclass(frozen=True)
class InputComplete:
    """The root value and all pending async data have arrived."""


@dataclass(frozen=True)
class InputClosed:
    """The peer half-closed after complete input."""


@dataclass(frozen=True)
class Failed:
    """Received bytes broke a rule (``error.rule``), or the input ended early. Terminal."""

    error: RuleError


Event = (
    HeaderReceived
    | ValuesReceived
    | FutureReady
    | StreamChunk
    | StreamEnded
    | InputComplete
    | InputClosed
    | Failed
)
