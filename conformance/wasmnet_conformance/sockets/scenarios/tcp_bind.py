"""TCP bind (wasi-sockets.md §4, §5.1, §5.4): addresses that work, addresses that must be
refused with their error code, and the start/finish protocol around it."""

from __future__ import annotations

from wasmnet_conformance.sockets.scenarios.base import (
    ANY4,
    ANY6,
    BROADCAST4,
    DOC_NET6,
    LOOPBACK4,
    LOOPBACK6,
    MAPPED_LOOPBACK6,
    MULTICAST4,
    MULTICAST6,
    TEST_NET4,
    Builder,
    Scenario,
    addr,
    ip_text,
    scenario,
    v4,
    v6,
)
from wasmnet_conformance.sockets.scenarios.rules import TCP_LOCAL, UNCHANGED

SCENARIOS: list[Scenario] = []
PORT0 = TCP_LOCAL

BIND = ["tcp.start-bind", "tcp.finish-bind"]


def _ephemeral(family: str, ip: tuple[int, ...], what: str) -> None:
    @scenario(SCENARIOS, f"tcp.bind.{what}port-0-assigns-ephemeral", "tcp",
              [*BIND, "tcp.local-address"],
              f"bind {ip_text(ip)} port 0 ({family}), then local-address shows that IP and a "
              "port > 0",
              needs=["ipv6"] if family == "ipv6" else [],
              citation="wasi-sockets.md §5.4")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.bind(s, net, addr(family, 0, ip))
        k = b.sock(s, "local-address")
        b.check(k, "port-nonzero", PORT0)
        b.check(k, "ip-equals", PORT0, expected=list(ip))
        b.sock(s, "is-listening")
        b.sock(s, "address-family")


_ephemeral("ipv4", LOOPBACK4, "")
_ephemeral("ipv6", LOOPBACK6, "ipv6-")
_ephemeral("ipv4", ANY4, "unspecified-")
_ephemeral("ipv6", ANY6, "ipv6-unspecified-")


@scenario(SCENARIOS, "tcp.bind.port-0-two-sockets", "tcp", [*BIND, "tcp.local-address"],
          "two sockets bound to 127.0.0.1:0 both get a non-zero port",
          citation="wasi-sockets.md §5.4")
def _two_ephemeral(b: Builder) -> None:
    net = b.net()
    s1, s2 = b.tcp("s1"), b.tcp("s2")
    b.bind(s1, net, v4(0))
    b.bind(s2, net, v4(0))
    k1 = b.sock(s1, "local-address")
    k2 = b.sock(s2, "local-address")
    b.check(k1, "port-nonzero", PORT0)
    b.check(k2, "port-nonzero", PORT0)


def _refused(what: str, family: str, address: dict[str, object], code: str, why: str,
             *, retry: bool = True) -> None:
    """A bind the spec refuses; then (TCP may retry a failed bind) a good bind works."""
    needs = ["ipv6"] if family == "ipv6" or "ipv6" in address else []

    @scenario(SCENARIOS, f"tcp.bind.{what}", "tcp",
              [*BIND] + (["tcp.local-address"] if retry else []),
              f"bind to {why} -> {code} (at start-bind or finish-bind)"
              + ("; the socket stays unbound and a retry with a good address works" if retry
                 else ""),
              needs=needs, citation="wasi-sockets.md §4, §5.1, §5.4")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.bind(s, net, address)
        if retry:
            b.sock(s, "local-address")
            b.bind(s, net, addr(family, 0))
            k = b.sock(s, "local-address")
            b.check(k, "port-nonzero", PORT0)


_refused("wrong-family-ipv6-on-ipv4", "ipv4", v6(0), "invalid-argument",
         "an IPv6 address on an IPv4 socket")
_refused("wrong-family-ipv4-on-ipv6", "ipv6", v4(0), "invalid-argument",
         "an IPv4 address on an IPv6 socket")
_refused("ipv4-mapped-invalid-argument", "ipv6", v6(0, MAPPED_LOOPBACK6), "invalid-argument",
         "the IPv4-mapped address ::ffff:127.0.0.1")
_refused("multicast-ipv4-invalid-argument", "ipv4", v4(0, MULTICAST4), "invalid-argument",
         "the multicast address 224.0.0.1")
_refused("multicast-ipv6-invalid-argument", "ipv6", v6(0, MULTICAST6), "invalid-argument",
         "the multicast address ff02::1")
_refused("broadcast-invalid-argument", "ipv4", v4(0, BROADCAST4), "invalid-argument",
         "the broadcast address 255.255.255.255")
_refused("non-local-ipv4-not-bindable", "ipv4", v4(0, TEST_NET4), "address-not-bindable",
         "192.0.2.1 (no local interface has it)")
_refused("non-local-ipv6-not-bindable", "ipv6", v6(0, DOC_NET6), "address-not-bindable",
         "2001:db8::1 (no local interface has it)")
_refused("fixture-listener-in-use", "ipv4", v4("{tcp_echo_port}"), "address-in-use",
         "the address of a live listener (the host's TCP echo fixture)")
_refused("ipv6-fixture-listener-in-use", "ipv6", v6("{tcp6_echo_port}"), "address-in-use",
         "the address of a live IPv6 listener (the host's TCP echo fixture)")


@scenario(SCENARIOS, "tcp.bind.own-listener-in-use", "tcp", [*BIND, "tcp.start-listen"],
          "a second socket binding the address of a listening socket -> address-in-use",
          citation="wasi-sockets.md §5.4")
def _own_listener(b: Builder) -> None:
    net = b.net()
    b.listener("l", net, "ipv4", "{free_port}")
    s = b.tcp("s")
    b.bind(s, net, v4("{free_port}"))


@scenario(SCENARIOS, "tcp.bind.twice-invalid-state", "tcp", [*BIND],
          "start-bind on a bound socket -> invalid-state; the first address is kept",
          citation="wasi-sockets.md §5.2, §5.4")
def _twice(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    k1 = b.sock(s, "local-address")
    b.sock(s, "start-bind", net, v4(0))
    k2 = b.sock(s, "local-address")
    b.check(k2, "same-as", UNCHANGED, other=k1)


@scenario(SCENARIOS, "tcp.bind.finish-without-start-not-in-progress", "tcp", ["tcp.finish-bind"],
          "finish-bind with no bind started -> not-in-progress", citation="wasi-sockets.md §4")
def _finish_nothing(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "finish-bind")
    b.sock(s, "local-address")


@scenario(SCENARIOS, "tcp.bind.finish-twice-not-in-progress", "tcp", [*BIND],
          "finish-bind after the bind already finished -> not-in-progress",
          citation="wasi-sockets.md §4")
def _finish_twice(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "finish-bind")


@scenario(SCENARIOS, "tcp.bind.during-bind", "tcp", [*BIND, "tcp.local-address",
                                                       "tcp.remote-address"],
          "while a bind is in progress: a second start-bind gives invalid-state or "
          "concurrency-conflict, local/remote-address invalid-state; the first bind then "
          "finishes", citation="wasi-sockets.md §4, §5.2")
def _during(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "local-address")
    b.sock(s, "remote-address")
    b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
    b.sock(s, "start-listen")
    b.sock(s, "accept")
    b.sock(s, "is-listening")
    b.sock(s, "finish-connect")
    b.sock(s, "finish-listen")
    b.sock(s, "shutdown", "both")
    b.sock(s, "set-listen-backlog-size", 16)
    b.finish("tcp.finish-bind", s)
    k = b.sock(s, "local-address")
    b.check(k, "port-nonzero", PORT0)


@scenario(SCENARIOS, "tcp.bind.pollable-after-bind", "tcp", [*BIND, "tcp.subscribe"],
          "the socket pollable taken before bind stays usable: ready after the bind "
          "finished (bound: always ready)", citation="wasi-sockets.md §5.3")
def _pollable(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "subscribe", as_="p")
    b.sock(s, "start-bind", net, v4(0))
    b.step("wait", "$p", 5000)
    b.sock(s, "finish-bind")
    b.step("wait", "$p", 5000)
    b.step("poll", ["$p"])
    b.step("drop", "$p")


@scenario(SCENARIOS, "tcp.bind.reuse-after-server-close", "tcp",
          [*BIND, "tcp.start-listen", "tcp.accept"],
          "SHOULD: a port whose listener and server-closed connection are gone can be bound "
          "and listened on again at once (no TIME_WAIT block)",
          citation="wasi-sockets.md §5.4 (implementor note)")
def _reuse(b: Builder) -> None:
    net = b.net()
    b.pair(net, "ipv4", "{free_port}")
    b.step("drop", "$a.out")
    b.step("drop", "$a.in")
    b.step("drop", "$a")
    b.step("drop", "$l")
    b.step("read-exact", "$c.in", 1, 2000)
    b.listener("l2", net, "ipv4", "{free_port}")


@scenario(SCENARIOS, "tcp.unbound.illegal-calls", "tcp",
          ["tcp.local-address", "tcp.remote-address", "tcp.shutdown", "tcp.accept",
           "tcp.finish-bind", "tcp.finish-connect", "tcp.finish-listen"],
          "on an unbound socket: local-address, remote-address, shutdown, accept and "
          "start-listen give invalid-state, every finish-* not-in-progress; the socket "
          "still binds afterwards", citation="wasi-sockets.md §5.2")
def _unbound_calls(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.sock(s, "local-address")
    b.sock(s, "remote-address")
    b.sock(s, "shutdown", "receive")
    b.sock(s, "accept")
    b.sock(s, "start-listen")
    b.sock(s, "finish-bind")
    b.sock(s, "finish-connect")
    b.sock(s, "finish-listen")
    b.sock(s, "is-listening")
    b.bind(s, net, v4(0))
    k = b.sock(s, "local-address")
    b.check(k, "port-nonzero", PORT0)


@scenario(SCENARIOS, "tcp.closed.illegal-calls", "tcp",
          ["tcp.start-bind", "tcp.finish-bind", "tcp.start-listen", "tcp.finish-listen",
           "tcp.accept", "tcp.shutdown", "tcp.local-address", "tcp.set-listen-backlog-size"],
          "after a refused connect (closed): start-* and accept and shutdown give "
          "invalid-state, finish-* not-in-progress or invalid-state, local-address ok or "
          "invalid-state", citation="wasi-sockets.md §5.1, §5.2")
def _closed_calls(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{closed_port}"))
    b.sock(s, "finish-bind")
    b.sock(s, "finish-listen")
    b.sock(s, "finish-connect")
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "start-listen")
    b.sock(s, "accept")
    b.sock(s, "shutdown", "send")
    b.sock(s, "local-address")
    b.sock(s, "set-listen-backlog-size", 8)
    b.sock(s, "is-listening")
    b.sock(s, "address-family")
