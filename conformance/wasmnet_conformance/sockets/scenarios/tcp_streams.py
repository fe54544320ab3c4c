"""TCP streams and shutdown (wasi-sockets.md §5.4 shutdown, §5.6, §6): data both ways,
half-close in each direction, EOF, readiness of stream pollables after close, and the drops
whose outcome the spec leaves open (each in its own scenario, since they may trap)."""

from __future__ import annotations

from wasmnet_conformance.sockets.scenarios.base import (
    NOT_READY_MS,
    READY_MS,
    Builder,
    Scenario,
    hexdata,
    scenario,
    v4,
    v6,
)
from wasmnet_conformance.sockets.scenarios.rules import (
    EOF_CLOSED,
    POLL,
    READ,
    TCP_DATA,
    CheckRule,
)

SCENARIOS: list[Scenario] = []
ECHO = PEER = HALF = TCP_DATA
STREAMS = ["input.read", "output.write", "output.check-write", "output.flush"]


READ_CHUNK = 64 * 1024
"""Bytes per read-exact step (the probe prints what it read as one hex line: 128 KiB here,
written out whole however small the runtime's stdout grant is)."""


def read_back(b: Builder, stream: str, data: str, rule: CheckRule) -> None:
    """read-exact the hex ``data`` from ``stream`` in chunks, each checked."""
    for start in range(0, max(len(data), 1), 2 * READ_CHUNK):
        chunk = data[start:start + 2 * READ_CHUNK]
        k = b.step("read-exact", stream, len(chunk) // 2, READY_MS)
        b.check(k, "data-equals", rule, expected=chunk)


def _pattern(n: int) -> str:
    """``n`` bytes of a repeating, position-dependent pattern, as hex."""
    return bytes((i * 7 + i // 256) & 0xFF for i in range(n)).hex()


def _echo(name: str, family: str, size: int, *, blocking: bool = False) -> None:
    data = hexdata("hello, wasi:sockets") if size == 0 else _pattern(size)
    n = len(data) // 2
    port = "{tcp_echo_port}" if family == "ipv4" else "{tcp6_echo_port}"

    @scenario(SCENARIOS, f"tcp.stream.{name}", "tcp",
              ["output.blocking-write-and-flush" if blocking else "output.write",
               "input.read"],
              f"{family}: write {n} bytes to the echo fixture "
              + ("with blocking-write-and-flush" if blocking else "(check-write/write/flush)")
              + " and read them back", needs=["ipv6"] if family == "ipv6" else [],
              citation="wasi-sockets.md §5.6")
    def _(b: Builder) -> None:
        net = b.net()
        s = b.tcp("s", family)
        b.connect(s, net, v4(port) if family == "ipv4" else v6(port))
        if blocking:
            b.step("output.blocking-write-and-flush", "$s.out", data)
        else:
            b.step("write-all", "$s.out", data, READY_MS)
        read_back(b, "$s.in", data, ECHO)


_echo("echo-roundtrip", "ipv4", 0)
_echo("echo-roundtrip-ipv6", "ipv6", 0)
_echo("echo-32k", "ipv4", 32 * 1024)
_echo("blocking-write-and-flush-4096", "ipv4", 4096, blocking=True)


@scenario(SCENARIOS, "tcp.stream.raw-calls", "tcp",
          ["output.subscribe", "output.check-write", "output.write", "output.flush",
           "output.blocking-flush", "input.blocking-read", "input.subscribe"],
          "the stream calls one by one: output ready, check-write > 0, write 1 byte, flush, "
          "blocking-flush, input ready, blocking-read gets the echoed byte",
          citation="wasi-sockets.md §5.6, §6")
def _raw(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.step("output.subscribe", "$s.out", as_="po")
    b.step("wait", "$po", READY_MS)
    b.step("output.check-write", "$s.out")
    b.step("output.write", "$s.out", "2a")
    b.step("output.flush", "$s.out")
    b.step("output.blocking-flush", "$s.out")
    b.step("input.subscribe", "$s.in", as_="pi")
    b.step("wait", "$pi", READY_MS)
    k = b.step("input.blocking-read", "$s.in", 1)
    b.check(k, "data-equals", ECHO, expected="2a")
    b.step("input.read", "$s.in", 0)
    b.step("drop", "$pi")
    b.step("drop", "$po")


@scenario(SCENARIOS, "tcp.stream.write-empty", "tcp", ["output.write", "output.check-write"],
          "a zero-length write after check-write is ok", citation="wasi-sockets.md §5.6")
def _write_empty(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.step("wait", "$s.out", READY_MS)
    b.step("output.check-write", "$s.out")
    b.step("output.write", "$s.out", "")
    b.step("output.flush", "$s.out")


@scenario(SCENARIOS, "tcp.stream.both-directions", "tcp", ["input.read", "output.write"],
          "a connection inside the component: 16 KiB each way, read on the other end",
          citation="wasi-sockets.md §5.6")
def _both(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    up, down = _pattern(16 * 1024), _pattern(16 * 1024 + 3)[6:]
    b.step("write-all", "$c.out", up, READY_MS)
    read_back(b, "$a.in", up, PEER)
    b.step("write-all", "$a.out", down, READY_MS)
    read_back(b, "$c.in", down, PEER)


@scenario(SCENARIOS, "tcp.stream.nothing-to-read", "tcp",
          ["input.read", "input.subscribe"],
          "an open connection with nothing sent: read(n) gives an empty list, read(0) an "
          "empty list, the input pollable is not ready", citation="wasi-sockets.md §5.6")
def _nothing(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    k = b.step("input.read", "$c.in", 16)
    b.check(k, "data-equals", READ, expected="")
    k = b.step("input.read", "$c.in", 0)
    b.check(k, "data-equals", READ, expected="")
    b.step("wait", "$c.in", NOT_READY_MS)
    b.step("write-all", "$a.out", "01", READY_MS)
    b.step("wait", "$c.in", READY_MS)
    k = b.step("input.read", "$c.in", 16)
    b.check(k, "data-equals", PEER, expected="01")


@scenario(SCENARIOS, "tcp.stream.half-close-send-echo", "tcp", ["tcp.shutdown", "input.read"],
          "write, shutdown(send) to the echo fixture: the data comes back, then end of "
          "stream; the local output reports closed; shutdown(send) again is ok",
          citation="wasi-sockets.md §5.4, §5.6")
def _half_echo(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.step("write-all", "$s.out", hexdata("ping"), READY_MS)
    b.sock(s, "shutdown", "send")
    k = b.step("read-exact", "$s.in", 4, READY_MS)
    b.check(k, "data-equals", ECHO, expected=hexdata("ping"))
    k = b.step("read-exact", "$s.in", 1, READY_MS)
    b.check(k, "equals", EOF_CLOSED, key="closed", expected=True)
    b.step("input.read", "$s.in", 1)
    b.step("input.read", "$s.in", 0)
    b.step("wait", "$s.in", READY_MS)
    b.step("output.check-write", "$s.out")
    b.step("output.flush", "$s.out")
    b.step("wait", "$s.out", READY_MS)
    b.sock(s, "shutdown", "send")
    b.sock(s, "remote-address")


@scenario(SCENARIOS, "tcp.stream.half-close-send-peer", "tcp", ["tcp.shutdown", "input.read"],
          "client writes and shuts down sending: the accepted socket reads the data, then "
          "end of stream (read and read(0) give closed, the pollable stays ready); the other "
          "direction still works", citation="wasi-sockets.md §5.6")
def _half_peer(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    b.step("write-all", "$c.out", hexdata("abc"), READY_MS)
    b.sock("$c", "shutdown", "send")
    k = b.step("read-exact", "$a.in", 3, READY_MS)
    b.check(k, "data-equals", HALF, expected=hexdata("abc"))
    k = b.step("read-exact", "$a.in", 1, READY_MS)
    b.check(k, "equals", EOF_CLOSED, key="closed", expected=True)
    b.step("input.read", "$a.in", 8)
    b.step("input.read", "$a.in", 0)
    b.step("wait", "$a.in", READY_MS)
    b.step("write-all", "$a.out", hexdata("xyz"), READY_MS)
    k = b.step("read-exact", "$c.in", 3, READY_MS)
    b.check(k, "data-equals", TCP_DATA, expected=hexdata("xyz"))
    b.step("output.check-write", "$c.out")
    b.sock("$c", "shutdown", "send")
    b.sock("$c", "remote-address")
    b.sock("$a", "remote-address")


@scenario(SCENARIOS, "tcp.stream.half-close-receive", "tcp", ["tcp.shutdown", "input.read"],
          "shutdown(receive): reads give closed even with data queued; sending still works",
          citation="wasi-sockets.md §5.4, §5.6")
def _half_receive(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    b.step("write-all", "$a.out", hexdata("queued"), READY_MS)
    b.step("wait", "$c.in", READY_MS)
    b.sock("$c", "shutdown", "receive")
    b.step("input.read", "$c.in", 16)
    b.step("wait", "$c.in", READY_MS)
    b.step("write-all", "$c.out", hexdata("back"), READY_MS)
    k = b.step("read-exact", "$a.in", 4, READY_MS)
    b.check(k, "data-equals", TCP_DATA, expected=hexdata("back"))
    b.sock("$c", "shutdown", "receive")


@scenario(SCENARIOS, "tcp.stream.shutdown-both", "tcp", ["tcp.shutdown"],
          "shutdown(both): local read and check-write give closed, the peer sees end of "
          "stream, a repeat is ok, the socket is not dropped", citation="wasi-sockets.md §5.4")
def _both_ways(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    b.sock("$c", "shutdown", "both")
    b.step("input.read", "$c.in", 4)
    b.step("output.check-write", "$c.out")
    k = b.step("read-exact", "$a.in", 1, READY_MS)
    b.check(k, "equals", EOF_CLOSED, key="closed", expected=True)
    b.sock("$c", "shutdown", "both")
    b.sock("$c", "is-listening")
    b.sock("$c", "address-family")
    b.step("wait", "$c.out", READY_MS)
    b.step("wait", "$c.in", READY_MS)


@scenario(SCENARIOS, "tcp.stream.peer-drops", "tcp", ["input.read", "input.subscribe"],
          "the peer writes and drops its socket: the data is read, then closed (not endless "
          "empty reads), and the input pollable is ready", citation="wasi-sockets.md §5.6")
def _peer_drops(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    b.step("write-all", "$a.out", hexdata("bye"), READY_MS)
    b.step("drop", "$a.out")
    b.step("drop", "$a.in")
    b.step("drop", "$a")
    k = b.step("read-exact", "$c.in", 3, READY_MS)
    b.check(k, "data-equals", PEER, expected=hexdata("bye"))
    k = b.step("read-exact", "$c.in", 1, READY_MS)
    b.check(k, "equals", EOF_CLOSED, key="closed", expected=True)
    b.step("input.subscribe", "$c.in", as_="p")
    b.step("wait", "$p", READY_MS)
    b.step("input.read", "$c.in", 4)
    b.step("input.read", "$c.in", 0)
    b.step("drop", "$p")
    b.sock("$c", "remote-address")
    b.sock("$c", "shutdown", "both")


@scenario(SCENARIOS, "tcp.shutdown.not-connected-invalid-state", "tcp", ["tcp.shutdown"],
          "shutdown on unbound, bound and listening sockets -> invalid-state (each type)",
          citation="wasi-sockets.md §5.2, §5.4")
def _not_connected(b: Builder) -> None:
    net = b.net()
    u = b.tcp("u")
    for how in ("receive", "send", "both"):
        b.sock(u, "shutdown", how)
    s = b.tcp("s")
    b.bind(s, net, v4(0))
    b.sock(s, "shutdown", "both")
    b.listen(s)
    b.sock(s, "shutdown", "send")


@scenario(SCENARIOS, "tcp.stream.drop-socket-before-streams", "tcp", ["drop"],
          "[ambiguous] dropping a connected tcp-socket while its streams live: a trap, or the "
          "streams close or keep working (recorded)", citation="wasi-sockets.md §5.6")
def _drop_socket(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    k = b.step("drop", "$c")
    b.trap_ok(k)
    b.step("write-all", "$c.out", hexdata("after"), 2000)
    b.step("read-exact", "$a.in", 5, 2000)
    b.step("input.read", "$c.in", 4)


@scenario(SCENARIOS, "tcp.stream.drop-stream-before-pollable", "io", ["drop"],
          "dropping an input stream while its pollable lives may trap (pollables are children "
          "of their stream)", citation="wasi-sockets.md §6")
def _drop_stream(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.step("input.subscribe", "$s.in", as_="p")
    k = b.step("drop", "$s.in")
    b.trap_ok(k)
    b.step("drop", "$p")


@scenario(SCENARIOS, "io.poll.empty-list-traps", "io", ["poll"],
          "poll([]) must trap", citation="wasi-sockets.md §6")
def _poll_empty(b: Builder) -> None:
    b.net()
    k = b.step("poll", [])
    b.trap_ok(k)


@scenario(SCENARIOS, "io.poll.reports-ready-indices", "io", ["poll"],
          "poll over an input pollable with nothing to read and a ready output pollable "
          "returns only the ready index", citation="wasi-sockets.md §6")
def _poll_indices(b: Builder) -> None:
    net = b.net()
    b.pair(net)
    b.step("input.subscribe", "$c.in", as_="pin")
    b.step("output.subscribe", "$a.out", as_="pout")
    b.step("wait", "$pout", READY_MS)
    k = b.step("poll", ["$pin", "$pout"])
    b.check(k, "equals", POLL, expected=[1])
    b.step("drop", "$pout")
    b.step("drop", "$pin")


@scenario(SCENARIOS, "tcp.stream.write-after-shutdown-since-grant", "tcp",
          ["output.check-write", "output.write", "tcp.shutdown"],
          "check-write grants bytes, then shutdown(send) closes the stream: a write within "
          "the old grant gives closed", citation="wasi-sockets.md §5.6")
def _write_closed(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.step("wait", "$s.out", READY_MS)
    b.step("output.check-write", "$s.out")
    b.sock(s, "shutdown", "send")
    k = b.step("output.write", "$s.out", "01")
    b.trap_ok(k)


@scenario(SCENARIOS, "tcp.stream.two-writes-one-grant", "tcp",
          ["output.check-write", "output.write"],
          "[ambiguous] two 1-byte writes after one check-write (within its grant): accepted "
          "or a trap (recorded)", citation="wasi-sockets.md §5.6, §6")
def _two_writes(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    b.step("wait", "$s.out", READY_MS)
    b.step("output.check-write", "$s.out")
    b.step("output.write", "$s.out", "01")
    k = b.step("output.write", "$s.out", "02")
    b.trap_ok(k)


@scenario(SCENARIOS, "tcp.stream.blocking-write-and-flush-over-4096", "tcp",
          ["output.blocking-write-and-flush"],
          "[ambiguous] blocking-write-and-flush takes at most 4096 bytes (a limit on the "
          "caller); 4097: a trap, an error or accepted (recorded)",
          citation="wasi-sockets.md §5.6")
def _bwaf_over(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    k = b.step("output.blocking-write-and-flush", "$s.out", "5a" * 4097)
    b.trap_ok(k)


@scenario(SCENARIOS, "tcp.stream.write-beyond-permit-traps", "io",
          ["output.check-write", "output.write"],
          "a write of one byte more than check-write granted must trap (the probe's "
          "write-beyond-permit helper: check-write n, then write n+1 bytes)",
          citation="wasi-sockets.md §5.6, §6")
def _write_beyond(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_echo_port}"))
    k = b.step("output.write-beyond-permit", "$s.out", READY_MS)
    b.trap_ok(k)


@scenario(SCENARIOS, "tcp.drop.socket-before-pollable", "io", ["drop", "tcp.subscribe"],
          "[ambiguous] dropping a TCP socket while its pollable lives: a trap or ok "
          "(recorded)", citation="wasi-sockets.md §6")
def _drop_socket_pollable(b: Builder) -> None:
    s = b.tcp("s")
    b.sock(s, "subscribe", as_="p")
    k = b.step("drop", s)
    b.trap_ok(k)
    b.step("drop", "$p")


@scenario(SCENARIOS, "tcp.stream.host-greets-then-closes", "tcp", ["input.read"],
          "the host fixture sends a greeting and closes: the component reads it, then "
          "closed (the pollable stays ready)", citation="wasi-sockets.md §5.6")
def _greet(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_greet_port}"))
    k = b.step("read-exact", "$s.in", "{greeting_len}", READY_MS)
    b.check(k, "data-equals", TCP_DATA, expected="{greeting_hex}")
    k = b.step("read-exact", "$s.in", 1, READY_MS)
    b.check(k, "equals", EOF_CLOSED, key="closed", expected=True)
    b.step("wait", "$s.in", READY_MS)
    b.step("input.read", "$s.in", 1)


@scenario(SCENARIOS, "tcp.stream.host-closes-at-once", "tcp", ["input.read"],
          "the host fixture accepts and closes at once: reads end with closed (or "
          "last-operation-failed), never endless empty reads", citation="wasi-sockets.md §5.6")
def _closes(b: Builder) -> None:
    net = b.net()
    s = b.tcp("s")
    b.connect(s, net, v4("{tcp_close_port}"))
    b.step("read-exact", "$s.in", 1, READY_MS)
    b.step("wait", "$s.in", READY_MS)
    b.step("input.read", "$s.in", 1)
