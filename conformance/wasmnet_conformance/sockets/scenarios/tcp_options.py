"""TCP socket options (wasi-sockets.md §5.2, §5.5): ranges (0 refused, 1 and the type maximum
accepted), read-back, every state, and inheritance by accepted sockets."""

from __future__ import annotations

from dataclasses import dataclass

from wasmnet_conformance.sockets.scenarios.base import (
    Builder,
    Scenario,
    scenario,
    v4,
)
from wasmnet_conformance.sockets.scenarios.rules import INHERIT, READ_BACK

SCENARIOS: list[Scenario] = []
SECOND_NS = 1_000_000_000


@dataclass(frozen=True)
class Option:
    name: str
    maximum: int
    typical: int
    clamped: bool
    """The WIT allows the value to be clamped or rounded (else: no clamping clause)."""


U8, U32, U64 = 0xFF, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF

NUMERIC = [
    Option("keep-alive-idle-time", U64, 45 * SECOND_NS, True),
    Option("keep-alive-interval", U64, 7 * SECOND_NS, True),
    Option("keep-alive-count", U32, 5, True),
    Option("hop-limit", U8, 42, False),
    Option("receive-buffer-size", U64, 100_000, True),
    Option("send-buffer-size", U64, 90_000, True),
]
ZERO = "wasi-sockets.md §5.5: setting {name} to 0 -> invalid-argument"


def _numeric(opt: Option) -> None:
    @scenario(SCENARIOS, f"tcp.option.{opt.name}.zero-invalid-argument", "tcp",
              [f"tcp.set-{opt.name}", f"tcp.{opt.name}"],
              f"set-{opt.name}(0) -> invalid-argument; the getter still answers",
              citation="wasi-sockets.md §5.5")
    def _(b: Builder) -> None:
        s = b.tcp("s")
        b.sock(s, opt.name)
        b.sock(s, f"set-{opt.name}", 0)
        b.sock(s, opt.name)

    for label, value in (("one", 1), ("maximum", opt.maximum), ("typical", opt.typical)):
        def _set(b: Builder, value: int = value) -> None:
            s = b.tcp("s")
            b.sock(s, f"set-{opt.name}", value)
            k = b.sock(s, opt.name)
            if not opt.clamped:
                b.check(k, "equals", READ_BACK, expected=value, record=READ_BACK.id)

        scenario(SCENARIOS, f"tcp.option.{opt.name}.{label}", "tcp",
                 [f"tcp.set-{opt.name}", f"tcp.{opt.name}"],
                 f"set-{opt.name}({value}) on an unbound socket -> ok (non-zero values never "
                 "fail); the read-back is recorded" + (" (may be clamped)" if opt.clamped
                                                       else ""),
                 citation="wasi-sockets.md §5.5")(_set)


for _opt in NUMERIC:
    _numeric(_opt)


@scenario(SCENARIOS, "tcp.option.keep-alive-enabled.toggle", "tcp",
          ["tcp.set-keep-alive-enabled", "tcp.keep-alive-enabled"],
          "keep-alive-enabled: set true, read back, set false, read back (never fails)",
          citation="wasi-sockets.md §5.5")
def _toggle(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "keep-alive-enabled")
    for value in (True, False, True):
        b.sock(s, "set-keep-alive-enabled", value)
        k = b.sock(s, "keep-alive-enabled")
        b.check(k, "equals", READ_BACK, expected=value, record=READ_BACK.id)


@scenario(SCENARIOS, "tcp.option.keep-alive-params-while-off", "tcp",
          ["tcp.set-keep-alive-idle-time", "tcp.set-keep-alive-interval",
           "tcp.set-keep-alive-count"],
          "keep-alive parameters may be set while keep-alive is off, then keep-alive turned "
          "on", citation="wasi-sockets.md §5.5")
def _while_off(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "set-keep-alive-enabled", False)
    b.sock(s, "set-keep-alive-idle-time", 60 * SECOND_NS)
    b.sock(s, "set-keep-alive-interval", 10 * SECOND_NS)
    b.sock(s, "set-keep-alive-count", 4)
    b.sock(s, "set-keep-alive-enabled", True)
    b.sock(s, "keep-alive-idle-time")
    b.sock(s, "keep-alive-interval")
    b.sock(s, "keep-alive-count")


def _all_options(b: Builder, s: str) -> None:
    """Get, set a typical value, get again: every option (getters and setters never fail
    outside the closed state)."""
    b.sock(s, "keep-alive-enabled")
    b.sock(s, "set-keep-alive-enabled", True)
    for opt in NUMERIC:
        b.sock(s, opt.name)
        b.sock(s, f"set-{opt.name}", opt.typical)


STATES: dict[str, str] = {
    "unbound": "a fresh socket",
    "bind-in-progress": "after start-bind, before finish-bind",
    "bound": "after bind",
    "listen-in-progress": "after start-listen, before finish-listen",
    "listening": "a listener",
    "connect-in-progress": "after start-connect, before finish-connect",
    "connected": "a connection to the echo fixture",
    "closed": "after a refused connect",
}


def _in_state(state: str, description: str) -> None:
    @scenario(SCENARIOS, f"tcp.option.all-in-{state}", "tcp",
              ["tcp.keep-alive-enabled", "tcp.set-keep-alive-enabled",
               *(f"tcp.{o.name}" for o in NUMERIC), *(f"tcp.set-{o.name}" for o in NUMERIC)],
              f"every option getter and setter in state {state} ({description}): ok"
              + (" or invalid-state" if state == "closed" else ""),
              citation="wasi-sockets.md §5.2, §5.5")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s")
        if state == "bind-in-progress":
            b.sock(s, "start-bind", net, v4(0))
        elif state in ("bound", "listen-in-progress", "listening"):
            b.bind(s, net, v4(0))
            if state == "listen-in-progress":
                b.sock(s, "start-listen")
            elif state == "listening":
                b.listen(s)
        elif state == "connect-in-progress":
            b.sock(s, "start-connect", net, v4("{tcp_echo_port}"))
        elif state == "connected":
            b.connect(s, net, v4("{tcp_echo_port}"))
        elif state == "closed":
            b.connect(s, net, v4("{closed_port}"))
        _all_options(b, s)
        b.sock(s, "is-listening")


for _state, _description in STATES.items():
    _in_state(_state, _description)




@scenario(SCENARIOS, "tcp.option.inherited-by-accepted", "tcp",
          ["tcp.accept", *(f"tcp.{o.name}" for o in NUMERIC), "tcp.keep-alive-enabled"],
          "distinctive option values set on a listener are what the accepted socket reports",
          citation="wasi-sockets.md §5.4")
def _inherit(b: Builder) -> None:
    net = b.net()
    lst = b.tcp("l")
    b.sock(lst, "set-keep-alive-enabled", True)
    for opt in NUMERIC:
        b.sock(lst, f"set-{opt.name}", opt.typical)
    b.bind(lst, net, v4("{free_port}"))
    b.listen(lst)
    names = ["keep-alive-enabled", *(o.name for o in NUMERIC)]
    listener_reads = {name: b.sock(lst, name) for name in names}
    c = b.tcp("c")
    b.connect(c, net, v4("{free_port}"))
    b.accept(lst, "a")
    k = b.sock("$a", "address-family")
    b.check(k, "equals", INHERIT, expected="ipv4")
    for name in names:
        k = b.sock("$a", name)
        b.check(k, "same-as", INHERIT, other=listener_reads[name])


@scenario(SCENARIOS, "tcp.option.inherited-keep-alive-off", "tcp",
          ["tcp.accept", "tcp.keep-alive-enabled"],
          "keep-alive switched off on a listener is off on the accepted socket",
          citation="wasi-sockets.md §5.4")
def _inherit_off(b: Builder) -> None:
    net = b.net()
    lst = b.tcp("l")
    b.sock(lst, "set-keep-alive-enabled", False)
    b.bind(lst, net, v4("{free_port}"))
    b.listen(lst)
    k0 = b.sock(lst, "keep-alive-enabled")
    c = b.tcp("c")
    b.connect(c, net, v4("{free_port}"))
    b.accept(lst, "a")
    k = b.sock("$a", "keep-alive-enabled")
    b.check(k, "same-as", INHERIT, other=k0)


@scenario(SCENARIOS, "tcp.option.hop-limit-ipv6", "tcp", ["tcp.set-hop-limit", "tcp.hop-limit"],
          "hop-limit on an IPv6 socket (IPV6_UNICAST_HOPS): 0 refused, 1 and 255 accepted",
          needs=["ipv6"], citation="wasi-sockets.md §5.5")
def _hop6(b: Builder) -> None:
    s = b.tcp("s", "ipv6")
    b.sock(s, "hop-limit")
    b.sock(s, "set-hop-limit", 0)
    for value in (1, 255, 42):
        b.sock(s, "set-hop-limit", value)
        k = b.sock(s, "hop-limit")
        b.check(k, "equals", READ_BACK, expected=value, record=READ_BACK.id)
