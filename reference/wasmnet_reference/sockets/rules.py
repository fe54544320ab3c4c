"""Every wasi:sockets rule the model enforces, with its level and citation.

Rule IDs are stable strings (``tcp.start-bind.invalid-state-when-bound``): judgments name the
rule that decided, reports group by it, expectation files may cite it. ``Level`` says how hard
the rule is (wasi-sockets.md legend): MUST (WIT or semantics document), SHOULD (README or
implementor note; the strict profile fails it, the tolerant one accepts and records), AMBIGUOUS
(the text allows several readings; every reading is accepted and the one taken is recorded).

The cells of the TCP legality matrix (§5.2) are registered by :mod:`.tcp` from the matrix data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

SPEC = "wasi-sockets.md"


class Level(str, enum.Enum):
    MUST = "MUST"
    SHOULD = "SHOULD"
    AMBIGUOUS = "AMBIGUOUS"


@dataclass(frozen=True)
class SocketRule:
    id: str
    level: Level
    citation: str
    """``wasi-sockets.md §N`` (our spec notes, /work/shared/specs/wasi-sockets.md)."""
    text: str
    readings: tuple[str, ...] = ()
    """AMBIGUOUS rules: the readings the spec allows (recorded per implementation)."""


RULES: dict[str, SocketRule] = {}
"""Every registered rule by id (after importing :mod:`.model`, including the matrix cells)."""


def register(rule_id: str, level: Level, section: str, text: str,
             readings: tuple[str, ...] = ()) -> SocketRule:
    if rule_id in RULES:
        raise ValueError(f"duplicate socket rule id {rule_id!r}")
    rule = SocketRule(rule_id, level, f"{SPEC} {section}", text, readings)
    RULES[rule_id] = rule
    return rule


M, S, A = Level.MUST, Level.SHOULD, Level.AMBIGUOUS

# ---------------------------------------------------------------- suite and run bookkeeping
SUITE_BAD_STEP = register(
    "suite.bad-step", M, "§12",
    "the step cannot be judged (unknown call, resource or argument): a suite bug")
SUITE_PROBE_ERROR = register(
    "suite.probe-error", M, "§12", "the probe reported probe-error: a suite bug, not a result")
RUN_AFTER_TRAP = register(
    "run.after-trap", M, "§12", "a trap ends the component instance: later steps do not run")
RUN_UNBORN_RESOURCE = register(
    "run.unborn-resource", M, "§12",
    "the step uses a resource whose creating step failed as allowed: the probe cannot run it "
    "(probe-error), nothing to judge")
RUN_MISSING_RESULT = register(
    "run.missing-result", M, "§12", "a step without a result and without a preceding trap")

# ---------------------------------------------------------------- §1 / §3 global
NET_INSTANCE = register(
    "network.instance-network-cannot-fail", M, "§1",
    "instance-network() returns the network capability and cannot fail")
NET_DENIED = register(
    "network.denied-access-denied", S, "§1",
    "without network access, bind/connect/listen give access-denied (at start or finish)")
NET_CREATION_DENIED = register(
    "network.creation-denied", A, "§1",
    "without network access, socket creation itself may be denied: record",
    ("denied-at-create", "allowed-at-create"))
ERR_ALWAYS_POSSIBLE = register(
    "errors.always-possible", S, "§3",
    "unknown, access-denied, not-supported, out-of-memory, concurrency-conflict may come from "
    "any function: accepted by the tolerant profile only")
ERR_RESOURCE_EXHAUSTION = register(
    "errors.resource-exhaustion", S, "§3",
    "new-socket-limit (EMFILE/ENFILE) is a resource condition, not expected in a small "
    "scenario: accepted by the tolerant profile only")
ERR_CHECK_ORDER = register(
    "errors.state-or-argument", M, "§3",
    "when both a state error and an argument error apply, the order of the checks is not "
    "specified: either documented code is accepted")
CREATE_OK = register(
    "create.ok-unbound", M, "§5",
    "create-tcp-socket/create-udp-socket: ok gives an unbound socket of the family")
CREATE_NOT_SUPPORTED = register(
    "create.family-not-supported", M, "§5",
    "create-*-socket: not-supported when the family is not supported by the host")
DROP_OK = register(
    "resource.drop", M, "§5.1", "dropping a resource is legal in every state")

# ---------------------------------------------------------------- §4 async protocol
ASYNC_START_OK = register(
    "async.start-in-progress", M, "§4",
    "start-X ok means the operation is in progress; its result comes from finish-X")
ASYNC_WOULD_BLOCK = register(
    "async.finish-would-block", M, "§4",
    "finish-X may give would-block while the operation is not done; nothing changes")
ASYNC_ERROR_TIMING = register(
    "async.error-at-start-or-finish", A, "§4",
    "a documented error may come from start-X or from finish-X: both are correct; record",
    ("at-start", "at-finish"))
ASYNC_SECOND_START = register(
    "async.second-start", A, "§4",
    "a second start-* while an operation is in progress: invalid-state (state rule) or "
    "concurrency-conflict", ("invalid-state", "concurrency-conflict"))

# ---------------------------------------------------------------- §5 TCP contracts
TCP_BIND_OK = register(
    "tcp.bind.ok", M, "§5.4", "bind to a local address (port 0 or wildcard included) succeeds")
TCP_BIND_FAMILY = register(
    "tcp.bind.invalid-argument-family", M, "§5.4",
    "bind to an address of the other family: invalid-argument")
TCP_BIND_NOT_UNICAST = register(
    "tcp.bind.invalid-argument-not-unicast", M, "§5.4",
    "bind to a multicast, broadcast or IPv4-mapped IPv6 address: invalid-argument")
BIND_NOT_BINDABLE = register(
    "bind.address-not-bindable", M, "§5.4",
    "bind to a non-local IP (documentation ranges): address-not-bindable")
BIND_HOST_DEPENDENT = register(
    "bind.host-dependent-address", M, "§5.4",
    "bind to an IP that may or may not be configured on the host: ok or "
    "address-not-bindable")
TCP_BIND_IN_USE = register(
    "tcp.bind.address-in-use-listener", M, "§5.4",
    "bind to the address:port of a live listener: address-in-use")
TCP_BIND_REUSE = register(
    "tcp.bind.reuse-non-listening", S, "§5.4",
    "only a listening socket is a reliable address-in-use conflict (implicit SO_REUSEADDR): "
    "a bound, non-listening owner or a wildcard overlap gives ok or address-in-use")
BIND_PORT_UNKNOWN = register(
    "bind.port-maybe-in-use", M, "§5.4",
    "a non-zero port the suite does not know to be free may be in use by another process: "
    "ok or address-in-use")
TCP_BIND_RETRY = register(
    "tcp.bind.retry-after-failure", M, "§5.1",
    "a failed bind leaves the socket unbound: bind may be retried")
TCP_BIND_LOCAL_ADDRESS = register(
    "tcp.bind.local-address", M, "§5.4",
    "after bind, local-address shows the bound IP and port (a non-zero port for port 0)")
TCP_CONNECT_INVALID = register(
    "tcp.connect.invalid-argument", M, "§5.4",
    "connect to another family, a non-unicast or IPv4-mapped address, 0.0.0.0/:: or port 0: "
    "invalid-argument")
TCP_CONNECT_NETWORK = register(
    "tcp.connect.network-identity", A, "§5.4",
    "connect with a network handle other than the bind's: invalid-argument if the handles "
    "differ; whether a second instance-network() handle differs is not said",
    ("same-network", "different-network"))
TCP_CONNECT_OK = register(
    "tcp.connect.ok-to-listener", M, "§5.4", "connect to a live listener succeeds")
TCP_CONNECT_REFUSED = register(
    "tcp.connect.connection-refused", M, "§5.4",
    "connect to a loopback port with nothing listening: connection-refused")
TCP_CONNECT_TARGET_DEPENDENT = register(
    "tcp.connect.target-dependent", M, "§5.4",
    "connect to a loopback port the model knows nothing about: ok or connection-refused")
TCP_CONNECT_REMOTE_FAILURES = register(
    "tcp.connect.remote-failures", M, "§5.4",
    "connect to a non-loopback address: ok, or timeout, connection-refused/-reset/-aborted, "
    "remote-unreachable")
TCP_CONNECT_REJECTED_STATE = register(
    "tcp.connect.state-after-rejection", A, "§5.1",
    "after start-connect rejects its arguments: reading A closed (next connect "
    "invalid-state), reading B state kept (a valid retry works)", ("A-closed", "B-kept"))
TCP_CONNECT_FAILED_CLOSES = register(
    "tcp.connect.failed-closes", M, "§5.1",
    "a failed connection attempt leaves the socket closed; only drop is useful afterwards")
TCP_CONNECT_REMOTE_ADDRESS = register(
    "tcp.connect.remote-address-is-target", M, "§5.4",
    "after connect, remote-address equals the target")
TCP_CONNECT_LOCAL_ADDRESS = register(
    "tcp.connect.local-address-concrete", M, "§5.4",
    "after connect, local-address is a concrete IP with a non-zero port (the bound one if "
    "bound)")
TCP_LOCAL_ADDRESS_IMPLICIT = register(
    "tcp.local-address.during-implicit-bind", A, "§5.2",
    "local-address while connecting from unbound: bound by definition, but an implementation "
    "deferring the implicit bind has no address yet", ("ok", "invalid-state"))
TCP_FINISH_IN_CLOSED = register(
    "tcp.finish-in-closed", A, "§5.2",
    "finish-* on a closed socket: not-in-progress (finish rule) or invalid-state (closed "
    "rule)", ("not-in-progress", "invalid-state"))
TCP_CLOSED_ANY_METHOD = register(
    "tcp.closed.invalid-state", M, "§3",
    "any TCP method may return invalid-state in the closed state")
TCP_LISTEN_OK = register(
    "tcp.listen.ok", M, "§5.4", "listen on a bound socket succeeds")
TCP_LISTEN_IN_USE = register(
    "tcp.listen.address-in-use", M, "§5.4",
    "listen while another socket listens on the same address:port: address-in-use")
TCP_LISTEN_FAILED_CLOSES = register(
    "tcp.listen.failed-closes", M, "§5.1", "a failed listen leaves the socket closed")
TCP_ACCEPT_OK = register(
    "tcp.accept.ok", M, "§5.4",
    "accept on a listener with a pending connection: (socket, input, output)")
TCP_ACCEPT_WOULD_BLOCK = register(
    "tcp.accept.would-block", M, "§5.4", "accept with nothing pending: would-block")
TCP_ACCEPT_ABORTED = register(
    "tcp.accept.connection-aborted", M, "§5.4",
    "accept after a client left before being accepted: connection-aborted (platform-dependent)")
TCP_ACCEPT_INHERITS = register(
    "tcp.accept.inherits-options", M, "§5.4",
    "an accepted socket inherits address-family, keep-alive-*, hop-limit and buffer sizes: "
    "its read-back equals the listener's")
TCP_ACCEPTED_ADDRESSES = register(
    "tcp.accept.addresses", M, "§5.4",
    "accepted socket: local-address = listener port on a concrete IP, remote-address = the "
    "client's local address")
TCP_ADDRESS_FAMILY = register(
    "tcp.address-family", M, "§5.2", "address-family cannot fail: the creation family")
TCP_SUBSCRIBE = register(
    "tcp.subscribe", M, "§5.3", "subscribe cannot fail: one pollable for the socket's life")
TCP_POLLABLE_READY = register(
    "tcp.pollable.ready", M, "§5.3",
    "the socket pollable is always ready in unbound, bound, connected and closed")
TCP_SHUTDOWN_OK = register(
    "tcp.shutdown.ok-idempotent", M, "§5.4",
    "shutdown on a connected socket succeeds; repeating it is ok and changes nothing")
TCP_CONNECTION_TERMINATED = register(
    "tcp.connection-terminated", M, "§5.6",
    "after peer close or reset the socket may already be closed: ok or invalid-state")
TCP_BACKLOG_ZERO = register(
    "tcp.set-listen-backlog-size.zero", M, "§5.5", "set-listen-backlog-size(0): invalid-argument")
TCP_BACKLOG_OK = register(
    "tcp.set-listen-backlog-size.ok", M, "§5.5",
    "a non-zero backlog is accepted (it may be ignored)")
TCP_BACKLOG_NS = register(
    "tcp.set-listen-backlog-size.not-supported-after-listen", M, "§5.5",
    "not-supported when the backlog cannot be changed after the first listen")
TCP_DROP_WITH_STREAMS = register(
    "tcp.drop-socket-with-live-streams", A, "§5.6",
    "dropping a tcp-socket while its streams live: a trap, or a drop after which the streams "
    "close or keep working", ("trap", "streams-close", "streams-keep-working"))

# ---------------------------------------------------------------- §5.5 / §7 options
OPTION_ZERO = register(
    "option.zero-invalid", M, "§5.5", "setting an option with a zero-invalid range to 0: "
    "invalid-argument")
OPTION_SET_OK = register(
    "option.set-ok", M, "§5.5", "non-zero option values (1 .. type maximum) never fail")
OPTION_DEFAULT = register(
    "option.default-unspecified", M, "§5.5", "option defaults are unspecified: any value")
OPTION_CLAMPED = register(
    "option.may-be-clamped", M, "§5.5",
    "buffer sizes and keep-alive idle/interval/count may be clamped or rounded on read-back")
OPTION_EXACT_READBACK = register(
    "option.exact-readback", A, "§5.5",
    "read-back of an option without a clamping clause: exact or not", ("exact", "not-exact"))
OPTION_ZERO_READBACK = register(
    "option.zero-readback", A, "§5.5",
    "read-back of 0 for a clamped option after setting it: record", ("non-zero", "zero"))
OPTION_STABLE = register(
    "option.stable-readback", S, "§5.5",
    "reading an option twice without setting it in between gives the same value")

# ---------------------------------------------------------------- §5.6 / §6 streams and io
STREAM_READ = register(
    "io.read.ok", M, "§5.6", "read(len) gives at most len bytes; an empty list = nothing now")
STREAM_READ_EOF = register(
    "io.read.closed-at-end", M, "§5.6",
    "the input stream reports closed once the peer closed and the data is drained")
STREAM_CLOSED_FINAL = register(
    "io.stream.closed-is-final", M, "§5.6",
    "a stream that reported closed or last-operation-failed stays closed")
TCP_SHUTDOWN_RECEIVE = register(
    "tcp.shutdown.receive-closes-input", M, "§5.6",
    "after shutdown(receive|both) reads give closed, even with data queued")
TCP_SHUTDOWN_SEND = register(
    "tcp.shutdown.send-closes-output", M, "§5.6",
    "after shutdown(send|both) check-write, write and flush give closed")
STREAM_FAILURE = register(
    "io.stream.connection-failure", M, "§5.6",
    "after the connection ended or failed, stream calls may give closed or "
    "last-operation-failed")
STREAM_LAST_OP_FAILED = register(
    "io.stream.unexpected-failure", S, "§5.6",
    "last-operation-failed on a healthy loopback connection: tolerant only")
IO_CHECK_WRITE = register(
    "io.check-write.ok", M, "§5.6", "check-write gives the number of bytes the next write may take")
IO_WRITE_BEYOND_PERMIT = register(
    "io.write.beyond-permit-traps", M, "§6",
    "write of more bytes than check-write permitted must trap")
IO_WRITE_OK = register(
    "io.write.within-permit", M, "§5.6", "write within the check-write permit succeeds")
IO_WRITE_CLOSED = register(
    "io.write.closed-since-grant", M, "§5.6",
    "write after the stream closed since the grant: closed (a closed stream without any grant "
    "may also trap on the unmet precondition)")
IO_WRITE_PERMIT_REUSE = register(
    "io.write.permit-reuse", A, "§6",
    "a write without its own preceding check-write but within the remaining permit (or empty "
    "without any permit): model-added by analogy with §7.1: trap or accepted",
    ("trap", "accepted"))
IO_FLUSH = register(
    "io.flush.ok", M, "§5.6", "flush/blocking-flush on an open stream succeed")
IO_BWAF_MAX = register(
    "io.blocking-write-and-flush.max-4096", A, "§5.6",
    "blocking-write-and-flush takes at most 4096 bytes, a limit on the caller; what a callee "
    "does with more is not said (its pseudo-code writes everything): trap, error or accepted "
    "(record)", ("trap", "error", "accepted"))
IO_POLL_EMPTY_TRAPS = register(
    "io.poll.empty-traps", M, "§6", "poll([]) must trap")
IO_POLL_OK = register(
    "io.poll.ready-indices", M, "§6",
    "poll returns a non-empty list of distinct indices into its argument")
IO_DROP_STREAM_WITH_POLLABLE = register(
    "io.drop.stream-before-pollable-may-trap", M, "§6",
    "stream pollables are children: dropping the stream first may trap")
IO_DROP_PARENT_WITH_POLLABLE = register(
    "io.drop.parent-before-pollable", A, "§6",
    "dropping a socket or resolver stream while its pollable lives: trap or not",
    ("trap", "ok"))
IO_INPUT_READY_AT_END = register(
    "io.input.pollable-ready-at-end", M, "§5.6",
    "the input pollable fires when the other end closed: ready once the stream is closed")
IO_INPUT_READY_AFTER_SHUTDOWN = register(
    "io.input.pollable-after-local-shutdown", A, "§5.6, §6",
    "the input pollable resolves on data or when the other end closed; after a local "
    "shutdown(receive) with the peer still open (reads give closed) neither is the case: "
    "ready or not ready (record)", ("ready", "not-ready"))
IO_OUTPUT_READY_WHEN_CLOSED = register(
    "io.output.pollable-ready-when-closed", M, "§5.6",
    "the output pollable is always ready once the stream is closed")
IO_WAIT = register(
    "io.wait", M, "§5.3", "waiting on a pollable with a timeout: ready or not (timing)")
IO_HELPER_TIMEOUT = register(
    "io.helper-timeout", M, "§4",
    "a helper that retries would-block reports would-block when its timeout expired")

# ---------------------------------------------------------------- §7 UDP
UDP_BIND_OK = register(
    "udp.bind.ok", M, "§7", "UDP bind to a local address (port 0, wildcard) succeeds")
UDP_BIND_FAMILY = register(
    "udp.bind.invalid-argument-family", M, "§7", "UDP bind to the other family: invalid-argument")
UDP_BIND_IN_USE = register(
    "udp.bind.address-in-use", M, "§7", "UDP bind to an address:port in use: address-in-use")
UDP_BIND_OVERLAP = register(
    "udp.bind.wildcard-overlap", M, "§7",
    "UDP bind overlapping a bound socket only through a wildcard: ok or address-in-use "
    "(platform)")
UDP_SPECIAL_ADDRESSES = register(
    "udp.special-addresses", A, "§7",
    "UDP bind/stream/send to multicast, broadcast or IPv4-mapped addresses (unlisted): "
    "invalid-argument, address-not-bindable or ok",
    ("invalid-argument", "address-not-bindable", "ok"))
UDP_BIND_RETRY = register(
    "udp.bind.retry-after-failure", A, "§7",
    "retry after a failed UDP bind (explicit for TCP only): success or invalid-state",
    ("retry-allowed", "invalid-state"))
UDP_STREAM_UNBOUND = register(
    "udp.stream.invalid-state-unbound", M, "§7",
    "stream on a socket that is not bound (explicit bind required): invalid-state")
UDP_STREAM_INVALID = register(
    "udp.stream.invalid-argument", M, "§7",
    "stream to a remote of the other family, 0.0.0.0/:: or port 0: invalid-argument")
UDP_STREAM_OK = register(
    "udp.stream.ok", M, "§7", "stream only changes local configuration: ok on a bound socket")
UDP_STREAM_REMOTE_FAILURES = register(
    "udp.stream.remote-failures", M, "§7",
    "stream to a non-loopback remote: ok, or remote-unreachable / connection-refused")
UDP_STREAM_REPLACE = register(
    "udp.stream.replace-with-old-pair", A, "§7",
    "stream while an older stream pair lives: a trap, or success with the old pair "
    "non-operational; record", ("trap", "old-pair-non-operational"))
UDP_STALE_STREAM = register(
    "udp.stream.old-pair-non-operational", M, "§7",
    "only the most recent stream pair is operational: an old stream transferring data is a "
    "deviation")
UDP_DROP_WITH_STREAMS = register(
    "udp.drop-socket-with-live-streams", A, "§5.6",
    "dropping a udp-socket while its datagram streams live (by analogy with §5.6; §7 is "
    "silent): trap or not", ("trap", "ok"))
UDP_LOCAL_ADDRESS = register(
    "udp.local-address", M, "§7",
    "local-address: invalid-state until bound; then the bound IP and port (the IP may change "
    "to the route's after stream(some))")
UDP_LOCAL_AFTER_DISCONNECT = register(
    "udp.local-address-after-disconnect", A, "§7",
    "local-address after stream(some) then stream(none): the port may stay, change or read 0",
    ("same", "changed", "zero"))
UDP_REMOTE_ADDRESS = register(
    "udp.remote-address", M, "§7",
    "remote-address: the stream(some(a)) remote; invalid-state when not streaming to one")
UDP_ADDRESS_FAMILY = register(
    "udp.address-family", M, "§7", "address-family cannot fail: the creation family")
UDP_SUBSCRIBE = register(
    "udp.subscribe", A, "§7",
    "what udp-socket.subscribe() signals beyond bind completion is not said: record",
    ("ready", "not-ready"))
UDP_RECEIVE_OK = register(
    "udp.receive.ok", M, "§7.1",
    "receive(max) never blocks: at most max datagrams; connected: only the peer's")
UDP_RECEIVE_MAX_ZERO = register(
    "udp.receive.max-zero", M, "§7.1", "receive(0) gives ok(empty)")
UDP_RECEIVE_ERRORS = register(
    "udp.receive.icmp-errors", M, "§7.1",
    "after sending, receive may report remote-unreachable / connection-refused")
UDP_RECEIVE_ICMP = register(
    "udp.receive.after-refused-send", A, "§7.1",
    "after sending to a closed port on a connected socket, a later receive gives "
    "connection-refused or ok(empty)", ("connection-refused", "empty"))
UDP_CHECK_SEND = register(
    "udp.check-send.ok", M, "§7.1",
    "check-send never blocks: the number of datagrams the next send may take")
UDP_SEND_NO_CHECK = register(
    "udp.send.without-check-send-traps", M, "§7.1", "send without a preceding check-send must trap")
UDP_SEND_TOO_MANY = register(
    "udp.send.beyond-permit-traps", M, "§7.1",
    "send of more datagrams than check-send permitted must trap")
UDP_SEND_GRANT_REUSE = register(
    "udp.send.one-grant-several-sends", A, "§7.1",
    "several sends within one check-send budget: trap or success", ("trap", "success"))
UDP_SEND_EMPTY_NO_CHECK = register(
    "udp.send.empty-without-check-send", A, "§7.1",
    "send([]) without check-send: trap or ok(0)", ("trap", "ok"))
UDP_SEND_OK = register(
    "udp.send.ok", M, "§7.1",
    "send acts as sending one by one until the first failure; with >= 1 sent it returns the "
    "count, else the first datagram's error; send([]) is ok(0)")
UDP_SEND_DEST_INVALID = register(
    "udp.send.invalid-destination", M, "§7.1",
    "destination: connected -> none or the peer; unconnected -> required; not the other "
    "family, 0.0.0.0/:: or port 0: else invalid-argument")
UDP_SEND_TOO_LARGE = register(
    "udp.send.datagram-too-large", M, "§7.1",
    "a datagram above the protocol maximum (IPv4 65507, IPv6 65527 bytes): datagram-too-large")
UDP_SEND_MTU = register(
    "udp.send.size-above-mtu", A, "§7.1",
    "a datagram between path MTU and the protocol maximum: sent or rejected",
    ("sent", "rejected"))
UDP_SEND_ERRORS = register(
    "udp.send.remote-errors", M, "§7.1",
    "send may report remote-unreachable / connection-refused (ICMP from an earlier send, or a "
    "non-loopback destination)")

# ---------------------------------------------------------------- §8 ip-name-lookup
LOOKUP_LITERAL = register(
    "lookup.literal", M, "§8",
    "an IP literal is parsed and returned as given without external requests, then none")
LOOKUP_INVALID = register(
    "lookup.invalid-name", M, "§8",
    "resolve-addresses of a syntactically invalid name: invalid-argument")
LOOKUP_INVALID_LATE = register(
    "lookup.invalid-name-reported-late", S, "§8",
    "an invalid name reported by resolve-next-address instead of resolve-addresses: "
    "tolerant only")
LOOKUP_MAPPED = register(
    "lookup.ipv4-mapped-literal", A, "§8",
    "::ffff:a.b.c.d (\"as given\" vs \"never mapped\"): the mapped address, the IPv4 "
    "address, or invalid-argument", ("mapped", "ipv4", "invalid-argument"))
LOOKUP_BRACKET_ZONE = register(
    "lookup.bracketed-or-zoned", A, "§8",
    "[::1] and fe80::1%eth0: invalid-argument or the address", ("invalid-argument", "address"))
LOOKUP_UNCERTAIN = register(
    "lookup.unclassified-name", M, "§8",
    "a name neither clearly valid nor clearly invalid (legacy IPv4 forms, long labels): "
    "invalid-argument or resolver results")
LOOKUP_NAME = register(
    "lookup.real-name", M, "§8",
    "a real name depends on the host resolver: addresses then none, or resolver errors")
LOOKUP_NEVER_MAPPED = register(
    "lookup.never-ipv4-mapped", M, "§8", "resolve-next-address never yields IPv4-mapped IPv6")
LOOKUP_WOULD_BLOCK = register(
    "lookup.would-block", M, "§8", "resolve-next-address may give would-block: wait and retry")
LOOKUP_AFTER_NONE = register(
    "lookup.after-none", M, "§8", "results after none are unspecified")
LOOKUP_DENIED = register(
    "lookup.denied", A, "§8",
    "without network access lookup gives access-denied at either call: record which",
    ("at-resolve-addresses", "at-next"))
LOOKUP_DENIED_OTHER = register(
    "lookup.denied-other-code", S, "§8",
    "a denied lookup reporting another code (or resolving a name): warn (tolerant only)")

# ---------------------------------------------------------------- UDP state rules (§7)
UDP_START_BIND_BOUND = register(
    "udp.start-bind.invalid-state-when-bound", M, "§7",
    "UDP start-bind on a bound socket: invalid-state")
UDP_START_BIND_IN_PROGRESS = register(
    "udp.start-bind.second-start", M, "§7",
    "UDP start-bind while a bind is in progress: invalid-state or concurrency-conflict")
UDP_FINISH_BIND_NIP = register(
    "udp.finish-bind.not-in-progress", M, "§7",
    "UDP finish-bind with no bind pending: not-in-progress")
IO_SUBSCRIBE = register(
    "io.subscribe", M, "§6", "subscribe() on a stream, UDP socket or resolver cannot fail")
