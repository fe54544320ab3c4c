"""Scenarios as data: a script of probe steps (the contract in ``sockets/script.py``) plus what
the model cannot know by itself (scenario-level data expectations, which steps may trap).

A scenario is built once at import time by a small :class:`Builder`; its ``steps`` are plain
JSON-able dicts with ``{placeholder}`` values that the runner fills from the fixtures. Every step
is a checked step: the model judges its result, and the :data:`Check` objects attached to it add
data expectations that only the scenario knows (echoed bytes, the TTL a fixture observed, a
value read on another socket).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wasmnet_conformance.sockets.scenarios.rules import CheckRule

SCENARIO_ID = re.compile(r"[a-z0-9]+(?:[.-][a-z0-9]+)*")
"""Scenario IDs: dotted lower-case words (``tcp.bind.port-0-assigns-ephemeral``); they are
stable, because expectation files and repro commands name them."""

FAMILIES = ("network", "tcp", "udp", "lookup", "io", "deny")

# Timeouts (ms) the probe's helpers wait at most. Generous where readiness is expected (a slow
# CI machine must not turn into a failure), short where it is expected NOT to come.
READY_MS = 3_000
NOT_READY_MS = 150
SETTLE_MS = 300
"""How long to wait for something that may or may not arrive (ICMP errors, stray datagrams)."""

LOOPBACK4 = (127, 0, 0, 1)
LOOPBACK6 = (0, 0, 0, 0, 0, 0, 0, 1)
ANY4 = (0, 0, 0, 0)
ANY6 = (0, 0, 0, 0, 0, 0, 0, 0)
TEST_NET4 = (192, 0, 2, 1)
"""RFC 5737 documentation address: never local, never routed (wasi-sockets.md §5.4)."""
DOC_NET6 = (0x2001, 0xDB8, 0, 0, 0, 0, 0, 1)
"""RFC 3849 documentation address."""
MULTICAST4 = (224, 0, 0, 1)
MULTICAST6 = (0xFF02, 0, 0, 0, 0, 0, 0, 1)
BROADCAST4 = (255, 255, 255, 255)
MAPPED_LOOPBACK6 = (0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 1)
"""``::ffff:127.0.0.1``: IPv4-mapped, rejected by bind/connect (§5.4)."""

Port = int | str
"""A port number or a whole-value placeholder such as ``"{tcp_echo_port}"``."""


def v4(port: Port, ip: Iterable[int] = LOOPBACK4) -> dict[str, Any]:
    return {"ipv4": list(ip), "port": port}


def v6(port: Port, ip: Iterable[int] = LOOPBACK6) -> dict[str, Any]:
    return {"ipv6": list(ip), "port": port, "flow-info": 0, "scope-id": 0}


def addr(family: str, port: Port, ip: Iterable[int] | None = None) -> dict[str, Any]:
    """A socket address of ``family`` (loopback unless ``ip`` is given)."""
    if family == "ipv4":
        return v4(port, LOOPBACK4 if ip is None else ip)
    return v6(port, LOOPBACK6 if ip is None else ip)


def ip_only(family: str, ip: Iterable[int]) -> dict[str, Any]:
    """An ``ip-address`` value (what name lookup returns)."""
    return {family: list(ip)}


def ip_text(ip: Iterable[int]) -> str:
    """``127.0.0.1`` / ``::1`` for descriptions."""
    groups = list(ip)
    if len(groups) == 4:
        return str(ipaddress.IPv4Address(bytes(groups)))
    return str(ipaddress.IPv6Address(b"".join(g.to_bytes(2, "big") for g in groups)))


def hexdata(text: str) -> str:
    return text.encode().hex()


# ------------------------------------------------------------------------------------ checks


@dataclass(frozen=True)
class Check:
    """A scenario-level data expectation evaluated on step ``step``'s ``ok`` value.

    ``kind``:

    * ``equals``: the value (or ``value[key]``) equals ``expected`` (placeholders filled);
    * ``same-as``: the value (or ``value[key]``) equals step ``other``'s (or its ``other_key``);
    * ``port-nonzero``: ``value["port"]`` is not 0;
    * ``ip-equals``: the address part of a socket address equals ``expected`` (a list);
    * ``data-equals``: hex read from a stream, or the datagram payloads of a receive (a list
      of hex strings), equal ``expected``;
    * ``datagrams-exclude``: no received datagram carries payload ``expected`` (hex);
    * ``fixture``: the fixture named ``expected`` reports, for this scenario, the value of
      step ``other``'s argument ``key`` (e.g. the TTL a receiver saw equals the hop limit set).

    ``record`` checks never fail: a mismatch is recorded as the reading taken for ``flag``
    (spec points marked [ambiguous], e.g. exact read-back of options without a clamping clause).
    """

    step: int
    kind: str
    rule: CheckRule
    expected: Any = None
    key: str | None = None
    other: int | None = None
    other_key: str | None = None
    record: str | None = None
    """An ambiguity flag: record the reading instead of failing."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.step, "kind": self.kind, "rule": self.rule.id}
        for name in ("expected", "key", "other", "other_key", "record"):
            v = getattr(self, name)
            if v is not None:
                out[name] = v
        return out


CHECK_KINDS = frozenset({
    "equals", "same-as", "port-nonzero", "ip-equals", "data-equals", "datagrams-exclude",
    "max-items",
    "fixture",
})


# ------------------------------------------------------------------------------------ scenario


@dataclass(frozen=True)
class Scenario:
    id: str
    family: str
    """``network``, ``tcp``, ``udp``, ``lookup``, ``io`` or ``deny`` (the matrix groups by it)."""
    functions: tuple[str, ...]
    """The probe calls the scenario is about (coverage is measured over these and all steps)."""
    description: str
    granted: bool
    """False: the runtime runs it with network access denied."""
    steps: tuple[dict[str, Any], ...]
    checks: tuple[Check, ...] = ()
    may_trap: frozenset[int] = frozenset()
    """Steps allowed to trap; a trap there ends the scenario and the rest is not judged."""
    needs: frozenset[str] = frozenset()
    """Fixture features the scenario uses (``ipv6``, ``ttl``): without them it is skipped."""
    citation: str = ""

    def __post_init__(self) -> None:
        if not SCENARIO_ID.fullmatch(self.id):
            raise ValueError(f"bad scenario id {self.id!r}")
        if self.family not in FAMILIES:
            raise ValueError(f"{self.id}: unknown family {self.family!r}")
        for c in self.checks:
            if c.kind not in CHECK_KINDS or not 0 <= c.step < len(self.steps):
                raise ValueError(f"{self.id}: bad check {c}")
            if c.other is not None and not 0 <= c.other < len(self.steps):
                raise ValueError(f"{self.id}: check refers to missing step {c.other}")
        for k in self.may_trap:
            if not 0 <= k < len(self.steps):
                raise ValueError(f"{self.id}: may_trap names missing step {k}")

    def step_call(self, k: int) -> str:
        """The call a step is about: the inner call of a ``finish`` helper step."""
        step = self.steps[k]
        if step["call"] == "finish":
            return str(step["args"][0])
        return str(step["call"])

    def case_id(self, k: int) -> str:
        """``<scenario-id>#<k>-<call>``: one case per checked step."""
        return f"{self.id}#{k}-{self.step_call(k)}"

    def case_ids(self) -> list[str]:
        return [self.case_id(k) for k in range(len(self.steps))]

    def calls(self) -> set[str]:
        """Every probe call used (inner calls of helpers included)."""
        return {self.step_call(k) for k in range(len(self.steps))}

    def script_json(self, upto: int | None = None) -> dict[str, Any]:
        """The script as the probe reads it (placeholders left in), steps ``0..upto``."""
        steps = self.steps if upto is None else self.steps[: upto + 1]
        return {"id": self.id, "steps": [dict(s) for s in steps]}


# ------------------------------------------------------------------------------------ builder


@dataclass
class Builder:
    """Writes the steps of one scenario; methods return the step index (for checks) or the
    ``$name`` of the resource a step created."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    may_trap: set[int] = field(default_factory=set)
    kinds: dict[str, str] = field(default_factory=dict)
    """Resource name -> ``tcp``/``udp`` (to prefix socket calls)."""

    # plain steps -----------------------------------------------------------------------
    def step(self, call: str, *args: Any, as_: str | None = None) -> int:
        step: dict[str, Any] = {"call": call}
        if args:
            step["args"] = list(args)
        if as_ is not None:
            step["as"] = as_
        self.steps.append(step)
        return len(self.steps) - 1

    @property
    def last(self) -> int:
        return len(self.steps) - 1

    def net(self, name: str = "net") -> str:
        self.step("instance-network", as_=name)
        return "$" + name

    def tcp(self, name: str, family: str = "ipv4") -> str:
        self.step("create-tcp-socket", family, as_=name)
        self.kinds[name] = "tcp"
        return "$" + name

    def udp(self, name: str, family: str = "ipv4") -> str:
        self.step("create-udp-socket", family, as_=name)
        self.kinds[name] = "udp"
        return "$" + name

    def kind(self, sock: str) -> str:
        return self.kinds[sock.lstrip("$")]

    def sock(self, sock: str, method: str, *args: Any, as_: str | None = None) -> int:
        """``tcp.<method>`` or ``udp.<method>`` on ``sock``."""
        if method == "accept" and as_ is not None:
            self.kinds[as_] = "tcp"
        if method == "finish-connect" and as_ is None:
            # The probe names the streams after the socket; a repeated finish-connect on a
            # connected socket must not collide with the streams it already has.
            as_ = f"fc{len(self.steps)}"
        return self.step(f"{self.kind(sock)}.{method}", sock, *args, as_=as_)

    def finish(self, call: str, sock: str, *, as_: str | None = None,
               timeout_ms: int = READY_MS) -> int:
        """The probe's ``finish`` helper: retry ``call`` while it gives would-block."""
        return self.step("finish", call, sock, timeout_ms, as_=as_)

    # composite steps --------------------------------------------------------------------
    def bind(self, sock: str, net: str, address: dict[str, Any]) -> tuple[int, int]:
        k = self.kind(sock)
        return (self.step(f"{k}.start-bind", sock, net, address),
                self.finish(f"{k}.finish-bind", sock))

    def listen(self, sock: str) -> tuple[int, int]:
        return (self.step("tcp.start-listen", sock), self.finish("tcp.finish-listen", sock))

    def connect(self, sock: str, net: str, address: dict[str, Any],
                as_: str | None = None) -> tuple[int, int]:
        """start-connect + finish; the streams are ``<as_ or sock>.in`` / ``.out``."""
        return (self.step("tcp.start-connect", sock, net, address),
                self.finish("tcp.finish-connect", sock, as_=as_))

    def accept(self, listener: str, as_: str) -> int:
        """accept (retried while would-block): socket ``as_``, streams ``as_.in``/``.out``."""
        self.kinds[as_] = "tcp"
        return self.finish("tcp.accept", listener, as_=as_)

    def listener(self, name: str, net: str, family: str = "ipv4",
                 port: Port = 0) -> str:
        s = self.tcp(name, family)
        self.bind(s, net, addr(family, port))
        self.listen(s)
        return s

    def pair(self, net: str, family: str = "ipv4", port: Port = "{free_port}",
             listener: str = "l", client: str = "c", server: str = "a") -> None:
        """A connected pair inside the component: listener ``l`` on loopback ``port``, client
        ``c`` (streams ``c.in``/``c.out``), accepted socket ``a`` (``a.in``/``a.out``)."""
        lst = self.listener(listener, net, family, port)
        c = self.tcp(client, family)
        self.connect(c, net, addr(family, port))
        self.accept(lst, server)

    def stream(self, sock: str, remote: dict[str, Any] | None, as_: str | None = None) -> int:
        return self.step("udp.stream", sock, remote, as_=as_)

    def send(self, out: str,
             datagrams: list[tuple[str | dict[str, Any], dict[str, Any] | None]]) -> int:
        """outgoing.send of (data, remote-address or None) pairs; data is hex or the compact
        ``{"repeat": hex, "count": n}`` form."""
        return self.step("outgoing.send", out, [
            {"data": d} if a is None else {"data": d, "remote-address": a}
            for d, a in datagrams
        ])

    # checks ------------------------------------------------------------------------------
    def check(self, step: int, kind: str, rule: CheckRule, **kw: Any) -> None:
        self.checks.append(Check(step, kind, rule, **kw))

    def trap_ok(self, step: int) -> None:
        self.may_trap.add(step)


ScenarioFn = Callable[[Builder], None]


def scenario(
    registry: list[Scenario],
    id: str,
    family: str,
    functions: Iterable[str],
    description: str,
    *,
    granted: bool = True,
    needs: Iterable[str] = (),
    citation: str = "",
) -> Callable[[ScenarioFn], ScenarioFn]:
    """Decorator: build the scenario once with a fresh :class:`Builder` and register it."""

    def deco(fn: ScenarioFn) -> ScenarioFn:
        b = Builder()
        fn(b)
        registry.append(Scenario(
            id=id, family=family, functions=tuple(functions), description=description,
            granted=granted, steps=tuple(b.steps), checks=tuple(b.checks),
            may_trap=frozenset(b.may_trap), needs=frozenset(needs), citation=citation,
        ))
        return fn

    return deco


def fill(value: Any, values: Mapping[str, Any]) -> Any:
    """Placeholders in check data, filled like the script's (whole values keep their type)."""
    if isinstance(value, str):
        m = re.fullmatch(r"\{([a-z][a-z0-9_]*)\}", value)
        if m and m.group(1) in values:
            return values[m.group(1)]
        return re.sub(r"\{([a-z][a-z0-9_]*)\}",
                      lambda m: str(values.get(m.group(1), m.group(0))), value)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value
