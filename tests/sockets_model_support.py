"""Shared helpers (no tests) for the wasi:sockets model tests: a small driver that feeds steps and
observations to the model and asserts that setup steps are accepted."""

from __future__ import annotations

from typing import Any

from wasmnet_reference.sockets import (
    Allowed,
    HostFacts,
    Observation,
    SockAddr,
    SocketsModel,
    StepJudgment,
)

LISTEN_PORT = 45_000
"""A host fixture listening on 127.0.0.1 (HostFacts.tcp_listening)."""
CLOSED_PORT = 45_001
"""A reserved host address with nothing listening (HostFacts.tcp_closed)."""
UDP_PEER_PORT = 45_002
FREE_PORT = 45_003
"""A port reserved free for binds (HostFacts.free)."""

HOST = HostFacts(
    tcp_listening=frozenset({SockAddr.of("127.0.0.1", LISTEN_PORT)}),
    tcp_closed=frozenset({SockAddr.of("127.0.0.1", CLOSED_PORT)}),
    free=frozenset({SockAddr.of("127.0.0.1", FREE_PORT)}),
)


def lo(port: int) -> dict[str, Any]:
    return {"ipv4": [127, 0, 0, 1], "port": port}


def lo6(port: int) -> dict[str, Any]:
    return {"ipv6": [0, 0, 0, 0, 0, 0, 0, 1], "port": port, "flow-info": 0, "scope-id": 0}


def OK(value: Any = None, **extra: Any) -> Observation:
    return Observation("ok", value, dict(extra))


def ERR(code: str) -> Observation:
    return Observation("err", code)


TRAP = Observation("trap")
MISSING = Observation("missing")

CODE_LABELS = {
    "invalid-state": "IS",
    "concurrency-conflict": "CC",
    "not-in-progress": "NIP",
    "not-supported": "NS",
}


def label(a: Allowed) -> str:
    """ok / IS / CC / NIP / NS / trap / other error names (the spec's matrix vocabulary)."""
    if a.kind in ("ok", "any-ok"):
        return "ok"
    if a.kind == "trap":
        return "trap"
    return CODE_LABELS.get(str(a.value), str(a.value))


class Driver:
    def __init__(self, *, granted: bool = True, host: HostFacts = HOST) -> None:
        self.model = SocketsModel(network_granted=granted, host=host)
        self.judgments: list[StepJudgment] = []

    @staticmethod
    def step(call: str, *args: Any, as_: str | None = None) -> dict[str, Any]:
        s: dict[str, Any] = {"call": call, "args": list(args)}
        if as_ is not None:
            s["as"] = as_
        return s

    def judge(self, call: str, *args: Any, obs: Observation,
              as_: str | None = None) -> StepJudgment:
        j = self.model.judge(self.step(call, *args, as_=as_), obs)
        self.judgments.append(j)
        return j

    def ok(self, call: str, *args: Any, obs: Observation | None = None,
           as_: str | None = None) -> StepJudgment:
        """A setup step that must be accepted strictly."""
        j = self.judge(call, *args, obs=obs if obs is not None else OK(), as_=as_)
        assert j.strict_ok, j.detail
        return j

    def allowed(self, call: str, *args: Any, as_: str | None = None) -> tuple[Allowed, ...]:
        return self.model.allowed(self.step(call, *args, as_=as_))

    def strict_labels(self, call: str, *args: Any, as_: str | None = None) -> set[str]:
        return {label(a) for a in self.allowed(call, *args, as_=as_) if not a.tolerant_only}

    # ---------------------------------------------------------------- setups
    def net(self, name: str = "net") -> Driver:
        self.ok("instance-network", as_=name, obs=OK(name))
        return self

    def tcp(self, name: str = "s", family: str = "ipv4") -> Driver:
        self.ok("create-tcp-socket", family, as_=name, obs=OK(name))
        return self

    def udp(self, name: str = "u", family: str = "ipv4") -> Driver:
        self.ok("create-udp-socket", family, as_=name, obs=OK(name))
        return self

    def tcp_states(self, name: str) -> set[str]:
        """The TCP states the model still considers possible for ``name`` (white-box)."""
        out = set()
        for w in self.model.worlds:
            r = w.get(name)
            out.add(r.state.value if r is not None and hasattr(r, "state") else "dropped")
        return out


def tcp_in_state(state: str, *, name: str = "s") -> Driver:
    """A driver whose TCP socket ``name`` has reached ``state`` through accepted steps
    (U, BP, B, LP, L, CP (from unbound), CP-from-B, C, X)."""
    d = Driver().net().tcp(name)
    ref = "$" + name
    if state == "U":
        return d
    if state in ("BP", "B", "LP", "L", "CP-from-B"):
        d.ok("tcp.start-bind", ref, "$net", lo(0))
        if state == "BP":
            return d
        d.ok("tcp.finish-bind", ref)
        if state == "B":
            return d
        if state == "CP-from-B":
            d.ok("tcp.start-connect", ref, "$net", lo(LISTEN_PORT))
            return d
        d.ok("tcp.start-listen", ref)
        if state == "LP":
            return d
        d.ok("tcp.finish-listen", ref)
        return d
    if state in ("CP", "C"):
        d.ok("tcp.start-connect", ref, "$net", lo(LISTEN_PORT))
        if state == "C":
            d.ok("tcp.finish-connect", ref, obs=OK({"input": f"{name}.in",
                                                    "output": f"{name}.out"}))
        return d
    if state == "X":
        d.ok("tcp.start-connect", ref, "$net", lo(CLOSED_PORT))
        d.ok("tcp.finish-connect", ref, obs=ERR("connection-refused"))
        return d
    raise ValueError(state)
