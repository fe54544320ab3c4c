"""UDP sockets (wasi-sockets.md §7): bind, stream (connected and unconnected, replacement),
addresses, options, and the [ambiguous] points of the implicit state machine."""

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
    READY_MS,
    SETTLE_MS,
    TEST_NET4,
    Builder,
    Scenario,
    addr,
    hexdata,
    ip_text,
    scenario,
    v4,
    v6,
)
from wasmnet_conformance.sockets.scenarios.rules import (
    STALE,
    UDP_DATA,
    UDP_LOCAL,
    UDP_REMOTE,
    UDP_SENDER,
    UNCHANGED,
)

SCENARIOS: list[Scenario] = []
BIND = ["udp.start-bind", "udp.finish-bind"]
PORT0 = UDP_LOCAL
ECHO = UDP_DATA
FROM_ECHO = UDP_SENDER


def echo_port(family: str) -> str:
    return "{udp_echo_port}" if family == "ipv4" else "{udp6_echo_port}"


def _needs(family: str) -> list[str]:
    return ["ipv6"] if family == "ipv6" else []


def _bind_ok(family: str, ip: tuple[int, ...], what: str) -> None:
    @scenario(SCENARIOS, f"udp.bind.{what}port-0-assigns-ephemeral", "udp",
              [*BIND, "udp.local-address"],
              f"UDP bind {ip_text(ip)} port 0 ({family}): local-address has that IP and a "
              "port > 0; "
              "remote-address invalid-state (no stream yet)", needs=_needs(family),
              citation="wasi-sockets.md §7")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.udp("s", family)
        b.bind(s, net, addr(family, 0, ip))
        k = b.sock(s, "local-address")
        b.check(k, "port-nonzero", PORT0)
        b.check(k, "ip-equals", PORT0, expected=list(ip))
        b.sock(s, "remote-address")
        b.sock(s, "address-family")


_bind_ok("ipv4", LOOPBACK4, "")
_bind_ok("ipv6", LOOPBACK6, "ipv6-")
_bind_ok("ipv4", ANY4, "unspecified-")
_bind_ok("ipv6", ANY6, "ipv6-unspecified-")


def _bind_bad(what: str, family: str, address: dict[str, object], outcome: str, why: str,
              *, retry_ambiguous: bool = True) -> None:
    needs = ["ipv6"] if family == "ipv6" or "ipv6" in address else []

    @scenario(SCENARIOS, f"udp.bind.{what}", "udp", [*BIND, "udp.local-address"],
              f"UDP bind to {why} -> {outcome}; local-address stays invalid-state; a retry "
              "with a good address works or gives invalid-state [ambiguous]",
              needs=needs, citation="wasi-sockets.md §7")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.udp("s", family)
        b.bind(s, net, address)
        b.sock(s, "local-address")
        if retry_ambiguous:
            b.bind(s, net, addr(family, 0))


_bind_bad("wrong-family-ipv6-on-ipv4", "ipv4", v6(0), "invalid-argument", "an IPv6 address")
_bind_bad("wrong-family-ipv4-on-ipv6", "ipv6", v4(0), "invalid-argument", "an IPv4 address")
_bind_bad("non-local-ipv4-not-bindable", "ipv4", v4(0, TEST_NET4), "address-not-bindable",
          "192.0.2.1")
_bind_bad("non-local-ipv6-not-bindable", "ipv6", v6(0, DOC_NET6), "address-not-bindable",
          "2001:db8::1")
_bind_bad("fixture-in-use", "ipv4", v4("{udp_echo_port}"), "address-in-use",
          "the port of the host's UDP echo fixture")
_bind_bad("multicast", "ipv4", v4(0, MULTICAST4),
          "invalid-argument, address-not-bindable or ok [ambiguous]", "224.0.0.1")
_bind_bad("broadcast", "ipv4", v4(0, BROADCAST4),
          "invalid-argument, address-not-bindable or ok [ambiguous]", "255.255.255.255")
_bind_bad("ipv4-mapped", "ipv6", v6(0, MAPPED_LOOPBACK6),
          "invalid-argument, address-not-bindable or ok [ambiguous]", "::ffff:127.0.0.1")


@scenario(SCENARIOS, "udp.bind.twice-invalid-state", "udp", BIND,
          "start-bind on a bound UDP socket -> invalid-state; the address is kept",
          citation="wasi-sockets.md §7")
def _twice(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    k1 = b.sock(s, "local-address")
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "finish-bind")
    k2 = b.sock(s, "local-address")
    b.check(k2, "same-as", UNCHANGED, other=k1)


@scenario(SCENARIOS, "udp.bind.finish-without-start-not-in-progress", "udp", BIND,
          "finish-bind with no bind pending -> not-in-progress", citation="wasi-sockets.md §7")
def _finish_nothing(b: Builder) -> None:
    s = b.udp("s")
    b.sock(s, "finish-bind")
    b.sock(s, "local-address")


@scenario(SCENARIOS, "udp.bind.during-bind", "udp", [*BIND, "udp.stream"],
          "while a UDP bind is in progress: a second start-bind gives invalid-state or "
          "concurrency-conflict [ambiguous], local-address invalid-state; the bind then "
          "finishes", citation="wasi-sockets.md §7")
def _during(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.sock(s, "subscribe", as_="p")
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "start-bind", net, v4(0))
    b.sock(s, "local-address")
    b.step("wait", "$p", READY_MS)
    b.finish("udp.finish-bind", s)
    k = b.sock(s, "local-address")
    b.check(k, "port-nonzero", PORT0)
    b.step("drop", "$p")


@scenario(SCENARIOS, "udp.address.unbound-invalid-state", "udp",
          ["udp.local-address", "udp.remote-address", "udp.stream"],
          "on an unbound UDP socket: local-address, remote-address and stream (explicit bind "
          "required) give invalid-state", citation="wasi-sockets.md §7")
def _unbound(b: Builder) -> None:
    s = b.udp("s")
    b.sock(s, "local-address")
    b.sock(s, "remote-address")
    b.stream(s, None)
    b.stream(s, v4("{udp_echo_port}"))
    b.sock(s, "address-family")


def _stream_bad(what: str, family: str, remote: dict[str, object], why: str) -> None:
    needs = ["ipv6"] if family == "ipv6" or "ipv6" in remote else []

    @scenario(SCENARIOS, f"udp.stream.{what}-invalid-argument", "udp", ["udp.stream"],
              f"stream(some({why})) -> invalid-argument; a valid stream afterwards works",
              needs=needs, citation="wasi-sockets.md §7")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.udp("s", family)
        b.bind(s, net, addr(family, 0))
        b.stream(s, remote)
        b.sock(s, "remote-address")
        b.stream(s, addr(family, echo_port(family)))
        k = b.sock(s, "remote-address")
        b.check(k, "equals", UDP_REMOTE, expected=addr(family, echo_port(family)))


_stream_bad("wrong-family", "ipv4", v6("{udp6_echo_port}"), "an IPv6 address")
_stream_bad("ipv6-wrong-family", "ipv6", v4("{udp_echo_port}"), "an IPv4 address")
_stream_bad("unspecified", "ipv4", v4("{udp_echo_port}", ANY4), "0.0.0.0")
_stream_bad("ipv6-unspecified", "ipv6", v6("{udp6_echo_port}", ANY6), "::")
_stream_bad("port-0", "ipv4", v4(0), "127.0.0.1:0")


def _echo_roundtrip(family: str, connected: bool) -> None:
    kind = "connected" if connected else "unconnected"
    suffix = "" if family == "ipv4" else "-ipv6"

    @scenario(SCENARIOS, f"udp.stream.{kind}-echo{suffix}", "udp",
              ["udp.stream", "outgoing.check-send", "outgoing.send", "incoming.receive",
               "incoming.subscribe", "udp.remote-address"],
              f"{family} {kind} stream: check-send, send one datagram to the echo fixture, wait "
              "on the incoming pollable, receive it back whole from the fixture's address",
              needs=_needs(family), citation="wasi-sockets.md §7, §7.1")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.udp("s", family)
        b.bind(s, net, addr(family, 0))
        peer = addr(family, echo_port(family))
        b.stream(s, peer if connected else None)
        k = b.sock(s, "remote-address")
        if connected:
            b.check(k, "equals", UDP_REMOTE, expected=peer)
        b.sock(s, "local-address")
        data = hexdata(f"{kind} {family}")
        b.step("outgoing.check-send", "$s.out")
        b.send("$s.out", [(data, None if connected else peer)])
        b.step("incoming.subscribe", "$s.in", as_="p")
        b.step("wait", "$p", READY_MS)
        k = b.step("incoming.receive", "$s.in", 10)
        b.check(k, "data-equals", ECHO, expected=[data])
        b.check(k, "equals", FROM_ECHO, key="0.remote-address", expected=peer)
        b.step("drop", "$p")


for _family in ("ipv4", "ipv6"):
    _echo_roundtrip(_family, connected=False)
    _echo_roundtrip(_family, connected=True)


@scenario(SCENARIOS, "udp.stream.connected-send-to-peer-explicitly", "udp", ["outgoing.send"],
          "on a connected stream, a datagram naming exactly the peer is sent",
          citation="wasi-sockets.md §7.1")
def _explicit_peer(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, v4("{udp_echo_port}"))
    b.step("outgoing.check-send", "$s.out")
    data = hexdata("explicit peer")
    b.send("$s.out", [(data, v4("{udp_echo_port}"))])
    b.step("wait", "$s.in", READY_MS)
    k = b.step("incoming.receive", "$s.in", 10)
    b.check(k, "data-equals", ECHO, expected=[data])


@scenario(SCENARIOS, "udp.stream.reconnect-to-none", "udp",
          ["udp.stream", "udp.remote-address", "udp.local-address"],
          "stream(some(echo)), drop the pair, stream(none): remote-address gives "
          "invalid-state; local-address answers (port kept, changed or 0 [ambiguous])",
          citation="wasi-sockets.md §7")
def _to_none(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, v4("{udp_echo_port}"))
    b.sock(s, "remote-address")
    b.step("drop", "$s.in")
    b.step("drop", "$s.out")
    b.stream(s, None)
    b.sock(s, "remote-address")
    b.sock(s, "local-address")
    peer = v4("{udp_echo_port}")
    b.step("outgoing.check-send", "$s.out")
    data = hexdata("after reconnect")
    b.send("$s.out", [(data, peer)])
    b.step("wait", "$s.in", READY_MS)
    k = b.step("incoming.receive", "$s.in", 10)
    b.check(k, "data-equals", ECHO, expected=[data])


@scenario(SCENARIOS, "udp.stream.replace-after-drop", "udp",
          ["udp.stream", "outgoing.send", "incoming.receive"],
          "stream(none), drop the pair, stream(some(echo)): the new pair works",
          citation="wasi-sockets.md §7")
def _replace_dropped(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, None)
    b.step("drop", "$s.in")
    b.step("drop", "$s.out")
    b.stream(s, v4("{udp_echo_port}"))
    b.sock(s, "remote-address")
    b.step("outgoing.check-send", "$s.out")
    data = hexdata("second pair")
    b.send("$s.out", [(data, None)])
    b.step("wait", "$s.in", READY_MS)
    k = b.step("incoming.receive", "$s.in", 10)
    b.check(k, "data-equals", ECHO, expected=[data])


@scenario(SCENARIOS, "udp.stream.replace-old-pair-alive", "udp",
          ["udp.stream", "outgoing.send", "incoming.receive"],
          "stream() again while the old pair lives: a trap, or success with the old streams "
          "non-operational; an old stream that still moves data is a deviation",
          citation="wasi-sockets.md §7")
def _replace_alive(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, None, as_="old")
    k = b.stream(s, v4("{udp_echo_port}"), as_="new")
    b.trap_ok(k)
    old = hexdata("old stream")
    b.step("outgoing.check-send", "$old.out")
    b.send("$old.out", [(old, v4("{udp_echo_port}"))])
    b.step("outgoing.check-send", "$new.out")
    new = hexdata("new stream")
    b.send("$new.out", [(new, None)])
    b.step("wait", "$new.in", READY_MS)
    b.step("wait", "$new.in", SETTLE_MS)
    k = b.step("incoming.receive", "$new.in", 10)
    b.check(k, "datagrams-exclude", STALE, expected=old)
    b.step("incoming.receive", "$old.in", 10)


@scenario(SCENARIOS, "udp.subscribe.after-bind", "udp", ["udp.subscribe"],
          "the UDP socket pollable is ready once a bind completed; what else it signals is "
          "[ambiguous] (recorded)", citation="wasi-sockets.md §7")
def _subscribe(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.sock(s, "subscribe", as_="p")
    b.sock(s, "start-bind", net, v4(0))
    b.step("wait", "$p", READY_MS)
    b.sock(s, "finish-bind")
    b.step("wait", "$p", READY_MS)
    b.stream(s, None)
    b.step("wait", "$p", 0)
    b.step("drop", "$p")


@scenario(SCENARIOS, "udp.connected.closed-port", "udp",
          ["outgoing.send", "incoming.receive"],
          "connected to a closed loopback port: send is ok (or connection-refused); a later "
          "receive gives connection-refused or an empty list [ambiguous]",
          citation="wasi-sockets.md §7, §7.1")
def _closed_port(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, v4("{udp_closed_port}"))
    b.step("outgoing.check-send", "$s.out")
    b.send("$s.out", [(hexdata("anyone?"), None)])
    b.step("wait", "$s.in", SETTLE_MS)
    b.step("incoming.receive", "$s.in", 10)
    b.step("incoming.receive", "$s.in", 10)
    b.step("outgoing.check-send", "$s.out")


@scenario(SCENARIOS, "udp.unconnected.closed-port", "udp",
          ["outgoing.send", "incoming.receive"],
          "unconnected: a datagram to a closed port is sent; the socket keeps working "
          "(an echo afterwards comes back)", citation="wasi-sockets.md §7.1")
def _unconnected_closed(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, None)
    b.step("outgoing.check-send", "$s.out")
    b.send("$s.out", [(hexdata("nobody"), v4("{udp_closed_port}"))])
    b.step("wait", "$s.in", SETTLE_MS)
    b.step("incoming.receive", "$s.in", 10)
    data = hexdata("still works")
    b.step("outgoing.check-send", "$s.out")
    b.send("$s.out", [(data, v4("{udp_echo_port}"))])
    b.step("wait", "$s.in", READY_MS)
    k = b.step("incoming.receive", "$s.in", 10)
    b.check(k, "data-equals", ECHO, expected=[data])


@scenario(SCENARIOS, "udp.self.two-sockets", "udp",
          ["outgoing.send", "incoming.receive", "udp.local-address"],
          "two UDP sockets of the component exchange datagrams over fixed loopback ports; the "
          "receiver sees the sender's address", citation="wasi-sockets.md §7.1")
def _two(b: Builder) -> None:
    net = b.net()
    x, y = b.udp("x"), b.udp("y")
    b.bind(x, net, v4("{free_port}"))
    b.bind(y, net, v4("{free_port2}"))
    b.stream(x, None)
    b.stream(y, v4("{free_port}"))
    b.step("outgoing.check-send", "$y.out")
    data = hexdata("from y")
    b.send("$y.out", [(data, None)])
    b.step("wait", "$x.in", READY_MS)
    k = b.step("incoming.receive", "$x.in", 10)
    b.check(k, "data-equals", UDP_DATA, expected=[data])
    b.check(k, "equals", UDP_SENDER, key="0.remote-address", expected=v4("{free_port2}"))
    b.step("outgoing.check-send", "$x.out")
    back = hexdata("from x")
    b.send("$x.out", [(back, v4("{free_port2}"))])
    b.step("wait", "$y.in", READY_MS)
    k = b.step("incoming.receive", "$y.in", 10)
    b.check(k, "data-equals", UDP_DATA, expected=[back])


@scenario(SCENARIOS, "udp.bind.wildcard-overlaps-fixture", "udp", BIND,
          "UDP bind 0.0.0.0 on the port of the host's 127.0.0.1 echo fixture: ok or "
          "address-in-use (platform-dependent)", citation="wasi-sockets.md §7")
def _overlap(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4("{udp_echo_port}", ANY4))
    b.sock(s, "local-address")


@scenario(SCENARIOS, "udp.drop.socket-before-streams", "udp", ["drop"],
          "[ambiguous] dropping a UDP socket while its datagram streams live: a trap or ok "
          "(recorded)", citation="wasi-sockets.md §5.6, §7")
def _drop_udp(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, None)
    k = b.step("drop", s)
    b.trap_ok(k)
    b.step("outgoing.check-send", "$s.out")
