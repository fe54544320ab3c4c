"""Sans-IO state machines of one wRPC invocation (wrpc.md §1-§3): no sockets, no asyncio.

One invocation is one bidirectional byte stream. Client to server: version ``00``, instance
name, function name, frames; server to client: frames only. The root path carries the
parameter tuple (client) or the result tuple (server); pending futures and streams carry their
data on their own paths (``paths.py``).

Both machines are fed received bytes (``receive``, ``receive_eof``) and return events
(``events.py``); they produce the bytes to send (``send_results``/``start``, ``send_future``,
``send_chunk``, ``send_end``). The transport shell writes those bytes, half-closes its write
side once ``sending_done``, and closes the connection on a ``Failed`` event.

Example, the captured hello call (wrpc.md §2)::

    client = ClientInvocation("wrpc-examples:hello/handler", "hello",
                              Signature((), (Prim.STRING,)), ())
    client.start()  # 00 1b "wrpc-examples:hello/handler" 05 "hello" 00 00
    client.receive(b"\\x00\\x10\\x0fhello from Rust")  # [ValuesReceived(("hello from Rust",)),
                                                      #  InputComplete()]
    client.receive_eof()                              # [InputClosed()]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wasmnet_reference.framing.events import Header, Path
from wasmnet_reference.framing.header import encode_header
from wasmnet_reference.values import Value
from wasmnet_reference.wit.types import WitType
from wasmnet_reference.wrpc.errors import RuleError, WrpcError, WrpcRule
from wasmnet_reference.wrpc.events import Event, HeaderReceived
from wasmnet_reference.wrpc.inbound import Inbound
from wasmnet_reference.wrpc.limits import DEFAULT_WRPC_LIMITS, WrpcLimits
from wasmnet_reference.wrpc.outbound import Outbound
from wasmnet_reference.wrpc.paths import AsyncType, PayloadPathReading
from wasmnet_reference.wrpc.signature import Signature

Lookup = Callable[[str, str], "Signature | None"]
"""``lookup(instance, function)``: the signature of a served function, ``None`` if unknown."""


class _Endpoint:
    """What both ends share: one inbound and one outbound direction."""

    _inbound: Inbound
    _outbound: Outbound

    def receive(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Events for received ``data`` (any split of the stream). Never raises for peer
        input: a broken rule is a final ``Failed`` event."""
        return self._inbound.receive(data)

    def receive_eof(self) -> list[Event]:
        """The peer half-closed: ``InputClosed``, or ``Failed`` if input was incomplete."""
        return self._inbound.receive_eof()

    @property
    def error(self) -> RuleError | None:
        """The rule the received bytes broke, once ``Failed`` was reported."""
        return self._inbound.error

    @property
    def receiving_complete(self) -> bool:
        """The root value and all pending async input have arrived."""
        return self._inbound.complete

    @property
    def receiving_closed(self) -> bool:
        """The peer half-closed after complete input."""
        return self._inbound.closed

    @property
    def open_inbound_paths(self) -> frozenset[Path]:
        return self._inbound.open_paths

    @property
    def open_outbound_paths(self) -> dict[Path, AsyncType]:
        return self._outbound.open_paths

    @property
    def sending_done(self) -> bool:
        """Root and all async output are sent: half-close now (wrpc.md §1)."""
        return self._outbound.done

    def send_future(self, path: Path, value: Value) -> bytes:
        return self._outbound.send_future(path, value)

    def send_chunk(self, path: Path, items: list[Value]) -> bytes:
        return self._outbound.send_chunk(path, items)

    def send_end(self, path: Path) -> bytes:
        return self._outbound.send_end(path)


class ServerInvocation(_Endpoint):
    """The server's side: receives the header and parameters, sends results."""

    def __init__(
        self,
        lookup: Lookup,
        limits: WrpcLimits = DEFAULT_WRPC_LIMITS,
        payload_paths: PayloadPathReading = PayloadPathReading.UPSTREAM,
    ) -> None:
        self._lookup = lookup
        self.header: Header | None = None
        self.signature: Signature | None = None
        self._inbound = Inbound(limits, payload_paths, on_header=self._on_header)
        self._outbound = Outbound(limits, payload_paths)

    def _on_header(self, header: Header) -> tuple[Event, tuple[WitType, ...]]:
        self.header = header
        signature = self._lookup(header.instance, header.function)
        if signature is None:
            raise WrpcError(
                WrpcRule.UNKNOWN_FUNCTION,
                f"no function {header.function!r} in instance {header.instance!r}",
            )
        self.signature = signature
        return HeaderReceived(header.instance, header.function, signature), signature.params

    def send_results(self, results: Sequence[Any]) -> bytes:
        """The result tuple (empty, or the one result) with ``PENDING``/``Ready`` at async
        positions. No result sends no root frame (wrpc.md §3)."""
        if self.signature is None:
            raise RuntimeError("no function was called yet")
        return self._outbound.open_root(results, self.signature.results, empty_frame=False)


class ClientInvocation(_Endpoint):
    """The client's side: sends the header and parameters, receives results.

    ``params`` hold ``PENDING`` where the data of a future or stream follows on its path, or
    ``Ready(...)`` for a value complete on the root. They are encoded here, so a value that
    does not fit the signature raises ``EncodeError`` before anything is sent.
    """

    def __init__(
        self,
        instance: str,
        function: str,
        signature: Signature,
        params: Sequence[Any],
        limits: WrpcLimits = DEFAULT_WRPC_LIMITS,
        payload_paths: PayloadPathReading = PayloadPathReading.UPSTREAM,
    ) -> None:
        self.instance = instance
        self.function = function
        self.signature = signature
        self._outbound = Outbound(limits, payload_paths)
        root = self._outbound.open_root(params, signature.params, empty_frame=True)
        self._initial: bytes | None = encode_header(instance, function) + root
        self._inbound = Inbound(limits, payload_paths, types=signature.results)

    def start(self) -> bytes:
        """The first bytes to send: header and root frame (always present, ``00 00`` for no
        parameters, as the upstream client does)."""
        if self._initial is None:
            raise RuntimeError("start() was already called")
        data, self._initial = self._initial, None
        return data
