"""The rules scenario-level checks enforce: model rule IDs where the model has the rule (so the
matrix counts one rule once), plus the few data rules only a scenario can check (bytes
echoed unchanged, a hop limit observed by a host fixture)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckRule:
    id: str
    level: str
    """``MUST`` / ``SHOULD`` / ``AMBIGUOUS`` (wasi-sockets.md legend)."""
    citation: str
    text: str


SUITE_RULES: dict[str, CheckRule] = {}
"""Rules defined here (not in the model's registry), by id."""


def _rule(id: str, citation: str, text: str, level: str = "MUST") -> CheckRule:
    r = CheckRule(id, level, citation, text)
    SUITE_RULES[id] = r
    return r


def model_rule(id: str, citation: str, text: str, level: str = "MUST") -> CheckRule:
    """A rule the model also enforces (same id); level and citation are re-read from the
    model's registry when reports are written."""
    return CheckRule(id, level, citation, text)


# suite-only data rules
TCP_DATA = _rule("tcp.stream.data-unchanged", "wasi-sockets.md §5.6",
                 "bytes written on a TCP stream arrive unchanged and in order at the other end")
UDP_DATA = _rule("udp.datagram.arrives-whole", "wasi-sockets.md §7.1",
                 "a datagram arrives whole and unchanged (no truncation)")
UDP_SENDER = _rule("udp.receive.remote-address-is-sender", "wasi-sockets.md §7.1",
                   "a received datagram's remote-address is its sender")
HOP_LIMIT_EFFECT = _rule("udp.unicast-hop-limit.takes-effect", "wasi-sockets.md §5.5, §7",
                         "set-unicast-hop-limit (IP_TTL / IPV6_UNICAST_HOPS) takes effect: "
                         "the receiver sees that hop limit")
UNCHANGED = _rule("state.refused-call-changes-nothing", "wasi-sockets.md §5.2",
                  "a call refused with invalid-state changes nothing (the address is kept)")
BIND_FIXED = _rule("tcp.bind.fixed-after-success", "wasi-sockets.md §5.1",
                   "once a bind succeeded the address is fixed: connect and listen keep it")

# model rules also checked on data
TCP_LOCAL = model_rule("tcp.bind.local-address", "wasi-sockets.md §5.4",
                       "after bind, local-address shows the bound IP and a non-zero port")
UDP_LOCAL = model_rule("udp.local-address", "wasi-sockets.md §7",
                       "after bind, local-address shows the bound IP and a non-zero port")
CONNECT_REMOTE = model_rule("tcp.connect.remote-address-is-target", "wasi-sockets.md §5.4",
                            "after connect, remote-address equals the target")
CONNECT_LOCAL = model_rule("tcp.connect.local-address-concrete", "wasi-sockets.md §5.4",
                           "after connect, local-address is concrete with a non-zero port")
ACCEPTED = model_rule("tcp.accept.addresses", "wasi-sockets.md §5.4",
                      "accepted socket: local-address = listener port on a concrete IP, "
                      "remote-address = the client's local address")
INHERIT = model_rule("tcp.accept.inherits-options", "wasi-sockets.md §5.4",
                     "an accepted socket inherits the listener's options (its read-back "
                     "equals the listener's)")
READ_BACK = model_rule("option.exact-readback", "wasi-sockets.md §5.5",
                       "read-back of an option after setting it", "AMBIGUOUS")
LITERAL = model_rule("lookup.literal", "wasi-sockets.md §8",
                     "an IP literal is returned as given, then none")
UDP_REMOTE = model_rule("udp.remote-address", "wasi-sockets.md §7",
                        "stream(some(a)) -> remote-address = a")
STALE = model_rule("udp.stream.old-pair-non-operational", "wasi-sockets.md §7",
                   "only the most recent stream pair is operational: the old outgoing stream "
                   "must not deliver")
UDP_SEND = model_rule("udp.send.ok", "wasi-sockets.md §7.1",
                      "send: the count once one datagram went out, the first error otherwise; "
                      "send([]) -> ok(0)")
UDP_RECEIVE = model_rule("udp.receive.ok", "wasi-sockets.md §7.1",
                         "receive(max) gives at most max datagrams, ok(empty) when none")
UDP_RECEIVE_ZERO = model_rule("udp.receive.max-zero", "wasi-sockets.md §7.1",
                              "receive(0) gives ok(empty)")
READ = model_rule("io.read.ok", "wasi-sockets.md §5.6",
                  "read gives at most len bytes; an empty list = nothing now; read(0) is "
                  "ok(empty) while open")
EOF_CLOSED = model_rule("io.read.closed-at-end", "wasi-sockets.md §5.6",
                        "after the peer's FIN and the data drained, reads give closed")
POLL = model_rule("io.poll.ready-indices", "wasi-sockets.md §6",
                  "poll returns the indices of the ready pollables")
