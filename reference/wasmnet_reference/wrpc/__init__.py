"""The reference wRPC client and server (wrpc.md §1-§3) over TCP and Unix sockets.

Layers:

- sans-IO (no sockets, no asyncio): ``invocation.py`` (``ServerInvocation``,
  ``ClientInvocation``) built on ``inbound.py`` / ``outbound.py``, with ``paths.py`` (where
  async data travels, ``PayloadPathReading``), ``signature.py``, ``events.py``, ``errors.py``
  (``WrpcRule``), ``limits.py`` (``WrpcLimits``);
- asyncio shells: ``connection.py`` (bounded reads and writes), ``channels.py``
  (``IncomingStream``/``IncomingFuture``), ``outgoing.py`` (sending async values),
  ``server.py`` (``Server``), ``client.py`` (``invoke``), ``address.py``;
- ``cli.py``: ``python -m wasmnet_reference.wrpc serve|invoke``.

Readings the reference takes where wrpc.md is [ambiguous]: variant/option/result payloads
append nothing to the path (``PayloadPathReading.UPSTREAM``, configurable); a non-empty list on
the root is a ready stream, an empty one a pending stream; a future without a type resolves
with the first frame on its path; zero-length frames are accepted anywhere (they carry no
data); root bytes after the parameter/result tuple, frames on paths that hold no pending value
and data after a stream's end or a future's value are rejected. Not supported: futures or
streams nested in a stream element or a future value (``UnsupportedSignature``).

The server answers a call whose input is complete only after the client's end-of-stream
(``Server(answer_after_eof=True)``), so input found invalid later never follows complete
results; the client reads to the server's end-of-stream before reporting success.
"""

from wasmnet_reference.wrpc.address import Address, AddressError, parse_address
from wasmnet_reference.wrpc.channels import IncomingFuture, IncomingStream
from wasmnet_reference.wrpc.client import invoke
from wasmnet_reference.wrpc.connection import TransportStats
from wasmnet_reference.wrpc.errors import (
    InvocationFailed,
    UnixSocketsUnavailable,
    UnsupportedSignature,
    WrpcError,
    WrpcRule,
)
from wasmnet_reference.wrpc.invocation import ClientInvocation, ServerInvocation
from wasmnet_reference.wrpc.limits import DEFAULT_WRPC_LIMITS, WrpcLimits
from wasmnet_reference.wrpc.paths import AsyncSlot, PayloadPathReading
from wasmnet_reference.wrpc.server import (
    FailureRecord,
    Handler,
    ServedFunction,
    Server,
    ServerStats,
    functions_from_wit,
)
from wasmnet_reference.wrpc.signature import Signature

__all__ = [
    "DEFAULT_WRPC_LIMITS",
    "Address",
    "AddressError",
    "AsyncSlot",
    "ClientInvocation",
    "FailureRecord",
    "Handler",
    "IncomingFuture",
    "IncomingStream",
    "InvocationFailed",
    "PayloadPathReading",
    "ServedFunction",
    "Server",
    "ServerInvocation",
    "ServerStats",
    "Signature",
    "TransportStats",
    "UnixSocketsUnavailable",
    "UnsupportedSignature",
    "WrpcError",
    "WrpcLimits",
    "WrpcRule",
    "functions_from_wit",
    "invoke",
    "parse_address",
]
