"""The wasi:sockets model, UDP (§7, §7.1 incl. the check-send permit traps), ip-name-lookup
(§8: literals, invalid names, mapped/bracketed/zoned ambiguities, denial) and wasi:io (§5.6,
§6: poll([]) and writes beyond the permit must trap, pollable readiness, drop order)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sockets_model_support import (
    ERR,
    FREE_PORT,
    OK,
    TRAP,
    UDP_PEER_PORT,
    Driver,
    lo,
    lo6,
    tcp_in_state,
)
from wasmnet_reference.sockets import HostFacts, Observation, SockAddr
from wasmnet_reference.sockets.lookup import NameClass, classify

PEER = lo(UDP_PEER_PORT)


def dgram(data: str, to: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"data": data, "remote-address": to}


def udp_streaming(remote: dict[str, Any] | None = PEER, *, family: str = "ipv4",
                  bind: dict[str, Any] | None = None) -> Driver:
    d = Driver().net().udp("u", family)
    d.ok("udp.start-bind", "$u", "$net", bind or (lo(0) if family == "ipv4" else lo6(0)))
    d.ok("udp.finish-bind", "$u")
    d.ok("udp.stream", "$u", remote, obs=OK({"incoming": "u.in", "outgoing": "u.out"}))
    return d


# ---------------------------------------------------------------- §7 UDP socket

def test_udp_states_and_addresses() -> None:
    d = Driver().net().udp("u")
    assert d.strict_labels("udp.local-address", "$u") == {"IS"}
    assert d.strict_labels("udp.stream", "$u", None) == {"IS"}
    assert d.strict_labels("udp.finish-bind", "$u") == {"NIP"}
    d.ok("udp.start-bind", "$u", "$net", lo(0))
    assert d.strict_labels("udp.start-bind", "$u", "$net", lo(0)) == {"IS", "CC"}
    assert d.strict_labels("udp.stream", "$u", None) == {"IS"}
    d.ok("udp.finish-bind", "$u")
    assert d.strict_labels("udp.start-bind", "$u", "$net", lo(0)) == {"IS"}
    assert d.strict_labels("udp.remote-address", "$u") == {"IS"}
    assert not d.judge("udp.local-address", "$u", obs=OK(lo(0))).strict_ok
    d.ok("udp.local-address", "$u", obs=OK(lo(40500)))
    d.ok("udp.stream", "$u", PEER, obs=OK({"incoming": "u.in", "outgoing": "u.out"}))
    d.ok("udp.remote-address", "$u", obs=OK(PEER))
    d.ok("udp.local-address", "$u", obs=OK(lo(40500)))


def test_udp_bind_errors() -> None:
    d = Driver().net().udp("u")
    assert d.strict_labels("udp.start-bind", "$u", "$net", lo6(0)) == {"ok", "invalid-argument"}
    assert d.strict_labels("udp.start-bind", "$u", "$net",
                           {"ipv4": [203, 0, 113, 9], "port": 0}) == {
        "ok", "address-not-bindable"}
    assert d.strict_labels("udp.start-bind", "$u", "$net", lo(FREE_PORT)) == {"ok"}
    assert d.strict_labels("udp.start-bind", "$u", "$net", lo(40599)) == {"ok", "address-in-use"}
    other = Driver().net().udp("a").udp("b")
    other.ok("udp.start-bind", "$a", "$net", lo(40600))
    other.ok("udp.finish-bind", "$a")
    other.ok("udp.start-bind", "$b", "$net", lo(40600))
    assert not other.judge("udp.finish-bind", "$b", obs=OK()).strict_ok
    host = Driver(host=HostFacts(udp_bound=frozenset({SockAddr.of("127.0.0.1", 40700)})))
    host.net().udp("u")
    j = host.judge("udp.start-bind", "$u", "$net", lo(40700), obs=ERR("address-in-use"))
    assert j.strict_ok


@pytest.mark.parametrize("code", ["invalid-argument", "address-not-bindable", None])
def test_udp_special_addresses_every_reading(code: str | None) -> None:
    d = Driver().net().udp("u")
    multicast = {"ipv4": [239, 1, 2, 3], "port": 0}
    obs = ERR(code) if code else OK()
    j = d.judge("udp.start-bind", "$u", "$net", multicast, obs=obs)
    assert j.strict_ok and "udp.special-addresses" in j.flags
    if code:
        assert j.reading == code
    else:
        j = d.judge("udp.finish-bind", "$u", obs=OK())
        assert j.strict_ok and j.reading == "ok"


def test_udp_bind_retry_after_failure_either_reading() -> None:
    for obs, reading in ((OK(), "retry-allowed"), (ERR("invalid-state"), "invalid-state")):
        d = Driver().net().udp("u")
        d.ok("udp.start-bind", "$u", "$net", lo6(0), obs=ERR("invalid-argument"))
        j = d.judge("udp.start-bind", "$u", "$net", lo(0), obs=obs)
        assert j.strict_ok and j.reading == reading, j.detail
        assert "udp.bind.retry-after-failure" in j.flags
        # local-address is invalid-state meanwhile either way
        assert not d.judge("udp.local-address", "$u", obs=OK(lo(5))).strict_ok


def test_udp_stream_argument_errors() -> None:
    d = udp_streaming(None)
    assert "trap" in d.strict_labels("udp.stream", "$u", lo(0), as_="x")  # old pair alive
    d.ok("drop", "$u.in")
    d.ok("drop", "$u.out")
    for bad in (lo(0), {"ipv4": [0, 0, 0, 0], "port": 9}, lo6(9)):
        assert d.strict_labels("udp.stream", "$u", bad, as_="x") == {"invalid-argument"}


def test_udp_stream_replacement_with_old_pair_alive() -> None:
    d = udp_streaming(PEER)
    j = d.judge("udp.stream", "$u", None, as_="v", obs=TRAP)
    assert j.strict_ok and j.reading == "trap"
    d = udp_streaming(PEER)
    j = d.judge("udp.stream", "$u", None, as_="v",
                obs=OK({"incoming": "v.in", "outgoing": "v.out"}))
    assert j.strict_ok and j.reading == "old-pair-non-operational"
    # the old pair must not transfer data
    j = d.judge("incoming.receive", "$u.in", 5,
                obs=OK([{"data": "61", "remote-address": PEER}]))
    assert not j.strict_ok and not j.tolerant_ok
    assert j.rule.id == "udp.stream.old-pair-non-operational"
    assert d.judge("incoming.receive", "$u.in", 5, obs=OK([])).strict_ok
    # the new pair works (unconnected now)
    d.ok("outgoing.check-send", "$v.out", obs=OK(4))
    d.ok("outgoing.send", "$v.out", [dgram("61", PEER)], obs=OK(1))


def test_udp_local_address_after_disconnect_readings() -> None:
    for port, reading in ((40800, "same"), (40801, "changed"), (0, "zero")):
        d = Driver().net().udp("u")
        d.ok("udp.start-bind", "$u", "$net", lo(40800))
        d.ok("udp.finish-bind", "$u")
        d.ok("udp.stream", "$u", PEER, obs=OK({"incoming": "u.in", "outgoing": "u.out"}))
        d.ok("drop", "$u.in")
        d.ok("drop", "$u.out")
        d.ok("udp.stream", "$u", None, as_="v",
             obs=OK({"incoming": "v.in", "outgoing": "v.out"}))
        j = d.judge("udp.local-address", "$u", obs=OK(lo(port)))
        assert j.strict_ok and j.reading == reading


def test_udp_options() -> None:
    d = Driver().net().udp("u")
    assert d.strict_labels("udp.set-unicast-hop-limit", "$u", 0) == {"invalid-argument"}
    d.ok("udp.set-unicast-hop-limit", "$u", 255)
    j = d.judge("udp.unicast-hop-limit", "$u", obs=OK(255))
    assert j.strict_ok and j.reading == "exact"
    d.ok("udp.set-send-buffer-size", "$u", 1)
    j = d.judge("udp.send-buffer-size", "$u", obs=OK(4608))
    assert j.strict_ok and j.reading == "non-zero"


# ---------------------------------------------------------------- §7.1 datagram streams

def test_send_without_check_send_must_trap() -> None:
    d = udp_streaming()
    j = d.judge("outgoing.send", "$u.out", [dgram("61")], obs=OK(1))
    assert not j.strict_ok and not j.tolerant_ok
    assert j.rule.id == "udp.send.without-check-send-traps"
    d = udp_streaming()
    assert d.judge("outgoing.send", "$u.out", [dgram("61")], obs=TRAP).strict_ok


def test_send_more_than_permitted_must_trap() -> None:
    d = udp_streaming()
    d.ok("outgoing.check-send", "$u.out", obs=OK(1))
    j = d.judge("outgoing.send", "$u.out", [dgram("61"), dgram("62")], obs=OK(2))
    assert not j.tolerant_ok and j.rule.id == "udp.send.beyond-permit-traps"


def test_one_grant_several_sends_is_ambiguous() -> None:
    for obs, reading in ((TRAP, "trap"), (OK(1), "success")):
        d = udp_streaming()
        d.ok("outgoing.check-send", "$u.out", obs=OK(4))
        d.ok("outgoing.send", "$u.out", [dgram("61")], obs=OK(1))
        j = d.judge("outgoing.send", "$u.out", [dgram("62")], obs=obs)
        assert j.strict_ok and j.reading == reading
        assert "udp.send.one-grant-several-sends" in j.flags
    # beyond the remaining budget it must trap under either reading
    d = udp_streaming()
    d.ok("outgoing.check-send", "$u.out", obs=OK(2))
    d.ok("outgoing.send", "$u.out", [dgram("61"), dgram("62")], obs=OK(2))
    assert d.allowed("outgoing.send", "$u.out", [dgram("63")])[0].rule.id == \
        "udp.send.beyond-permit-traps"
    assert not d.judge("outgoing.send", "$u.out", [dgram("63")], obs=OK(1)).tolerant_ok


def test_empty_send_without_check_send_is_ambiguous() -> None:
    for obs, reading in ((TRAP, "trap"), (OK(0), "ok")):
        d = udp_streaming()
        j = d.judge("outgoing.send", "$u.out", [], obs=obs)
        assert j.strict_ok and j.reading == reading
    d = udp_streaming()
    d.ok("outgoing.check-send", "$u.out", obs=OK(3))
    assert [a.kind for a in d.allowed("outgoing.send", "$u.out", []) if not a.tolerant_only] \
        == ["ok"]


def test_send_stops_at_the_first_failure() -> None:
    d = udp_streaming(None)
    d.ok("outgoing.check-send", "$u.out", obs=OK(8))
    # [valid, invalid] -> ok(1); [invalid, valid] -> the error
    j = d.judge("outgoing.send", "$u.out", [dgram("61", PEER), dgram("62", lo(0))], obs=OK(1))
    assert j.strict_ok
    d = udp_streaming(None)
    d.ok("outgoing.check-send", "$u.out", obs=OK(8))
    labels = d.strict_labels("outgoing.send", "$u.out", [dgram("62", lo(0)), dgram("61", PEER)])
    assert labels == {"invalid-argument"}
    d = udp_streaming(None)
    d.ok("outgoing.check-send", "$u.out", obs=OK(8))
    assert d.strict_labels("outgoing.send", "$u.out", [dgram("61")]) == {"invalid-argument"}


def test_send_destination_on_connected_stream() -> None:
    d = udp_streaming(PEER)
    d.ok("outgoing.check-send", "$u.out", obs=OK(8))
    assert d.strict_labels("outgoing.send", "$u.out", [dgram("61", lo(UDP_PEER_PORT + 1))]) \
        == {"invalid-argument"}
    assert d.strict_labels("outgoing.send", "$u.out", [dgram("61", PEER)]) == {"ok"}
    d = udp_streaming(lo6(UDP_PEER_PORT), family="ipv6")
    d.ok("outgoing.check-send", "$u.out", obs=OK(8))
    assert d.strict_labels("outgoing.send", "$u.out", [dgram("61", PEER)]) == {
        "invalid-argument"}


def test_datagram_size_limits() -> None:
    d = udp_streaming(PEER)
    d.ok("outgoing.check-send", "$u.out", obs=OK(8))
    too_big = "00" * 65_508
    assert d.strict_labels("outgoing.send", "$u.out", [dgram(too_big)]) == {
        "datagram-too-large"}
    assert d.strict_labels("outgoing.send", "$u.out", [dgram("00" * 65_507)]) == {
        "ok", "datagram-too-large"}
    j = d.judge("outgoing.send", "$u.out", [dgram("00" * 2000)], obs=ERR("datagram-too-large"))
    assert j.strict_ok and j.reading == "rejected" and "udp.send.size-above-mtu" in j.flags
    d6 = udp_streaming(lo6(UDP_PEER_PORT), family="ipv6")
    d6.ok("outgoing.check-send", "$u.out", obs=OK(8))
    assert d6.strict_labels("outgoing.send", "$u.out", [dgram("00" * 65_527)]) == {
        "ok", "datagram-too-large"}
    assert d6.strict_labels("outgoing.send", "$u.out", [dgram("00" * 65_528)]) == {
        "datagram-too-large"}


def test_receive_rules() -> None:
    d = udp_streaming(PEER)
    assert [a.value for a in d.allowed("incoming.receive", "$u.in", 0)
            if not a.tolerant_only] == [[]]
    j = d.judge("incoming.receive", "$u.in", 1,
                obs=OK([{"data": "61", "remote-address": PEER}] * 2))
    assert not j.strict_ok  # more than max-results
    j = d.judge("incoming.receive", "$u.in", 5,
                obs=OK([{"data": "61", "remote-address": lo(UDP_PEER_PORT + 1)}]))
    assert not j.strict_ok  # connected: only the peer's datagrams
    assert d.judge("incoming.receive", "$u.in", 5,
                   obs=OK([{"data": "61", "remote-address": PEER}])).strict_ok
    assert not d.judge("incoming.receive", "$u.in", 5, obs=ERR("would-block")).tolerant_ok
    # refused before anything was sent is a deviation; after a send it is [ambiguous]
    assert not d.judge("incoming.receive", "$u.in", 5, obs=ERR("connection-refused")).strict_ok
    d.ok("outgoing.check-send", "$u.out", obs=OK(2))
    d.ok("outgoing.send", "$u.out", [dgram("61")], obs=OK(1))
    j = d.judge("incoming.receive", "$u.in", 5, obs=ERR("connection-refused"))
    assert j.strict_ok and j.reading == "connection-refused"
    j = d.judge("incoming.receive", "$u.in", 5, obs=OK([]))
    assert j.strict_ok and j.reading == "empty"


# ---------------------------------------------------------------- §8 ip-name-lookup

def _lookup(name: str, *, granted: bool = True) -> Driver:
    d = Driver(granted=granted).net()
    d.ok("resolve-addresses", "$net", name, as_="r", obs=OK("r"))
    return d


@pytest.mark.parametrize(("name", "expected"), [
    ("127.0.0.1", {"ipv4": [127, 0, 0, 1]}),
    ("0.0.0.0", {"ipv4": [0, 0, 0, 0]}),
    ("::1", {"ipv6": [0, 0, 0, 0, 0, 0, 0, 1]}),
    ("::", {"ipv6": [0] * 8}),
    ("0:0:0:0:0:0:0:1", {"ipv6": [0, 0, 0, 0, 0, 0, 0, 1]}),
    ("FE80::AbC", {"ipv6": [0xFE80, 0, 0, 0, 0, 0, 0, 0xABC]}),
])
def test_lookup_literal_then_none(name: str, expected: dict[str, Any]) -> None:
    d = _lookup(name)
    assert d.judge("resolve-next-address", "$r", obs=ERR("would-block")).strict_ok
    assert not d.judge("resolve-next-address", "$r", obs=OK({"ipv4": [10, 0, 0, 1]})).strict_ok
    d = _lookup(name)
    j = d.judge("finish", "resolve-next-address", "$r", 1000, obs=OK(expected, would_block=0))
    assert j.strict_ok and j.rule.id == "lookup.literal"
    assert not d.judge("resolve-next-address", "$r", obs=OK(expected)).strict_ok
    d = _lookup(name)
    d.ok("resolve-next-address", "$r", obs=OK(expected))
    d.ok("resolve-next-address", "$r", obs=OK(None))
    # after none: unspecified
    assert d.judge("resolve-next-address", "$r", obs=ERR("unknown")).strict_ok


@pytest.mark.parametrize("name", ["", " ", "a.b<&>", "a b", "localhost:80", "http://x",
                                  "1.2.3.4:80", "[::1", "fe80::1%", "ab%cd"])
def test_lookup_invalid_names(name: str) -> None:
    assert classify(name).kind is NameClass.INVALID
    d = Driver().net()
    j = d.judge("resolve-addresses", "$net", name, as_="r", obs=ERR("invalid-argument"))
    assert j.strict_ok and j.rule.id == "lookup.invalid-name"
    d = Driver().net()
    j = d.judge("resolve-addresses", "$net", name, as_="r", obs=OK("r"))
    assert not j.strict_ok and j.tolerant_ok
    j = d.judge("resolve-next-address", "$r", obs=ERR("invalid-argument"))
    assert not j.strict_ok and j.tolerant_ok
    assert j.rule.id == "lookup.invalid-name-reported-late"


@pytest.mark.parametrize(("name", "kind"), [
    ("localhost", NameClass.NAME), ("example.com.", NameClass.NAME),
    ("bücher.example", NameClass.NAME), ("a-b.c", NameClass.NAME),
    ("127.1", NameClass.UNCERTAIN), ("0x7f.0.0.1", NameClass.UNCERTAIN),
    ("01.2.3.4", NameClass.UNCERTAIN), ("a..b", NameClass.UNCERTAIN),
    ("x" * 64 + ".com", NameClass.UNCERTAIN), ("-a.com", NameClass.UNCERTAIN),
    ("::ffff:127.0.0.1", NameClass.MAPPED), ("::FFFF:7f00:1", NameClass.MAPPED),
    ("[::1]", NameClass.BRACKETED), ("fe80::1%eth0", NameClass.ZONED),
    ("256.1.1.1", NameClass.UNCERTAIN), ("1.2.3.4", NameClass.LITERAL),
])
def test_classify(name: str, kind: NameClass) -> None:
    assert classify(name).kind is kind


@pytest.mark.parametrize(("value", "reading"), [
    ({"ipv6": [0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 1]}, "mapped"),
    ({"ipv4": [127, 0, 0, 1]}, "ipv4"),
])
def test_lookup_mapped_literal_readings(value: dict[str, Any], reading: str) -> None:
    d = _lookup("::ffff:127.0.0.1")
    j = d.judge("resolve-next-address", "$r", obs=OK(value))
    assert j.strict_ok and j.reading == reading and j.flags == ("lookup.ipv4-mapped-literal",)


def test_lookup_mapped_literal_wrong_address_is_a_deviation() -> None:
    d = _lookup("::ffff:127.0.0.1")
    j = d.judge("resolve-next-address", "$r",
                obs=OK({"ipv6": [0, 0, 0, 0, 0, 0xFFFF, 0x0127, 0]}))
    assert not j.strict_ok and not j.tolerant_ok
    d = Driver().net()
    j = d.judge("resolve-addresses", "$net", "::ffff:127.0.0.1", as_="r",
                obs=ERR("invalid-argument"))
    assert j.strict_ok and j.reading == "invalid-argument"


@pytest.mark.parametrize("name", ["[::1]", "fe80::1%eth0"])
def test_lookup_bracketed_and_zoned_either_reading(name: str) -> None:
    d = Driver().net()
    j = d.judge("resolve-addresses", "$net", name, as_="r", obs=ERR("invalid-argument"))
    assert j.strict_ok and j.reading == "invalid-argument"
    d = _lookup(name)
    addr = classify(name).expected[0]
    value = {"ipv6": [int(g, 16) for g in __import__("ipaddress").IPv6Address(addr)
                      .exploded.split(":")]}
    j = d.judge("resolve-next-address", "$r", obs=OK(value))
    assert j.strict_ok and j.reading == "address"


def test_lookup_real_name_soft_but_never_mapped() -> None:
    d = _lookup("localhost")
    assert d.judge("resolve-next-address", "$r", obs=OK({"ipv4": [127, 0, 0, 1]})).strict_ok
    j = d.judge("resolve-next-address", "$r",
                obs=OK({"ipv6": [0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 1]}))
    assert not j.strict_ok and j.rule.id == "lookup.never-ipv4-mapped"
    d = _lookup("localhost")
    assert d.judge("resolve-next-address", "$r", obs=ERR("name-unresolvable")).strict_ok


def test_lookup_denied_at_either_call_other_codes_warn() -> None:
    d = Driver(granted=False).net()
    j = d.judge("resolve-addresses", "$net", "localhost", as_="r", obs=ERR("access-denied"))
    assert j.strict_ok and j.reading == "at-resolve-addresses"
    d = _lookup("localhost", granted=False)
    j = d.judge("resolve-next-address", "$r", obs=ERR("access-denied"))
    assert j.strict_ok and j.reading == "at-next"
    d = Driver(granted=False).net()
    j = d.judge("resolve-addresses", "$net", "localhost", as_="r",
                obs=ERR("permanent-resolver-failure"))
    assert not j.strict_ok and j.tolerant_ok and j.rule.id == "lookup.denied-other-code"


# ---------------------------------------------------------------- §5.6 / §6 wasi:io

def test_poll_empty_must_trap_and_indices_are_checked() -> None:
    d = Driver().net().tcp("s")
    assert d.judge("poll", [], obs=TRAP).strict_ok
    d = Driver().net().tcp("s")
    d.ok("tcp.subscribe", "$s", as_="p", obs=OK("p"))
    assert d.judge("poll", ["$p", "$p"], obs=OK([1])).strict_ok
    assert not d.judge("poll", ["$p"], obs=OK([1])).strict_ok
    assert not d.judge("poll", ["$p"], obs=OK([])).strict_ok
    assert not d.judge("poll", ["$p"], obs=TRAP).tolerant_ok


def test_write_beyond_check_write_must_trap() -> None:
    d = tcp_in_state("C")
    d.ok("output.check-write", "$s.out", obs=OK(2))
    j = d.judge("output.write", "$s.out", "616263", obs=OK())
    assert not j.strict_ok and not j.tolerant_ok
    assert j.rule.id == "io.write.beyond-permit-traps"
    d = tcp_in_state("C")
    assert d.judge("output.write", "$s.out", "61", obs=TRAP).strict_ok  # no permit at all
    d = tcp_in_state("C")
    d.ok("output.check-write", "$s.out", obs=OK(2))
    d.ok("output.write", "$s.out", "6162")
    d.ok("output.flush", "$s.out")
    assert d.allowed("output.write", "$s.out", "61")[0].kind == "trap"  # flush used it up


def test_write_after_shutdown_since_the_grant_is_closed() -> None:
    d = tcp_in_state("C")
    d.ok("output.check-write", "$s.out", obs=OK(8))
    d.ok("tcp.shutdown", "$s", "send")
    j = d.judge("output.write", "$s.out", "61", obs=ERR("closed"))
    assert j.strict_ok and j.rule.id == "io.write.closed-since-grant"
    assert d.judge("output.flush", "$s.out", obs=ERR("closed")).strict_ok
    assert not d.judge("output.blocking-flush", "$s.out", obs=OK()).tolerant_ok


def test_blocking_write_and_flush_max_4096() -> None:
    """4096 bytes is the caller's limit; what the callee does with more is not said (§5.6;
    the WIT's pseudo-code writes everything): trap, error and accepted are recorded readings."""
    d = tcp_in_state("C")
    j = d.judge("output.blocking-write-and-flush", "$s.out", "00" * 4096, obs=OK())
    assert j.strict_ok and j.reading is None
    for obs, reading in ((TRAP, "trap"), (ERR("closed"), "error"), (OK(), "accepted")):
        d = tcp_in_state("C")
        j = d.judge("output.blocking-write-and-flush", "$s.out", "00" * 4097, obs=obs)
        assert j.strict_ok and j.reading == reading
    d = tcp_in_state("C")
    j = d.judge("output.blocking-write-and-flush", "$s.out", "00" * 4097, obs=OK(5))
    assert not j.tolerant_ok, "the call returns nothing"


def test_write_beyond_permit_helper_must_trap() -> None:
    """§5.6/§6: a write beyond the check-write grant must trap; ok is a deviation, and on a
    healthy stream so is closed (last-operation-failed only tolerated)."""
    assert tcp_in_state("C").judge("output.write-beyond-permit", "$s.out", 1000,
                                   obs=TRAP).strict_ok
    j = tcp_in_state("C").judge("output.write-beyond-permit", "$s.out", obs=OK())
    assert not j.tolerant_ok and j.rule.id == "io.write.beyond-permit-traps"
    assert not tcp_in_state("C").judge("output.write-beyond-permit", "$s.out",
                                       obs=ERR("closed")).tolerant_ok
    d = tcp_in_state("C")
    d.ok("tcp.shutdown", "$s", "send")
    assert d.judge("output.write-beyond-permit", "$s.out", obs=ERR("closed")).strict_ok


def test_input_pollable_after_local_shutdown_receive_is_a_reading() -> None:
    """wasi:io: the input pollable resolves on data or when the other end closed; after our
    own shutdown(receive) with the peer open neither holds: ready and not ready are readings.
    Once the stream ended from the other side it must be ready."""
    for ready, reading in ((True, "ready"), (False, "not-ready")):
        d = tcp_in_state("C")
        d.ok("tcp.shutdown", "$s", "receive")
        j = d.judge("wait", "$s.in", 100, obs=OK({"ready": ready}))
        assert j.strict_ok and j.reading == reading
    d = tcp_in_state("C")
    d.ok("input.read", "$s.in", 4, obs=ERR("closed"))
    assert not d.judge("wait", "$s.in", 100, obs=OK({"ready": False})).tolerant_ok


def test_read_length_and_end_of_stream() -> None:
    d = tcp_in_state("C")
    assert not d.judge("input.read", "$s.in", 1, obs=OK("6162")).strict_ok
    assert d.judge("input.read", "$s.in", 0, obs=OK("")).strict_ok
    assert d.judge("input.read", "$s.in", 4, obs=OK("")).strict_ok
    assert d.judge("input.read", "$s.in", 4, obs=ERR("closed")).strict_ok
    # closed is final; the pollable is ready from now on
    assert not d.judge("input.read", "$s.in", 4, obs=OK("")).tolerant_ok
    assert d.judge("wait", "$s.in", 10, obs=OK({"ready": True})).strict_ok
    assert not d.judge("wait", "$s.in", 10, obs=OK({"ready": False})).strict_ok


def test_read_exact_helper() -> None:
    d = tcp_in_state("C")
    assert d.judge("read-exact", "$s.in", 2, 100, obs=OK("6162", closed=False)).strict_ok
    assert not d.judge("read-exact", "$s.in", 2, 100, obs=OK("616263", closed=False)).strict_ok
    d.ok("read-exact", "$s.in", 2, 100, obs=OK("61", closed=True))
    assert not d.judge("read-exact", "$s.in", 2, 100, obs=OK("61", closed=True)).strict_ok
    assert d.judge("read-exact", "$s.in", 2, 100, obs=OK("", closed=True)).strict_ok


def test_last_operation_failed_on_healthy_loopback_is_tolerated_only() -> None:
    d = tcp_in_state("C")
    j = d.judge("output.check-write", "$s.out", obs=ERR("last-operation-failed"))
    assert not j.strict_ok and j.tolerant_ok


def test_tcp_pollable_ready_in_settled_states() -> None:
    for state in ("U", "B", "C", "X"):
        d = tcp_in_state(state)
        assert d.judge("wait", "$s", 10, obs=OK({"ready": True})).strict_ok
        assert not d.judge("wait", "$s", 10, obs=OK({"ready": False})).strict_ok
    for state in ("BP", "LP", "L", "CP"):
        d = tcp_in_state(state)
        assert d.judge("wait", "$s", 10, obs=OK({"ready": False})).strict_ok


def test_drop_order_children_first() -> None:
    d = tcp_in_state("C")
    d.ok("input.subscribe", "$s.in", as_="p", obs=OK("p"))
    assert d.judge("drop", "$s.in", obs=TRAP).strict_ok  # stream before its pollable may trap
    d = tcp_in_state("U")
    d.ok("tcp.subscribe", "$s", as_="p", obs=OK("p"))
    j = d.judge("drop", "$s", obs=TRAP)
    assert j.strict_ok and j.reading == "trap" and j.flags == ("io.drop.parent-before-pollable",)
    d = tcp_in_state("U")
    d.ok("tcp.subscribe", "$s", as_="p", obs=OK("p"))
    d.ok("drop", "$p")
    assert not d.judge("drop", "$s", obs=TRAP).tolerant_ok


def test_tolerant_profile_accepts_the_five_only() -> None:
    d = tcp_in_state("B")
    for code in ("unknown", "access-denied", "not-supported", "out-of-memory"):
        j = d.judge("tcp.local-address", "$s", obs=ERR(code))
        assert (j.strict_ok, j.tolerant_ok) == (False, True), code
    j = d.judge("tcp.local-address", "$s", obs=ERR("timeout"))
    assert (j.strict_ok, j.tolerant_ok) == (False, False)
    j = d.judge("tcp.is-listening", "$s", obs=ERR("unknown"))
    assert (j.strict_ok, j.tolerant_ok) == (False, False)  # cannot fail at all


def test_observation_from_probe_line() -> None:
    o = Observation.from_probe_line({"i": 3, "err": "would-block", "would_block": 2})
    assert (o.kind, o.value, o.extra) == ("err", "would-block", {"would_block": 2})
    with pytest.raises(ValueError):
        Observation.from_probe_line({"i": 3, "begin": "x"})
