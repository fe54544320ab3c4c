"""Denial pass (wasi-sockets.md §1, §8): run with network access denied, bind, connect, listen,
UDP stream and lookup are refused with access-denied (creation itself may be refused too
[ambiguous]; a denied lookup may give another code at either call: warned, recorded)."""

from __future__ import annotations

from collections.abc import Callable

from wasmnet_conformance.sockets.scenarios.base import (
    Builder,
    Scenario,
    ScenarioFn,
    scenario,
    v4,
    v6,
)

SCENARIOS: list[Scenario] = []


def deny(id: str, functions: list[str], description: str
         ) -> Callable[[ScenarioFn], ScenarioFn]:
    return scenario(SCENARIOS, f"deny.{id}", "deny", functions, description, granted=False,
                    citation="wasi-sockets.md §1, §8")


@deny("instance-network", ["instance-network"],
      "instance-network() still answers when the network is denied")
def _net(b: Builder) -> None:
    b.net()


@deny("tcp.create", ["create-tcp-socket"],
      "create-tcp-socket: ok or access-denied [ambiguous]; a created socket answers its "
      "option getters")
def _create_tcp(b: Builder) -> None:
    s = b.tcp("s")
    b.tcp("s6", "ipv6")
    b.sock(s, "address-family")
    b.sock(s, "keep-alive-enabled")
    b.sock(s, "set-hop-limit", 9)


@deny("tcp.bind", ["tcp.start-bind", "tcp.finish-bind"],
      "TCP bind to 127.0.0.1:0 -> access-denied (at start or finish)")
def _bind(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "local-address")


@deny("tcp.connect", ["tcp.start-connect", "tcp.finish-connect"],
      "TCP connect to the echo fixture -> access-denied (at start or finish)")
def _connect(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.sock(s, "remote-address")


@deny("tcp.connect-ipv6", ["tcp.start-connect", "tcp.finish-connect"],
      "TCP connect over IPv6 -> access-denied")
def _connect6(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s", "ipv6")
    b.connect(s, net, v6("{tcp6_echo_port}"))


@deny("tcp.listen", ["tcp.start-listen"],
      "start-listen on an unbound socket when denied: invalid-state or access-denied "
      "(tolerant profile)")
def _listen(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "start-listen")
    b.sock(s, "accept")


@deny("udp.create", ["create-udp-socket"],
      "create-udp-socket: ok or access-denied [ambiguous]")
def _create_udp(b: Builder) -> None:
    s = b.udp("s")
    b.udp("s6", "ipv6")
    b.sock(s, "address-family")
    b.sock(s, "set-unicast-hop-limit", 9)


@deny("udp.bind", ["udp.start-bind", "udp.finish-bind"],
      "UDP bind -> access-denied (at start or finish)")
def _udp_bind(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "local-address")


@deny("udp.stream", ["udp.stream"],
      "UDP stream on a socket whose bind was denied: invalid-state or access-denied")
def _udp_stream(b: Builder) -> None:
    net = b.net()
    s = b.udp("s")
    b.bind(s, net, v4(0))
    b.stream(s, v4("{udp_echo_port}"))


def _lookup(what: str, name: str) -> None:
    @deny(f"lookup.{what}", ["resolve-addresses", "resolve-next-address"],
          f"resolve {name!r} when denied -> access-denied at either call (other codes warn)")
    def _(b: Builder) -> None:
        net = b.net()
        b.step("resolve-addresses", net, name, as_="r")
        b.finish("resolve-next-address", "$r")


_lookup("ipv4-literal", "127.0.0.1")
_lookup("ipv6-literal", "::1")
