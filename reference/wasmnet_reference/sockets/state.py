"""The model's state: named resources with their states, as mutable records.

One :class:`World` is one consistent history; the simulator keeps several when an ambiguity
changes state (e.g. reading A/B after a rejected connect) and drops those the observations
contradict. Worlds are deep-copied before each transition, so records hold names, never
references to other records.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any

from .addresses import Family, SockAddr
from .judgment import Allowed, Pred


class TcpState(str, enum.Enum):
    """wasi-sockets.md §5.1."""

    UNBOUND = "unbound"
    BIND_IN_PROGRESS = "bind-in-progress"
    BOUND = "bound"
    LISTEN_IN_PROGRESS = "listen-in-progress"
    LISTENING = "listening"
    CONNECT_IN_PROGRESS = "connect-in-progress"
    CONNECTED = "connected"
    CLOSED = "closed"


class UdpState(str, enum.Enum):
    """wasi-sockets.md §7 (implicit states; UDP has no closed state)."""

    UNBOUND = "unbound"
    BIND_IN_PROGRESS = "bind-in-progress"
    BOUND = "bound"
    STREAMING = "streaming"


@dataclass(frozen=True)
class HostFacts:
    """What the suite knows about the host side (fixtures), so the model can require exact
    results for connects and binds that involve them. All addresses are loopback fixtures."""

    tcp_listening: frozenset[SockAddr] = frozenset()
    """Host sockets listening: connect succeeds, bind/listen on them gives address-in-use."""
    tcp_closed: frozenset[SockAddr] = frozenset()
    """Reserved addresses with nothing listening: connect gives connection-refused (and a TCP
    bind there succeeds)."""
    udp_bound: frozenset[SockAddr] = frozenset()
    """Host UDP sockets: UDP bind on them gives address-in-use."""
    closing_peers: frozenset[SockAddr] = frozenset()
    """Host servers that close connections by themselves (streams may end, sockets close)."""
    free: frozenset[SockAddr] = frozenset()
    """Addresses reserved free for the scenario (bind + close): a TCP or UDP bind there
    succeeds. A non-zero port the model knows nothing about may be in use by another process
    (bind: ok or address-in-use)."""


@dataclass
class Pending:
    """An async operation (§4) whose start-X returned ok."""

    op: str
    """``bind``, ``connect`` or ``listen``."""
    finals: list[Allowed]
    """The operation's possible results (ok / errors) as computed at start."""
    origin: str | None = None
    """The state the operation started from (reading B of a rejected connect returns to it)."""
    addr: SockAddr | None = None
    """bind: the address; connect: the target."""


@dataclass
class OptionState:
    set_value: Any = None
    """The last value set (None: never set, defaults are unspecified)."""
    readback: Any = None
    """The value read back after the last set (None: not read yet)."""
    generation: int = 0
    """Counts sets; an accepted socket stays linked to the listener's value of one generation."""
    inherited_from: str | None = None
    """Accepted sockets: the listener whose value (of ``inherited_generation``) they inherit."""
    inherited_generation: int = 0


@dataclass
class Network:
    name: str


@dataclass
class TcpSocket:
    name: str
    family: Family
    state: TcpState = TcpState.UNBOUND
    network: str | None = None
    bind_addr: SockAddr | None = None
    """The address bind was finished with (None: unbound or bound implicitly)."""
    local: SockAddr | None = None
    """The last local-address observed."""
    target: SockAddr | None = None
    """Clients: the connect target (= remote-address)."""
    implicit_bind: bool = False
    """The connect started from unbound (§5.2 †)."""
    pending: Pending | None = None
    options: dict[str, OptionState] = field(default_factory=dict)
    input: str | None = None
    output: str | None = None
    listener: str | None = None
    """Accepted sockets: the listener they came from."""
    listener_local: SockAddr | None = None
    """Accepted sockets: the listener's address at accept time (port known if observed)."""
    peers: list[str] = field(default_factory=list)
    """Model sockets that may be the other end of this connection."""
    accepted: bool = False
    """Clients: an accepted socket is paired with this one."""
    peer_gone: bool = False
    """The other end may have closed or failed: streams may end, the socket may close."""
    shut_rd: bool = False
    shut_wr: bool = False
    listened: bool = False
    client_dropped: bool = False
    """Listeners: a client connected to it went away before accept (connection-aborted)."""


@dataclass
class ByteStream:
    """A wasi:io input or output stream of a TCP connection."""

    name: str
    direction: str
    """``input`` or ``output``."""
    socket: str
    closed: bool = False
    """Reported closed / last-operation-failed, or closed by shutdown: stays closed."""
    orphaned: bool = False
    """Its socket was dropped while it lived (§5.6 [ambiguous])."""
    grant: int | None = None
    """Output: the last check-write permit (None: no usable permit)."""
    used: int = 0
    writes: int = 0
    """Writes since the grant."""


@dataclass
class UdpSocket:
    name: str
    family: Family
    state: UdpState = UdpState.UNBOUND
    network: str | None = None
    bind_addr: SockAddr | None = None
    local: SockAddr | None = None
    remote: SockAddr | None = None
    """STREAMING: the stream(some(a)) remote, None for stream(none)."""
    port_uncertain: bool = False
    """stream(some) then stream(none): local port may have changed (§7 [ambiguous])."""
    was_connected: bool = False
    bind_stuck: bool = False
    """Reading ``invalid-state`` of the UDP bind-retry ambiguity: a retry gives invalid-state."""
    pending: Pending | None = None
    options: dict[str, OptionState] = field(default_factory=dict)
    incoming: str | None = None
    outgoing: str | None = None
    sent: bool = False
    """A datagram went out on this socket (ICMP errors may follow)."""


@dataclass
class DatagramStream:
    name: str
    direction: str
    """``incoming`` or ``outgoing``."""
    socket: str
    stale: bool = False
    """Replaced by a later stream() call: must not transfer data (§7)."""
    orphaned: bool = False
    grant: int | None = None
    """Outgoing: the last check-send permit (None: never checked)."""
    used_passed: int = 0
    used_returned: int = 0
    sends: int = 0


@dataclass
class Resolver:
    name: str
    kind: str
    """Name class from :func:`.lookup.classify` (``literal``, ``mapped``, ``invalid`` ...)."""
    expected: list[str] = field(default_factory=list)
    """Literal classes: the address (canonical text) each reading yields."""
    index: int = 0
    done: bool = False
    denied: bool = False


@dataclass
class Pollable:
    name: str
    parent: str | None


Resource = Network | TcpSocket | ByteStream | UdpSocket | DatagramStream | Resolver | Pollable


@dataclass
class World:
    resources: dict[str, Resource] = field(default_factory=dict)
    readings: dict[str, str] = field(default_factory=dict)
    """``flag@resource`` -> reading for ambiguities that changed state; ``~`` keys are
    internal forks (timing), not reported."""

    def get(self, name: str) -> Resource | None:
        return self.resources.get(name)

    def tcp(self, name: str) -> TcpSocket:
        r = self.resources[name]
        assert isinstance(r, TcpSocket)
        return r

    def udp(self, name: str) -> UdpSocket:
        r = self.resources[name]
        assert isinstance(r, UdpSocket)
        return r

    def byte_stream(self, name: str) -> ByteStream:
        r = self.resources[name]
        assert isinstance(r, ByteStream)
        return r

    def datagram_stream(self, name: str) -> DatagramStream:
        r = self.resources[name]
        assert isinstance(r, DatagramStream)
        return r

    def resolver(self, name: str) -> Resolver:
        r = self.resources[name]
        assert isinstance(r, Resolver)
        return r

    def tcp_sockets(self) -> list[TcpSocket]:
        return [r for r in self.resources.values() if isinstance(r, TcpSocket)]

    def udp_sockets(self) -> list[UdpSocket]:
        return [r for r in self.resources.values() if isinstance(r, UdpSocket)]

    def pollables_of(self, name: str) -> list[str]:
        return [r.name for r in self.resources.values()
                if isinstance(r, Pollable) and r.parent == name]

    def live_streams_of(self, name: str) -> list[str]:
        return [r.name for r in self.resources.values()
                if isinstance(r, (ByteStream, DatagramStream)) and r.socket == name]

    def key(self) -> Any:
        """A canonical, hashable form (for de-duplicating equal worlds)."""
        return _canon(self)


def _canon(obj: Any) -> Any:
    if isinstance(obj, Pred):
        return ("Pred", obj.description)
    if is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, *(_canon(getattr(obj, f.name)) for f in fields(obj)))
    if isinstance(obj, dict):
        return tuple(sorted((str(k), _canon(v)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return tuple(_canon(v) for v in obj)
    if isinstance(obj, (set, frozenset)):
        return tuple(sorted(repr(_canon(v)) for v in obj))
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return repr(obj)
