"""TCP connect (wasi-sockets.md §4, §5.1, §5.2, §5.4): to the host's echo fixture, to a closed
port, to addresses the spec refuses, and in every state where it is illegal."""

from __future__ import annotations

from wasmnet_conformance.sockets.scenarios.base import (
    ANY4,
    ANY6,
    BROADCAST4,
    LOOPBACK4,
    LOOPBACK6,
    MAPPED_LOOPBACK6,
    MULTICAST4,
    MULTICAST6,
    READY_MS,
    Builder,
    Scenario,
    addr,
    scenario,
    v4,
    v6,
)
from wasmnet_conformance.sockets.scenarios.rules import BIND_FIXED, CONNECT_LOCAL, CONNECT_REMOTE

SCENARIOS: list[Scenario] = []
CONNECT = ["tcp.start-connect", "tcp.finish-connect"]



def _echo_port(family: str) -> str:
    return "{tcp_echo_port}" if family == "ipv4" else "{tcp6_echo_port}"


def _ok(family: str) -> None:
    ip = LOOPBACK4 if family == "ipv4" else LOOPBACK6
    suffix = "" if family == "ipv4" else "-ipv6"

    @scenario(SCENARIOS, f"tcp.connect.echo{suffix}", "tcp",
              [*CONNECT, "tcp.remote-address", "tcp.local-address", "tcp.is-listening"],
              f"connect an unbound {family} socket to the host echo fixture: streams, "
              "remote-address = target, local-address concrete (implicit bind)",
              needs=["ipv6"] if family == "ipv6" else [], citation="wasi-sockets.md §5.4")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.connect(s, net, addr(family, _echo_port(family)))
        k = b.sock(s, "remote-address")
        b.check(k, "equals", CONNECT_REMOTE, expected=addr(family, _echo_port(family)))
        k = b.sock(s, "local-address")
        b.check(k, "port-nonzero", CONNECT_LOCAL)
        b.check(k, "ip-equals", CONNECT_LOCAL, expected=list(ip))
        b.sock(s, "is-listening")
        b.sock(s, "address-family")
        b.sock(s, "subscribe", as_="p")
        b.step("wait", "$p", 1000)
        b.step("drop", "$p")

    @scenario(SCENARIOS, f"tcp.connect.after-bind{suffix}", "tcp",
              [*CONNECT, "tcp.start-bind", "tcp.local-address"],
              f"bind {family} loopback port 0, then connect to the echo fixture: the bound "
              "address is the connection's local address", needs=["ipv6"] if family == "ipv6"
              else [], citation="wasi-sockets.md §5.1, §5.4")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.bind(s, net, addr(family, 0))
        k1 = b.sock(s, "local-address")
        b.connect(s, net, addr(family, _echo_port(family)))
        k2 = b.sock(s, "local-address")
        b.check(k2, "same-as", BIND_FIXED, other=k1)
        b.sock(s, "remote-address")

    @scenario(SCENARIOS, f"tcp.connect.refused{suffix}", "tcp",
              [*CONNECT, "tcp.local-address", "tcp.remote-address"],
              f"connect {family} to a loopback port with nothing listening -> "
              "connection-refused; the socket is then closed: a new connect gives "
              "invalid-state", needs=["ipv6"] if family == "ipv6" else [],
              citation="wasi-sockets.md §5.1, §5.4")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.connect(s, net, addr(family, "{closed_port}" if family == "ipv4" else "{closed_port6}"))
        b.sock(s, "remote-address")
        b.sock(s, "is-listening")
        b.sock(s, "start-connect", net, addr(family, _echo_port(family)))
        b.sock(s, "finish-connect")
        b.sock(s, "start-bind", net, addr(family, 0))
        b.sock(s, "start-listen")
        b.sock(s, "accept")
        b.sock(s, "shutdown", "both")
        b.sock(s, "address-family")


_ok("ipv4")
_ok("ipv6")


def _bad_target(what: str, family: str, target: dict[str, object], why: str) -> None:
    """Connect arguments the spec refuses with invalid-argument; afterwards the state is
    [ambiguous] (closed, reading A, or unchanged, reading B): a valid connect is tried."""
    needs = ["ipv6"] if family == "ipv6" or "ipv6" in target else []

    @scenario(SCENARIOS, f"tcp.connect.{what}-invalid-argument", "tcp", CONNECT,
              f"connect {family} to {why} -> invalid-argument; then a valid connect either "
              "gives invalid-state (socket closed) or works (state kept) [ambiguous]",
              needs=needs, citation="wasi-sockets.md §5.1, §5.4")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.connect(s, net, target)
        b.connect(s, net, addr(family, _echo_port(family)))


_bad_target("port-0", "ipv4", v4(0), "port 0")
_bad_target("ipv6-port-0", "ipv6", v6(0), "[::1]:0")
_bad_target("unspecified", "ipv4", v4("{tcp_echo_port}", ANY4), "0.0.0.0")
_bad_target("ipv6-unspecified", "ipv6", v6("{tcp6_echo_port}", ANY6), "::")
_bad_target("wrong-family-ipv6-on-ipv4", "ipv4", v6("{tcp6_echo_port}"), "an IPv6 address")
_bad_target("wrong-family-ipv4-on-ipv6", "ipv6", v4("{tcp_echo_port}"), "an IPv4 address")
_bad_target("ipv4-mapped", "ipv6", v6("{tcp_echo_port}", MAPPED_LOOPBACK6),
            "::ffff:127.0.0.1 (IPv4-mapped)")
_bad_target("multicast", "ipv4", v4("{closed_port}", MULTICAST4), "224.0.0.1 (multicast)")
_bad_target("ipv6-multicast", "ipv6", v6("{closed_port}", MULTICAST6), "ff02::1 (multicast)")
_bad_target("broadcast", "ipv4", v4("{closed_port}", BROADCAST4),
            "255.255.255.255 (broadcast)")


@scenario(SCENARIOS, "tcp.connect.connected-invalid-state", "tcp",
          [*CONNECT, "tcp.start-bind", "tcp.start-listen", "tcp.set-listen-backlog-size"],
          "on a connected socket: start-connect, start-bind, start-listen, accept and "
          "set-listen-backlog-size give invalid-state; finish-* give not-in-progress",
          citation="wasi-sockets.md §5.2")
def _connected(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.sock(s, "finish-connect")
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "finish-bind")
    b.sock(s, "start-listen")
    b.sock(s, "finish-listen")
    b.sock(s, "accept")
    b.sock(s, "set-listen-backlog-size", 10)
    b.sock(s, "is-listening")


@scenario(SCENARIOS, "tcp.connect.during-connect", "tcp",
          [*CONNECT, "tcp.local-address", "tcp.remote-address", "tcp.shutdown"],
          "while a connect is in progress: start-connect/start-bind/start-listen give "
          "invalid-state or concurrency-conflict, remote-address and shutdown invalid-state, "
          "local-address ok or invalid-state [ambiguous]; the connect then finishes",
          citation="wasi-sockets.md §4, §5.2")
def _during(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "start-listen")
    b.sock(s, "accept")
    b.sock(s, "finish-bind")
    b.sock(s, "finish-listen")
    b.sock(s, "local-address")
    b.sock(s, "remote-address")
    b.sock(s, "shutdown", "both")
    b.sock(s, "set-listen-backlog-size", 10)
    b.sock(s, "is-listening")
    b.finish("tcp.finish-connect", s)
    b.sock(s, "remote-address")


@scenario(SCENARIOS, "tcp.connect.finish-without-start-not-in-progress", "tcp",
          ["tcp.finish-connect"], "finish-connect on a fresh socket -> not-in-progress",
          citation="wasi-sockets.md §4")
def _finish_nothing(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "finish-connect")
    b.sock(s, "start-connect", b.net(), v4("{tcp_echo_port}"))
    b.finish("tcp.finish-connect", s)


@scenario(SCENARIOS, "tcp.connect.bound-finish-not-in-progress", "tcp",
          ["tcp.finish-connect", "tcp.finish-listen"],
          "finish-connect and finish-listen on a bound socket -> not-in-progress",
          citation="wasi-sockets.md §4, §5.2")
def _bound_finish(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "finish-connect")
    b.sock(s, "finish-listen")
    b.sock(s, "remote-address")
    b.sock(s, "shutdown", "send")
    b.sock(s, "accept")


@scenario(SCENARIOS, "tcp.connect.listening-invalid-state", "tcp", CONNECT,
          "start-connect on a listening socket -> invalid-state; it keeps listening",
          citation="wasi-sockets.md §5.2, §5.4")
def _listening(b: Builder) -> None:
    net = b.net()
    s = b.listener("l", net)
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.sock(s, "finish-connect")
    b.sock(s, "is-listening")
    b.sock(s, "remote-address")
    b.sock(s, "shutdown", "both")


@scenario(SCENARIOS, "tcp.connect.second-network-handle", "tcp", [*CONNECT, "tcp.start-bind"],
          "bind with one instance-network() handle, connect with a second one: "
          "invalid-argument if handles differ, else ok [ambiguous]",
          citation="wasi-sockets.md §5.4")
def _second_network(b: Builder) -> None:
    net = b.net("net")
    net2 = b.net("net2")
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.connect(s, net2, v4("{tcp_echo_port}"))


@scenario(SCENARIOS, "tcp.connect.pollable-completes", "tcp", [*CONNECT, "tcp.subscribe"],
          "the socket pollable fires once the connect has completed; finish-connect then "
          "gives the streams (possibly after would-block)", citation="wasi-sockets.md §4, §5.3")
def _pollable(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "subscribe", as_="p")
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.step("wait", "$p", READY_MS)
    b.finish("tcp.finish-connect", s)
    b.step("wait", "$p", READY_MS)
    b.step("drop", "$p")


@scenario(SCENARIOS, "tcp.connect.refused-pollable", "tcp", [*CONNECT, "tcp.subscribe"],
          "a refused connect also makes the pollable ready (completion either way), and it "
          "stays ready once closed", citation="wasi-sockets.md §5.3")
def _refused_pollable(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "subscribe", as_="p")
    b.sock(s, "start-connect", net, v4("{closed_port}"))
    b.step("wait", "$p", READY_MS)
    b.finish("tcp.finish-connect", s)
    b.step("wait", "$p", READY_MS)
    b.step("drop", "$p")
