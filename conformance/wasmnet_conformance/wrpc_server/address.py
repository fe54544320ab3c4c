"""Server addresses as the suite's options spell them: ``tcp://HOST:PORT`` or ``unix:PATH``.

The suite sends deliberately hostile bytes, so it only talks to loopback hosts (127.0.0.0/8,
``::1``, ``localhost``) and Unix sockets; anything else is a usage error.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

from wasmnet_conformance.errors import UsageError

TCP_SCHEME = "tcp://"
UNIX_SCHEME = "unix:"
LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class TcpAddress:
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{TCP_SCHEME}{host}:{self.port}"


@dataclass(frozen=True)
class UnixAddress:
    path: str

    def __str__(self) -> str:
        return f"{UNIX_SCHEME}{self.path}"


Address = TcpAddress | UnixAddress


def has_af_unix() -> bool:
    """Whether this OS offers Unix domain sockets to asyncio (not on Windows' asyncio)."""
    return hasattr(socket, "AF_UNIX")


def parse_address(text: str, option: str = "--wrpc-server") -> Address:
    """``tcp://HOST:PORT`` (IPv6 hosts in brackets) or ``unix:PATH``; UsageError otherwise."""
    if text.startswith(UNIX_SCHEME):
        path = text[len(UNIX_SCHEME) :]
        if path.startswith("//"):
            path = path[2:]
        if not path:
            raise UsageError(f"{option} {text!r}: empty Unix socket path")
        if not has_af_unix():
            raise UsageError(f"{option} {text!r}: Unix sockets are not available on this OS")
        return UnixAddress(path)
    if not text.startswith(TCP_SCHEME):
        raise UsageError(f"{option} {text!r}: expected tcp://HOST:PORT or unix:PATH")
    rest = text[len(TCP_SCHEME) :]
    if rest.startswith("["):
        host, sep, port_text = rest[1:].partition("]:")
    else:
        host, sep, port_text = rest.rpartition(":")
    if not sep or not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"{option} {text!r}: expected tcp://HOST:PORT with a port 1-65535")
    if not _is_loopback(host):
        raise UsageError(
            f"{option} {text!r}: only loopback hosts (127.0.0.0/8, ::1, localhost) are allowed; "
            "the suite sends hostile input"
        )
    return TcpAddress(host, int(port_text))


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
