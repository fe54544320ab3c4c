"""UDP datagram streams (wasi-sockets.md §7.1): send permits (within, without and beyond
check-send, each may-trap case in its own scenario), destinations, datagram sizes, receive
bounds, and UDP options including the hop limit as the host fixture observes it."""

from __future__ import annotations

from typing import Any

from wasmnet_conformance.sockets.scenarios.base import (
    ANY4,
    READY_MS,
    SETTLE_MS,
    Builder,
    Scenario,
    hexdata,
    scenario,
    v4,
    v6,
)
from wasmnet_conformance.sockets.scenarios.rules import (
    HOP_LIMIT_EFFECT,
    READ_BACK,
    UDP_DATA,
    UDP_RECEIVE,
    UDP_RECEIVE_ZERO,
    UDP_SEND,
)

SCENARIOS: list[Scenario] = []
SEND = ["outgoing.check-send", "outgoing.send"]
ECHO = UDP_DATA


def _unconnected(b: Builder, family: str = "ipv4") -> str:
    net = b.net()
    s = b.udp("s", family)
    b.bind(s, net, v4(0) if family == "ipv4" else v6(0))
    b.stream(s, None)
    return net


def _connected(b: Builder, family: str = "ipv4") -> str:
    net = b.net()
    s = b.udp("s", family)
    b.bind(s, net, v4(0) if family == "ipv4" else v6(0))
    b.stream(s, v4("{udp_echo_port}") if family == "ipv4" else v6("{udp6_echo_port}"))
    return net


ECHO4 = v4("{udp_echo_port}")


@scenario(SCENARIOS, "udp.send.within-check-send", "udp", SEND,
          "check-send grants n >= 1; sending one datagram returns 1; the outgoing pollable is "
          "ready", citation="wasi-sockets.md §7.1")
def _within(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.subscribe", "$s.out", as_="p")
    b.step("wait", "$p", READY_MS)
    b.step("outgoing.check-send", "$s.out")
    data = hexdata("within")
    b.send("$s.out", [(data, ECHO4)])
    b.step("wait", "$s.in", READY_MS)
    k = b.step("incoming.receive", "$s.in", 4)
    b.check(k, "data-equals", ECHO, expected=[data])
    b.step("drop", "$p")


@scenario(SCENARIOS, "udp.send.without-check-send-traps", "udp", ["outgoing.send"],
          "send without a preceding check-send must trap", citation="wasi-sockets.md §7.1")
def _without(b: Builder) -> None:
    _unconnected(b)
    k = b.send("$s.out", [(hexdata("no permit"), ECHO4)])
    b.trap_ok(k)
    b.step("outgoing.check-send", "$s.out")


@scenario(SCENARIOS, "udp.send.beyond-check-send-traps", "udp", SEND,
          "sending more datagrams than check-send permitted must trap (600 datagrams: more "
          "than the permit of known runtimes; a larger permit makes them a valid send)",
          citation="wasi-sockets.md §7.1")
def _beyond(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.check-send", "$s.out")
    k = b.send("$s.out", [(f"{i:04x}", v4("{udp_closed_port}")) for i in range(600)])
    b.trap_ok(k)
    b.step("outgoing.check-send", "$s.out")


@scenario(SCENARIOS, "udp.send.second-send-same-grant", "udp", SEND,
          "[ambiguous] two sends of one datagram each after a single check-send: a trap (one "
          "grant per send) or both ok (recorded)", citation="wasi-sockets.md §7.1")
def _same_grant(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.check-send", "$s.out")
    b.send("$s.out", [(hexdata("first"), ECHO4)])
    k = b.send("$s.out", [(hexdata("second"), ECHO4)])
    b.trap_ok(k)


@scenario(SCENARIOS, "udp.send.empty-list-without-check-send", "udp", ["outgoing.send"],
          "[ambiguous] send([]) without check-send: a trap or ok(0) (recorded)",
          citation="wasi-sockets.md §7.1")
def _empty_no_grant(b: Builder) -> None:
    _unconnected(b)
    k = b.step("outgoing.send", "$s.out", [])
    b.trap_ok(k)


@scenario(SCENARIOS, "udp.send.empty-list", "udp", SEND,
          "send([]) after check-send -> ok(0)", citation="wasi-sockets.md §7.1")
def _empty(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.check-send", "$s.out")
    k = b.step("outgoing.send", "$s.out", [])
    b.check(k, "equals", UDP_SEND, expected=0)


@scenario(SCENARIOS, "udp.send.valid-then-invalid", "udp", SEND,
          "send([valid, invalid]) -> ok(1): the count once one datagram went out (a trap only "
          "if the permit was below 2)", citation="wasi-sockets.md §7.1")
def _valid_invalid(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.check-send", "$s.out")
    data = hexdata("valid first")
    k = b.send("$s.out", [(data, ECHO4), (hexdata("port 0"), v4(0))])
    b.trap_ok(k)
    b.check(k, "equals", UDP_SEND, expected=1)
    b.step("wait", "$s.in", READY_MS)
    k = b.step("incoming.receive", "$s.in", 4)
    b.check(k, "data-equals", ECHO, expected=[data])


@scenario(SCENARIOS, "udp.send.invalid-then-valid", "udp", SEND,
          "send([invalid, valid]) -> the error (invalid-argument): nothing went out",
          citation="wasi-sockets.md §7.1")
def _invalid_valid(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.check-send", "$s.out")
    k = b.send("$s.out", [(hexdata("port 0"), v4(0)), (hexdata("valid second"), ECHO4)])
    b.trap_ok(k)
    b.step("wait", "$s.in", SETTLE_MS)
    k = b.step("incoming.receive", "$s.in", 4)
    b.check(k, "datagrams-exclude", UDP_SEND, expected=hexdata("valid second"))


def _bad_destination(what: str, why: str, connected: bool,
                     dest: dict[str, object] | None, family: str = "ipv4") -> None:
    @scenario(SCENARIOS, f"udp.send.{what}-invalid-argument", "udp", SEND,
              f"{'connected' if connected else 'unconnected'} {family} stream: a datagram "
              f"{why} -> invalid-argument", needs=["ipv6"] if family == "ipv6" else [],
              citation="wasi-sockets.md §7.1")
    def _(b: Builder) -> None:
        if connected:
            _connected(b, family)
        else:
            _unconnected(b, family)
        b.step("outgoing.check-send", "$s.out")
        b.send("$s.out", [(hexdata(what), dest)])
        b.step("outgoing.check-send", "$s.out")


_bad_destination("unconnected-no-address", "without a remote address (EDESTADDRREQ)", False,
                 None)
_bad_destination("connected-other-address", "to an address other than the peer (EISCONN)",
                 True, v4("{udp_closed_port}"))
_bad_destination("wrong-family", "to an IPv6 address on an IPv4 socket", False,
                 v6("{udp6_echo_port}"))
_bad_destination("ipv6-wrong-family", "to an IPv4 address on an IPv6 socket", False,
                 v4("{udp_echo_port}"), "ipv6")
_bad_destination("port-0", "to port 0", False, v4(0))
_bad_destination("unspecified", "to 0.0.0.0", False, v4("{udp_echo_port}", ANY4))
_bad_destination("ipv6-unspecified", "to ::", False,
                 v6("{udp6_echo_port}", (0, 0, 0, 0, 0, 0, 0, 0)), "ipv6")


@scenario(SCENARIOS, "udp.receive.nothing-yet", "udp", ["incoming.receive"],
          "receive with nothing queued -> ok(empty) at once (never would-block)",
          citation="wasi-sockets.md §7.1")
def _nothing(b: Builder) -> None:
    _unconnected(b)
    k = b.step("incoming.receive", "$s.in", 10)
    b.check(k, "equals", UDP_RECEIVE, expected=[])
    b.step("wait", "$s.in", 100)


@scenario(SCENARIOS, "udp.receive.max-results-bounds", "udp", ["incoming.receive"],
          "three datagrams queued: receive(0) -> ok(empty); receive(1) -> at most one; "
          "receive(10) -> the rest", citation="wasi-sockets.md §7.1")
def _bounds(b: Builder) -> None:
    _unconnected(b)
    b.step("outgoing.check-send", "$s.out")
    b.send("$s.out", [(hexdata(f"d{i}"), ECHO4) for i in range(3)])
    b.step("wait", "$s.in", READY_MS)
    b.step("wait", "$s.in", SETTLE_MS)
    k = b.step("incoming.receive", "$s.in", 0)
    b.check(k, "equals", UDP_RECEIVE_ZERO, expected=[])
    k = b.step("incoming.receive", "$s.in", 1)
    b.check(k, "max-items", UDP_RECEIVE, expected=1)
    b.step("wait", "$s.in", SETTLE_MS)
    b.step("incoming.receive", "$s.in", 10)


def _pattern(n: int) -> str:
    return bytes((i * 13 + 5) & 0xFF for i in range(n)).hex()


COMPACT_FROM = 16 * 1024
"""Datagrams from this size on travel in the script's compact repeat form: as plain hex, a
65,507-byte datagram would not fit a script passed in one command-line argument."""


def _data(n: int) -> tuple[str | dict[str, Any], str]:
    """``n`` bytes of pattern as the script's data value and as plain hex (for the check).
    Large ones are ``{"repeat": unit, "count": c}`` with the unit the longest pattern of at
    most 256 bytes whose length divides ``n`` (position-dependent within the unit)."""
    if n < COMPACT_FROM:
        return _pattern(n), _pattern(n)
    unit = max(d for d in range(1, 257) if n % d == 0)
    return {"repeat": _pattern(unit), "count": n // unit}, _pattern(unit) * (n // unit)


def _size(what: str, family: str, n: int, outcome: str) -> None:
    @scenario(SCENARIOS, f"udp.datagram.{what}", "udp", [*SEND, "incoming.receive"],
              f"a {n}-byte datagram over {family} loopback -> {outcome}",
              needs=["ipv6"] if family == "ipv6" else [], citation="wasi-sockets.md §7.1")
    def _(b: Builder) -> None:
        _connected(b, family)
        data, plain = _data(n)
        b.step("outgoing.check-send", "$s.out")
        b.send("$s.out", [(data, None)])
        if outcome == "echoed whole":
            b.step("wait", "$s.in", READY_MS)
            k = b.step("incoming.receive", "$s.in", 1)
            b.check(k, "data-equals", ECHO, expected=[plain])
        else:
            b.step("outgoing.check-send", "$s.out")


_size("empty", "ipv4", 0, "echoed whole")
_size("one-byte", "ipv4", 1, "echoed whole")
_size("typical-mtu-1472", "ipv4", 1472, "echoed whole")
_size("above-mtu-8000", "ipv4", 8000, "echoed whole")
_size("ipv6-1452", "ipv6", 1452, "echoed whole")
_size("ipv4-max-65507", "ipv4", 65_507, "echoed whole")
_size("ipv4-max-plus-one-too-large", "ipv4", 65_508, "datagram-too-large")
_size("ipv4-70000-too-large", "ipv4", 70_000, "datagram-too-large")
_size("ipv6-max-65527", "ipv6", 65_527, "echoed whole")
_size("ipv6-max-plus-one-too-large", "ipv6", 65_528, "datagram-too-large")


# ------------------------------------------------------------------------------- options

U8, U64 = 0xFF, 0xFFFF_FFFF_FFFF_FFFF
UDP_OPTIONS = [
    ("unicast-hop-limit", U8, 42, False),
    ("receive-buffer-size", U64, 100_000, True),
    ("send-buffer-size", U64, 90_000, True),
]


def _udp_option(name: str, maximum: int, typical: int, clamped: bool) -> None:
    @scenario(SCENARIOS, f"udp.option.{name}.zero-invalid-argument", "udp",
              [f"udp.set-{name}", f"udp.{name}"],
              f"UDP set-{name}(0) -> invalid-argument; the getter still answers",
              citation="wasi-sockets.md §7")
    def _(b: Builder) -> None:
        s = b.udp("s")
        b.sock(s, name)
        b.sock(s, f"set-{name}", 0)
        b.sock(s, name)

    @scenario(SCENARIOS, f"udp.option.{name}.values", "udp",
              [f"udp.set-{name}", f"udp.{name}"],
              f"UDP set-{name} to 1, the maximum and {typical} -> ok (never fails), read-back "
              "recorded" + (" (may be clamped)" if clamped else ""),
              citation="wasi-sockets.md §7")
    def _(b: Builder) -> None:
        s = b.udp("s")
        for value in (1, maximum, typical):
            b.sock(s, f"set-{name}", value)
            k = b.sock(s, name)
            if not clamped:
                b.check(k, "equals", READ_BACK, expected=value, record=READ_BACK.id)


for _o in UDP_OPTIONS:
    _udp_option(*_o)


def _udp_options_in(state: str) -> None:
    @scenario(SCENARIOS, f"udp.option.all-in-{state}", "udp",
              [f"udp.{n}" for n, *_ in UDP_OPTIONS] + [f"udp.set-{n}" for n, *_ in UDP_OPTIONS],
              f"every UDP option getter and setter on a {state} socket: ok",
              citation="wasi-sockets.md §7")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.udp("s")
        if state in ("bound", "streaming"):
            b.bind(s, net, v4(0))
        if state == "streaming":
            b.stream(s, ECHO4)
        if state == "bind-in-progress":
            b.sock(s, "start-bind", net, v4(0))
        for name, _max, typical, _c in UDP_OPTIONS:
            b.sock(s, name)
            b.sock(s, f"set-{name}", typical)


for _state in ("unbound", "bind-in-progress", "bound", "streaming"):
    _udp_options_in(_state)


TTL = HOP_LIMIT_EFFECT


def _ttl(family: str, hops: int) -> None:
    suffix = "" if family == "ipv4" else "-ipv6"
    port = "{ttl_port}" if family == "ipv4" else "{ttl6_port}"

    @scenario(SCENARIOS, f"udp.option.unicast-hop-limit-observed{suffix}-{hops}", "udp",
              ["udp.set-unicast-hop-limit", "outgoing.send"],
              f"set-unicast-hop-limit({hops}) on a {family} socket, send to the host's TTL "
              "receiver: the fixture sees that hop limit on the datagram",
              needs=["ttl"] + (["ipv6"] if family == "ipv6" else []),
              citation="wasi-sockets.md §5.5, §7")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.udp("s", family)
        k_set = b.sock(s, "set-unicast-hop-limit", hops)
        b.bind(s, net, v4(0) if family == "ipv4" else v6(0))
        b.stream(s, v4(port) if family == "ipv4" else v6(port))
        b.step("outgoing.check-send", "$s.out")
        payload = hexdata(f"ttl {family} {hops} ") + "{nonce_hex}"
        k = b.send("$s.out", [(payload, None)])
        b.check(k, "fixture", TTL, expected={"fixture": "ttl", "data": payload,
                                               "hop_limit": hops}, other=k_set)


for _family in ("ipv4", "ipv6"):
    for _hops in (7, 200):
        _ttl(_family, _hops)


@scenario(SCENARIOS, "udp.option.unicast-hop-limit-set-after-stream", "udp",
          ["udp.set-unicast-hop-limit", "outgoing.send"],
          "set-unicast-hop-limit on a socket already streaming applies to later datagrams "
          "(observed by the host's TTL receiver)", needs=["ttl"],
          citation="wasi-sockets.md §5.5, §7")
def _ttl_late(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, v4("{ttl_port}"))
    k_set = b.sock(s, "set-unicast-hop-limit", 9)
    b.step("outgoing.check-send", "$s.out")
    payload = hexdata("ttl late ") + "{nonce_hex}"
    k = b.send("$s.out", [(payload, None)])
    b.check(k, "fixture", TTL, expected={"fixture": "ttl", "data": payload, "hop_limit": 9},
            other=k_set)
