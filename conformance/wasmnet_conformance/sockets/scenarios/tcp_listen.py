"""TCP listen and accept (wasi-sockets.md §5.1-§5.5): the listen protocol, accepted sockets
(their addresses, inherited options, family), backlog, and pollable readiness of a listener."""

from __future__ import annotations

from wasmnet_conformance.sockets.scenarios.base import (
    LOOPBACK4,
    LOOPBACK6,
    NOT_READY_MS,
    READY_MS,
    Builder,
    Scenario,
    addr,
    scenario,
    v4,
)
from wasmnet_conformance.sockets.scenarios.rules import ACCEPTED, BIND_FIXED

SCENARIOS: list[Scenario] = []
LISTEN = ["tcp.start-listen", "tcp.finish-listen"]



@scenario(SCENARIOS, "tcp.listen.unbound-invalid-state", "tcp", LISTEN,
          "start-listen on an unbound socket -> invalid-state (explicit bind required); "
          "finish-listen -> not-in-progress", citation="wasi-sockets.md §5.2, §5.4")
def _unbound(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "start-listen")
    b.sock(s, "finish-listen")
    b.sock(s, "is-listening")
    b.sock(s, "accept")


def _listen_ok(family: str) -> None:
    suffix = "" if family == "ipv4" else "-ipv6"

    @scenario(SCENARIOS, f"tcp.listen.ok{suffix}", "tcp",
              [*LISTEN, "tcp.is-listening", "tcp.local-address"],
              f"bind {family} loopback:0 and listen: is-listening true, local-address kept, "
              "remote-address invalid-state", needs=["ipv6"] if family == "ipv6" else [],
              citation="wasi-sockets.md §5.2")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.bind(s, net, addr(family, 0))
        k1 = b.sock(s, "local-address")
        b.sock(s, "is-listening")
        b.listen(s)
        b.sock(s, "is-listening")
        k2 = b.sock(s, "local-address")
        b.check(k2, "same-as", BIND_FIXED, other=k1)
        b.sock(s, "remote-address")
        b.sock(s, "address-family")

    @scenario(SCENARIOS, f"tcp.listen.self-connect-accept{suffix}", "tcp",
              ["tcp.accept", "tcp.local-address", "tcp.remote-address", *LISTEN],
              f"{family}: listen, connect a second socket of the component to it, accept: "
              "the accepted socket is connected with the listener's port and the client's "
              "address as peer", needs=["ipv6"] if family == "ipv6" else [],
              citation="wasi-sockets.md §5.4")
    def _(b: Builder) -> None:
        ip = list(LOOPBACK4 if family == "ipv4" else LOOPBACK6)
        net = b.net()
        b.pair(net, family, "{free_port}")
        kl = b.sock("$a", "local-address")
        b.check(kl, "equals", ACCEPTED, expected=addr(family, "{free_port}"))
        kr = b.sock("$a", "remote-address")
        kc = b.sock("$c", "local-address")
        b.check(kr, "same-as", ACCEPTED, other=kc)
        b.check(kc, "ip-equals", ACCEPTED, expected=ip)
        kcr = b.sock("$c", "remote-address")
        b.check(kcr, "equals", ACCEPTED, expected=addr(family, "{free_port}"))
        b.sock("$a", "is-listening")
        b.sock("$a", "address-family")
        b.sock("$l", "is-listening")
        # Accepted sockets start connected: the connected-state rules apply to them.
        b.sock("$a", "start-listen")
        b.sock("$a", "start-bind", net, addr(family, 0))
        b.sock("$a", "start-connect", net, addr(family, "{free_port}"))
        b.sock("$a", "accept")
        b.sock("$a", "finish-connect")
        b.sock("$a", "set-listen-backlog-size", 5)
        b.sock("$l", "accept")


_listen_ok("ipv4")
_listen_ok("ipv6")


@scenario(SCENARIOS, "tcp.listen.twice-invalid-state", "tcp", LISTEN,
          "start-listen on a listening socket -> invalid-state; finish-listen -> "
          "not-in-progress", citation="wasi-sockets.md §5.2, §5.4")
def _twice(b: Builder) -> None:
    net = b.net()
    s = b.listener("l", net)
    b.sock(s, "start-listen")
    b.sock(s, "finish-listen")
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "finish-bind")
    b.sock(s, "is-listening")


@scenario(SCENARIOS, "tcp.listen.during-listen", "tcp", [*LISTEN, "tcp.start-bind"],
          "while listen is in progress: start-listen/start-connect/start-bind give "
          "invalid-state or concurrency-conflict, accept invalid-state, is-listening false",
          citation="wasi-sockets.md §4, §5.2")
def _during(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "start-listen")
    b.sock(s, "start-listen")
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "accept")
    b.sock(s, "is-listening")
    b.sock(s, "local-address")
    b.sock(s, "remote-address")
    b.sock(s, "finish-bind")
    b.sock(s, "finish-connect")
    b.sock(s, "shutdown", "both")
    b.sock(s, "set-listen-backlog-size", 16)
    b.finish("tcp.finish-listen", s)
    b.sock(s, "is-listening")


@scenario(SCENARIOS, "tcp.listen.finish-without-start-not-in-progress", "tcp", LISTEN,
          "finish-listen on a bound socket that never started listening -> not-in-progress",
          citation="wasi-sockets.md §4")
def _finish_nothing(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "finish-listen")
    b.sock(s, "is-listening")


@scenario(SCENARIOS, "tcp.listen.accept-nothing-pending-would-block", "tcp", ["tcp.accept"],
          "accept on a listener with no pending connection -> would-block; the listener's "
          "pollable is not ready", citation="wasi-sockets.md §5.3, §5.4")
def _accept_wb(b: Builder) -> None:
    net = b.net()
    s = b.listener("l", net)
    b.sock(s, "accept")
    b.sock(s, "subscribe", as_="p")
    b.step("wait", "$p", NOT_READY_MS)
    b.sock(s, "accept")
    b.step("drop", "$p")


@scenario(SCENARIOS, "tcp.listen.accept-states-invalid-state", "tcp", ["tcp.accept"],
          "accept on unbound, bound and connected sockets -> invalid-state",
          citation="wasi-sockets.md §5.2, §5.4")
def _accept_states(b: Builder) -> None:
    net = b.net()
    u = b.tcp("u")
    b.sock(u, "accept")
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "accept")
    c = b.tcp("c")
    b.connect(c, net, v4("{tcp_echo_port}"))
    b.sock(c, "accept")


@scenario(SCENARIOS, "tcp.listen.pollable-ready-on-pending", "tcp", ["tcp.subscribe",
                                                                    "tcp.accept"],
          "a listener's pollable: not ready with nothing pending, ready once a client "
          "connected; accept then succeeds at once", citation="wasi-sockets.md §5.3")
def _pending(b: Builder) -> None:
    net = b.net()
    lst = b.listener("l", net, "ipv4", "{free_port}")
    b.sock(lst, "subscribe", as_="p")
    b.step("wait", "$p", NOT_READY_MS)
    c = b.tcp("c")
    b.connect(c, net, v4("{free_port}"))
    b.step("wait", "$p", READY_MS)
    b.sock(lst, "accept", as_="a")
    b.sock("$a", "remote-address")
    b.step("drop", "$p")


@scenario(SCENARIOS, "tcp.listen.accept-several", "tcp", ["tcp.accept"],
          "three clients connect before any accept: three accepts give three distinct "
          "connected sockets, then would-block", citation="wasi-sockets.md §5.4")
def _several(b: Builder) -> None:
    net = b.net()
    lst = b.listener("l", net, "ipv4", "{free_port}")
    for i in range(3):
        c = b.tcp(f"c{i}")
        b.connect(c, net, v4("{free_port}"))
    for i in range(3):
        b.accept(lst, f"a{i}")
    for i in range(3):
        b.sock(f"$a{i}", "remote-address")
    b.sock(lst, "accept")


@scenario(SCENARIOS, "tcp.listen.backlog-size", "tcp", ["tcp.set-listen-backlog-size"],
          "set-listen-backlog-size: 0 -> invalid-argument; 1 and u64 max ok before listen; "
          "after listen ok or not-supported", citation="wasi-sockets.md §5.2, §5.5")
def _backlog(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "set-listen-backlog-size", 0)
    b.sock(s, "set-listen-backlog-size", 1)
    b.sock(s, "set-listen-backlog-size", 2**64 - 1)
    b.bind(s, net, v4(0))
    b.sock(s, "set-listen-backlog-size", 0)
    b.sock(s, "set-listen-backlog-size", 128)
    b.listen(s)
    b.sock(s, "set-listen-backlog-size", 64)
    b.sock(s, "set-listen-backlog-size", 0)
    b.sock(s, "is-listening")


@scenario(SCENARIOS, "tcp.listen.backlog-one-still-accepts", "tcp",
          ["tcp.set-listen-backlog-size", "tcp.accept"],
          "a backlog of 1 (may be ignored) still lets a client connect and be accepted",
          citation="wasi-sockets.md §5.5")
def _backlog_one(b: Builder) -> None:
    net = b.net()
    s = b.tcp("l")
    b.sock(s, "set-listen-backlog-size", 1)
    b.bind(s, net, v4("{free_port}"))
    b.listen(s)
    c = b.tcp("c")
    b.connect(c, net, v4("{free_port}"))
    b.accept(s, "a")


@scenario(SCENARIOS, "tcp.listen.unspecified-accepts-loopback", "tcp", ["tcp.accept"],
          "a listener bound to 0.0.0.0 accepts a loopback client; the accepted socket's "
          "local address is concrete (127.0.0.1), not 0.0.0.0", citation="wasi-sockets.md §5.4")
def _any(b: Builder) -> None:
    net = b.net()
    lst = b.tcp("l")
    b.bind(lst, net, v4("{free_port}", (0, 0, 0, 0)))
    b.listen(lst)
    c = b.tcp("c")
    b.connect(c, net, v4("{free_port}"))
    b.accept(lst, "a")
    k = b.sock("$a", "local-address")
    b.check(k, "equals", ACCEPTED, expected=v4("{free_port}"))


@scenario(SCENARIOS, "tcp.listen.second-listener-same-port", "tcp",
          ["tcp.start-bind", "tcp.start-listen", "tcp.finish-listen"],
          "two sockets bind the same loopback port before either listens (ok, or "
          "address-in-use where the platform refuses); once one listens, listening on the "
          "other gives address-in-use", citation="wasi-sockets.md §5.4")
def _second_listener(b: Builder) -> None:
    net = b.net()
    s1, s2 = b.tcp("s1"), b.tcp("s2")
    b.bind(s1, net, v4("{free_port}"))
    b.bind(s2, net, v4("{free_port}"))
    b.listen(s1)
    b.listen(s2)
    b.sock(s1, "is-listening")


@scenario(SCENARIOS, "tcp.listen.client-left-before-accept", "tcp", ["tcp.accept"],
          "a client connects and drops its socket before the accept: accept gives a socket "
          "whose stream ends, or connection-aborted (platform-dependent)",
          citation="wasi-sockets.md §5.4")
def _client_left(b: Builder) -> None:
    net = b.net()
    lst = b.listener("l", net, "ipv4", "{free_port}")
    c = b.tcp("c")
    b.connect(c, net, v4("{free_port}"))
    b.step("drop", "$c.in")
    b.step("drop", "$c.out")
    b.step("drop", c)
    b.step("wait", lst, READY_MS)
    b.sock(lst, "accept", as_="a")
    b.sock(lst, "accept")
