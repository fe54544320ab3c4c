"""instance-network, socket creation and the always-answering getters (wasi-sockets.md §1,
§5, §7): what a fresh socket looks like in each family."""

from __future__ import annotations

from wasmnet_conformance.sockets.scenarios.base import Builder, Scenario, scenario

SCENARIOS: list[Scenario] = []


@scenario(SCENARIOS, "network.instance-network.ok", "network", ["instance-network"],
          "instance-network() cannot fail; a second call gives another usable handle",
          citation="wasi-sockets.md §1")
def _instance_network(b: Builder) -> None:
    b.net("net")
    b.net("net2")
    b.step("drop", "$net2")
    b.step("drop", "$net")


for _fam in ("ipv4", "ipv6"):
    for _proto in ("tcp", "udp"):
        def _create(b: Builder, fam: str = _fam, proto: str = _proto) -> None:
            s = b.tcp("s", fam) if proto == "tcp" else b.udp("s", fam)
            b.sock(s, "address-family")
            if proto == "tcp":
                b.sock(s, "is-listening")
            b.sock(s, "subscribe", as_="p")
            b.step("wait", "$p", 1000)
            b.step("drop", "$p")
            b.step("drop", s)

        scenario(
            SCENARIOS, f"{_proto}.create.{_fam}", "tcp" if _proto == "tcp" else "udp",
            [f"create-{_proto}-socket", f"{_proto}.address-family", f"{_proto}.subscribe"],
            f"create-{_proto}-socket({_fam}) gives an unbound socket of that family"
            + (", not listening, whose pollable is ready (unbound: always ready)"
               if _proto == "tcp" else ""),
            citation="wasi-sockets.md §5, §5.3, §7",
        )(_create)


@scenario(SCENARIOS, "tcp.create.many-sockets", "tcp", ["create-tcp-socket"],
          "sixteen live TCP sockets of both families at once: creation keeps working",
          citation="wasi-sockets.md §5")
def _many(b: Builder) -> None:
    for i in range(16):
        b.tcp(f"s{i}", "ipv4" if i % 2 == 0 else "ipv6")
    for i in range(16):
        b.sock(f"$s{i}", "address-family")
