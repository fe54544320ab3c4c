"""Host-side loopback peers for the probe's scripts (wasi-sockets.md §12: loopback only, closed
ports reserved by bind + close).

``with Fixtures() as fx: fx.placeholders()`` gives the ports the scripts' ``{name}``
placeholders refer to. Every server runs in a daemon thread, bounded in connections, bytes,
idle time and total lifetime, and stops by itself even if the context is never left.

* TCP echo (127.0.0.1 and ::1): echoes until the peer half-closes, then half-closes back.
* TCP close: accepts and closes at once (the probe reads ``closed``).
* TCP greet: sends :data:`GREETING` and closes.
* UDP echo (127.0.0.1 and ::1): sends every datagram back to its sender.
* UDP TTL receiver (Linux): records the TTL / hop limit each datagram arrived with
  (IP_RECVTTL / IPV6_RECVHOPLIMIT), to check that set-unicast-hop-limit took effect
  (wasi-sockets.md §5.5: "check effects from the host where possible").
* Closed ports: bound then closed, so nothing listens there (connection-refused).
* Free ports (``free_port``, ``free_port2``, ``free_port6``): the same trick, fresh per
  :meth:`Fixtures.placeholders` call, for scripts that bind a known port.

IPv6 fixtures exist only when ::1 can be bound; otherwise :attr:`Fixtures.unavailable` says why
and their placeholders are absent (a script using them fails substitution, never silently).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

LOOPBACK4 = "127.0.0.1"
LOOPBACK6 = "::1"
GREETING = b"wasmnet greeting\n"
DEFAULT_LIFETIME_S = 1800.0
"""A fixture outlives any run of the suite, but never the test session by much."""
MAX_CONNECTIONS = 256
MAX_ECHO_BYTES = 64 << 20
"""Per connection: an echo peer never turns into an unbounded sink."""
IDLE_TIMEOUT_S = 60.0
POLL_S = 0.2
MAX_DATAGRAM = 65_535
MAX_TTL_RECORDS = 1_000
_IP_RECVTTL: int | None = getattr(socket, "IP_RECVTTL", 12 if sys.platform == "linux" else None)
"""Linux's value is 12 (linux/in.h); Python exports the name only from 3.14 on."""


Handler = Callable[[socket.socket], None]


@dataclass(frozen=True)
class TtlObservation:
    family: str
    """``ipv4`` or ``ipv6``."""
    hop_limit: int
    data: bytes
    peer_port: int


class _Stop:
    """Stops when asked or when the lifetime runs out."""

    def __init__(self, lifetime_s: float) -> None:
        self.event = threading.Event()
        self.deadline = time.monotonic() + lifetime_s

    def __bool__(self) -> bool:
        return self.event.is_set() or time.monotonic() >= self.deadline


def _bind(family: socket.AddressFamily, kind: socket.SocketKind, host: str) -> socket.socket:
    s = socket.socket(family, kind)
    try:
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, 0))
    except OSError:
        s.close()
        raise
    return s


def _ipv6_reason() -> str | None:
    """None if ::1 works here, else why not."""
    if not socket.has_ipv6:
        return "Python was built without IPv6"
    try:
        _bind(socket.AF_INET6, socket.SOCK_STREAM, LOOPBACK6).close()
    except OSError as e:
        return f"cannot bind ::1: {e}"
    return None


def _ttl_reason() -> str | None:
    if sys.platform != "linux":
        return f"TTL observation needs Linux control messages (IP_TTL); not on {sys.platform}"
    if _IP_RECVTTL is None or not hasattr(socket.socket, "recvmsg"):
        return "this Python lacks IP_RECVTTL or recvmsg"
    return None


class Fixtures:
    def __init__(self, *, lifetime_s: float = DEFAULT_LIFETIME_S) -> None:
        self._stop = _Stop(lifetime_s)
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._conn_slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._ttl: list[TtlObservation] = []
        self._ttl_cond = threading.Condition()
        self._ports: dict[str, int] = {}
        self.unavailable: dict[str, str] = {}
        """Fixture (placeholder) name -> why it is missing on this machine."""
        self.ipv6 = False

    # lifecycle ------------------------------------------------------------
    def __enter__(self) -> Fixtures:
        self.start()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        v6 = _ipv6_reason()
        self.ipv6 = v6 is None
        families: list[tuple[str, socket.AddressFamily, str]] = [("", socket.AF_INET,
                                                                  LOOPBACK4)]
        if v6 is None:
            families.append(("6", socket.AF_INET6, LOOPBACK6))
        else:
            for name in ("tcp6_echo_port", "tcp6_close_port", "udp6_echo_port", "closed_port6",
                         "udp6_closed_port", "ttl6_port", "free_port6"):
                self.unavailable[name] = v6
        ttl = _ttl_reason()
        for sfx, fam, host in families:
            self._serve(f"tcp{sfx}_echo_port", self._tcp_listener(fam, host), self._echo_conn)
            self._serve(f"tcp{sfx}_close_port", self._tcp_listener(fam, host), self._close_conn)
            self._udp(f"udp{sfx}_echo_port", fam, host, self._udp_echo)
            self._ports[f"closed_port{sfx}"] = self._closed_port(fam, host, socket.SOCK_STREAM)
            self._ports[f"udp{sfx}_closed_port"] = self._closed_port(fam, host,
                                                                     socket.SOCK_DGRAM)
            if ttl is None:
                self._udp(f"ttl{sfx}_port", fam, host, self._ttl_receiver)
            else:
                self.unavailable[f"ttl{sfx}_port"] = ttl
        self._serve("tcp_greet_port", self._tcp_listener(socket.AF_INET, LOOPBACK4),
                    self._greet_conn)

    def stop(self) -> None:
        self._stop.event.set()
        for t in self._threads:
            t.join(timeout=2 * POLL_S + 1)
        for s in self._sockets:
            with contextlib.suppress(OSError):
                s.close()

    def placeholders(self) -> dict[str, str | int]:
        """Placeholder name -> value for :meth:`Script.substitute`. ``free_port``,
        ``free_port2`` (TCP, 127.0.0.1) and ``free_port6`` (TCP, ::1) are fresh on every call,
        so scripts running at the same time do not bind the same port: call once per script."""
        values: dict[str, str | int] = dict(self._ports)
        values["greeting_hex"] = GREETING.hex()
        values["greeting_len"] = len(GREETING)
        values.update(self.free_ports())
        return values

    def free_ports(self) -> dict[str, int]:
        """Ports nobody listens on right now (bind + close), distinct from each other."""
        ports: dict[str, int] = {}
        held: list[socket.socket] = []
        try:
            wanted = [("free_port", socket.AF_INET, LOOPBACK4),
                      ("free_port2", socket.AF_INET, LOOPBACK4)]
            if self.ipv6:
                wanted.append(("free_port6", socket.AF_INET6, LOOPBACK6))
            for name, fam, host in wanted:
                s = _bind(fam, socket.SOCK_STREAM, host)  # held until all are chosen
                held.append(s)
                ports[name] = s.getsockname()[1]
        finally:
            for s in held:
                s.close()
        return ports

    # TTL observations -------------------------------------------------------
    def clear_ttl(self) -> None:
        with self._ttl_cond:
            self._ttl.clear()

    def ttl_seen(self, *, min_count: int = 1, timeout_s: float = 2.0) -> list[TtlObservation]:
        """The datagrams the TTL receivers got so far, waiting (bounded) for ``min_count``.
        Scripts that run in parallel should send distinct payloads and filter on ``data``."""
        end = time.monotonic() + timeout_s
        with self._ttl_cond:
            while len(self._ttl) < min_count and time.monotonic() < end:
                self._ttl_cond.wait(timeout=max(0.0, end - time.monotonic()))
            return list(self._ttl)

    # servers ----------------------------------------------------------------
    def _thread(self, target: Callable[..., None], *args: Any) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _tcp_listener(self, fam: socket.AddressFamily, host: str) -> socket.socket:
        s = _bind(fam, socket.SOCK_STREAM, host)
        s.listen(64)
        s.settimeout(POLL_S)
        self._sockets.append(s)
        return s

    def _serve(self, name: str, listener: socket.socket, handler: Handler) -> None:
        self._ports[name] = listener.getsockname()[1]
        self._thread(self._accept_loop, listener, handler)

    def _accept_loop(self, listener: socket.socket, handler: Handler) -> None:
        while not self._stop:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not self._conn_slots.acquire(blocking=False):
                conn.close()
                continue
            conn.settimeout(POLL_S)
            t = threading.Thread(target=self._conn_wrapper, args=(conn, handler), daemon=True)
            t.start()

    def _conn_wrapper(self, conn: socket.socket, handler: Handler) -> None:
        try:
            handler(conn)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()
            self._conn_slots.release()

    def _send_all(self, conn: socket.socket, data: bytes) -> bool:
        idle_end = time.monotonic() + IDLE_TIMEOUT_S
        view = memoryview(data)
        while view and not self._stop:
            try:
                n = conn.send(view)
            except TimeoutError:
                if time.monotonic() >= idle_end:
                    return False
                continue
            view = view[n:]
            idle_end = time.monotonic() + IDLE_TIMEOUT_S
        return not view

    def _echo_conn(self, conn: socket.socket) -> None:
        total = 0
        idle_end = time.monotonic() + IDLE_TIMEOUT_S
        while not self._stop and time.monotonic() < idle_end:
            try:
                data = conn.recv(65536)
            except TimeoutError:
                continue
            if not data:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_WR)
                return
            total += len(data)
            if total > MAX_ECHO_BYTES or not self._send_all(conn, data):
                return
            idle_end = time.monotonic() + IDLE_TIMEOUT_S

    def _close_conn(self, conn: socket.socket) -> None:
        return  # the wrapper closes it

    def _greet_conn(self, conn: socket.socket) -> None:
        if self._send_all(conn, GREETING):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)

    def _udp(self, name: str, fam: socket.AddressFamily, host: str, loop: Handler) -> None:
        s = _bind(fam, socket.SOCK_DGRAM, host)
        s.settimeout(POLL_S)
        self._sockets.append(s)
        self._ports[name] = s.getsockname()[1]
        self._thread(loop, s)

    def _udp_echo(self, s: socket.socket) -> None:
        while not self._stop:
            try:
                data, peer = s.recvfrom(MAX_DATAGRAM)
            except TimeoutError:
                continue
            except OSError:
                return
            with contextlib.suppress(OSError):
                s.sendto(data, peer)

    def _ttl_receiver(self, s: socket.socket) -> None:
        v6 = s.family == socket.AF_INET6
        if v6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
            level, kind = socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT
        else:
            assert _IP_RECVTTL is not None  # _ttl_reason() gated this receiver
            s.setsockopt(socket.IPPROTO_IP, _IP_RECVTTL, 1)
            level, kind = socket.IPPROTO_IP, socket.IP_TTL
        while not self._stop:
            try:
                data, anc, _, peer = s.recvmsg(MAX_DATAGRAM, socket.CMSG_SPACE(4))
            except TimeoutError:
                continue
            except OSError:
                return
            for lvl, typ, payload in anc:
                if lvl == level and typ == kind and len(payload) >= 4:
                    (hops,) = struct.unpack("=i", payload[:4])
                    with self._ttl_cond:
                        if len(self._ttl) < MAX_TTL_RECORDS:
                            self._ttl.append(TtlObservation("ipv6" if v6 else "ipv4", hops,
                                                            bytes(data), peer[1]))
                        self._ttl_cond.notify_all()

    def _closed_port(self, fam: socket.AddressFamily, host: str, kind: socket.SocketKind) -> int:
        s = _bind(fam, kind, host)
        port: int = s.getsockname()[1]
        s.close()
        return port
