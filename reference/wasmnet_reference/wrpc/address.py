"""wRPC endpoint addresses: ``tcp://HOST:PORT`` (``tcp://[::1]:PORT`` for IPv6) and
``unix:PATH``.

Parsing does not restrict hosts: the conformance suite, not the reference, enforces loopback.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from dataclasses import dataclass

from wasmnet_reference.wrpc.errors import UnixSocketsUnavailable

TCP_SCHEME = "tcp://"
UNIX_SCHEME = "unix:"
MAX_PORT = 65535


class AddressError(ValueError):
    """An address text that is not ``tcp://HOST:PORT`` or ``unix:PATH``."""


@dataclass(frozen=True)
class Address:
    """``kind`` is ``"tcp"`` (``host``, ``port``) or ``"unix"`` (``path``)."""

    kind: str
    host: str = ""
    port: int = 0
    path: str = ""

    def __str__(self) -> str:
        if self.kind == "unix":
            return f"{UNIX_SCHEME}{self.path}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{TCP_SCHEME}{host}:{self.port}"


def parse_address(text: str) -> Address:
    """Parse ``tcp://127.0.0.1:PORT``, ``tcp://[::1]:PORT`` or ``unix:/path``."""
    if text.startswith(UNIX_SCHEME):
        path = text[len(UNIX_SCHEME) :]
        if not path:
            raise AddressError(f"{text!r}: unix: needs a socket path, e.g. unix:/tmp/wrpc.sock")
        if "\0" in path:
            raise AddressError(f"{text!r}: a socket path cannot contain NUL")
        return Address("unix", path=path)
    if not text.startswith(TCP_SCHEME):
        raise AddressError(
            f"{text!r}: expected tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:PATH"
        )
    rest = text[len(TCP_SCHEME) :]
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0 or not rest[close + 1 :].startswith(":"):
            raise AddressError(f"{text!r}: expected tcp://[IPV6]:PORT")
        host, port_text = rest[1:close], rest[close + 2 :]
        if not host or ":" not in host:
            raise AddressError(f"{text!r}: brackets hold an IPv6 address")
    else:
        host, sep, port_text = rest.rpartition(":")
        if not sep or not host:
            raise AddressError(f"{text!r}: expected tcp://HOST:PORT")
        if ":" in host:
            raise AddressError(f"{text!r}: write an IPv6 host in brackets, tcp://[{host}]:PORT")
    if "/" in host or "/" in port_text:
        raise AddressError(f"{text!r}: no path after the port")
    if not port_text.isdigit() or int(port_text) > MAX_PORT:
        raise AddressError(f"{text!r}: the port must be a number 0..{MAX_PORT}")
    return Address("tcp", host=host, port=int(port_text))


def check_unix_available() -> None:
    """Raise ``UnixSocketsUnavailable`` where AF_UNIX stream sockets cannot be used by
    asyncio (Windows)."""
    if not hasattr(socket, "AF_UNIX") or sys.platform == "win32":
        raise UnixSocketsUnavailable(
            f"Unix domain sockets are not available on this OS ({sys.platform})"
        )


async def open_stream(
    address: Address, buffer_limit: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Connect to ``address``; ``buffer_limit`` bounds the reader's internal buffer."""
    if address.kind == "unix":
        check_unix_available()
        return await asyncio.open_unix_connection(address.path, limit=buffer_limit)
    return await asyncio.open_connection(address.host, address.port, limit=buffer_limit)
