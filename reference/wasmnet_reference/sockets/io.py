"""wasi:io as the sockets use it (wasi-sockets.md §5.6, §6): TCP byte streams with the
check-write permit (a write beyond it must trap), poll (poll([]) must trap), waiting on
pollables, and dropping resources (children before parents).

Also the probe's helpers: ``wait``, ``read-exact``, ``write-all`` and
``output.write-beyond-permit``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .common import (
    U64_MAX,
    Apply,
    BadStep,
    Ctx,
    Possibility,
    Step,
    add_pollable,
    any_ok,
    err,
    is_hex,
    is_uint,
    new_name_free,
    ok,
    tag,
    trap,
)
from .errors import ErrorCode, StreamError
from .judgment import Observation, Pred
from .rules import (
    DROP_OK,
    IO_BWAF_MAX,
    IO_CHECK_WRITE,
    IO_DROP_PARENT_WITH_POLLABLE,
    IO_DROP_STREAM_WITH_POLLABLE,
    IO_FLUSH,
    IO_HELPER_TIMEOUT,
    IO_INPUT_READY_AFTER_SHUTDOWN,
    IO_INPUT_READY_AT_END,
    IO_OUTPUT_READY_WHEN_CLOSED,
    IO_POLL_EMPTY_TRAPS,
    IO_POLL_OK,
    IO_SUBSCRIBE,
    IO_WAIT,
    IO_WRITE_BEYOND_PERMIT,
    IO_WRITE_CLOSED,
    IO_WRITE_OK,
    IO_WRITE_PERMIT_REUSE,
    STREAM_CLOSED_FINAL,
    STREAM_FAILURE,
    STREAM_LAST_OP_FAILED,
    STREAM_READ,
    STREAM_READ_EOF,
    TCP_DROP_WITH_STREAMS,
    TCP_POLLABLE_READY,
    TCP_SHUTDOWN_RECEIVE,
    TCP_SHUTDOWN_SEND,
    UDP_DROP_WITH_STREAMS,
    UDP_SUBSCRIBE,
    SocketRule,
)
from .state import (
    ByteStream,
    DatagramStream,
    Network,
    Pollable,
    Resolver,
    TcpSocket,
    TcpState,
    UdpSocket,
    UdpState,
    World,
)
from .tcp import fork_terminated, known_local, live_definite_peer, reaches

BLOCKING_WRITE_MAX = 4096
"""blocking-write-and-flush takes at most 4096 bytes (wasi-sockets.md §5.6)."""

CLOSED = StreamError.CLOSED
LOF = StreamError.LAST_OPERATION_FAILED


def byte_stream(w: World, step: Step, direction: str) -> ByteStream:
    name = step.ref(0)
    r = w.get(name)
    if not isinstance(r, ByteStream) or r.direction != direction:
        raise BadStep(f"{step.call}: {name!r} is not an {direction}-stream")
    return r


def _failing(w: World, bs: ByteStream) -> bool:
    """The connection may have ended: closed / last-operation-failed are documented."""
    s = w.get(bs.socket)
    return bs.orphaned or not isinstance(s, TcpSocket) or s.state is TcpState.CLOSED \
        or s.peer_gone


def _closed_rule(w: World, bs: ByteStream) -> SocketRule:
    s = w.get(bs.socket)
    if isinstance(s, TcpSocket):
        if bs.direction == "input" and s.shut_rd:
            return TCP_SHUTDOWN_RECEIVE
        if bs.direction == "output" and s.shut_wr:
            return TCP_SHUTDOWN_SEND
    return STREAM_CLOSED_FINAL


def _mark_closed(name: str) -> Apply:
    """The stream reported closed / failed: it stays closed; unless our own shutdown or a
    half-close by a live model peer explains it, the connection may have terminated."""
    def apply(w: World, obs: Observation) -> list[World]:
        bs = w.byte_stream(name)
        bs.closed = True
        bs.grant = None
        s = w.get(bs.socket)
        if not isinstance(s, TcpSocket) or bs.orphaned:
            return [w]
        if bs.direction == "input" and (s.shut_rd or (live_definite_peer(w, s)
                                                      and obs.value == CLOSED.value)):
            return [w]
        if bs.direction == "output" and s.shut_wr:
            return [w]
        return fork_terminated([w], s.name)
    return apply


def _failures(w: World, bs: ByteStream, *, closed_ok: bool) -> list[Possibility]:
    """closed / last-operation-failed on an open stream: documented once the connection may
    have ended; otherwise last-operation-failed is tolerated only."""
    failing = _failing(w, bs)
    out = []
    if closed_ok or failing:
        out.append(Possibility(err(CLOSED, STREAM_READ_EOF if bs.direction == "input"
                                   else STREAM_FAILURE), _mark_closed(bs.name)))
    out.append(Possibility(err(LOF, STREAM_FAILURE if failing else STREAM_LAST_OP_FAILED,
                               tolerant_only=not failing), _mark_closed(bs.name)))
    return out


def _orphan_tags(bs: ByteStream, poss: list[Possibility]) -> list[Possibility]:
    """A stream whose socket was dropped (§5.6 [ambiguous]): ok = keeps working."""
    if not bs.orphaned:
        return poss
    out = []
    for p in poss:
        reading = "streams-keep-working" if p.allowed.kind in ("ok", "any-ok") else \
            "streams-close"
        out.append(Possibility(tag(p.allowed, TCP_DROP_WITH_STREAMS, reading), p.apply))
    return out


# ---------------------------------------------------------------- input streams

def read(blocking: bool) -> Callable[[World, Step, Ctx], list[Possibility]]:
    def handler(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
        step.arity(2)
        bs = byte_stream(w, step, "input")
        n = step.integer(1, U64_MAX)
        if bs.closed:
            return [Possibility(err(CLOSED, _closed_rule(w, bs)))]
        lo = 1 if blocking and n > 0 else 0
        shape = Pred(f"{lo}..{n} bytes", lambda v: is_hex(v, n, lo))
        poss = [Possibility(ok(STREAM_READ, shape)), *_failures(w, bs, closed_ok=True)]
        return _orphan_tags(bs, poss)
    return handler


def read_exact(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(3)
    bs = byte_stream(w, step, "input")
    n = step.integer(1, U64_MAX)
    step.integer(2, U64_MAX)

    def closed_flag(obs: Any) -> Any:
        return obs.extra.get("closed", False) if isinstance(obs, Observation) else None

    if bs.closed:
        return [Possibility(ok(_closed_rule(w, bs), Pred(
            "no data and closed: true",
            lambda o: o.value == "" and closed_flag(o) is True, whole=True)))]
    upto = Pred(f"at most {n} bytes, closed: false",
                lambda o: is_hex(o.value, n) and closed_flag(o) is False, whole=True)
    at_end = Pred(f"at most {n} bytes, closed: true",
                  lambda o: is_hex(o.value, n) and closed_flag(o) is True, whole=True)
    poss = [Possibility(ok(STREAM_READ, upto)),
            Possibility(ok(STREAM_READ_EOF, at_end), _mark_closed(bs.name)),
            *[p for p in _failures(w, bs, closed_ok=False) if p.allowed.value == LOF.value]]
    return _orphan_tags(bs, poss)


# ---------------------------------------------------------------- output streams

def _forget_grant(name: str) -> Apply:
    def apply(w: World, obs: Observation) -> list[World]:
        w.byte_stream(name).grant = None
        return [w]
    return apply


def check_write(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    bs = byte_stream(w, step, "output")
    name = bs.name
    if bs.closed:
        return [Possibility(err(CLOSED, _closed_rule(w, bs)), _forget_grant(name))]

    def grant(w2: World, obs: Observation) -> list[World]:
        b = w2.byte_stream(name)
        b.grant = obs.value if is_uint(obs.value, U64_MAX) else None
        b.used = b.writes = 0
        return [w2]

    shape = Pred("a u64 permit", lambda v: is_uint(v, U64_MAX))
    poss = [Possibility(ok(IO_CHECK_WRITE, shape), grant), *_failures(w, bs, closed_ok=False)]
    return _orphan_tags(bs, poss)


def _after_write(name: str, k: int) -> Apply:
    def apply(w: World, obs: Observation) -> list[World]:
        b = w.byte_stream(name)
        b.used += k
        b.writes += 1
        return [w]
    return apply


def write(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    bs = byte_stream(w, step, "output")
    k = step.hex_len(1)
    name = bs.name

    def normal() -> list[Possibility]:
        if bs.closed:
            return [Possibility(err(CLOSED, _closed_rule(w, bs) if bs.grant is None
                                    else IO_WRITE_CLOSED))]
        return _orphan_tags(bs, [Possibility(ok(IO_WRITE_OK, None), _after_write(name, k)),
                                 *_failures(w, bs, closed_ok=False)])

    beyond = Possibility(trap(IO_WRITE_BEYOND_PERMIT))
    if bs.grant is None:
        if k == 0:
            return [Possibility(trap(IO_WRITE_PERMIT_REUSE, flag=IO_WRITE_PERMIT_REUSE,
                                     reading="trap"))] + [
                Possibility(tag(p.allowed, IO_WRITE_PERMIT_REUSE, "accepted"), p.apply)
                for p in normal()]
        if bs.closed:
            return [beyond, Possibility(err(CLOSED, IO_WRITE_CLOSED))]
        return [beyond]
    if k > bs.grant - bs.used:
        return [beyond]
    if bs.writes == 0:
        return normal()
    return [Possibility(trap(IO_WRITE_PERMIT_REUSE, flag=IO_WRITE_PERMIT_REUSE,
                             reading="trap"))] + [
        Possibility(tag(p.allowed, IO_WRITE_PERMIT_REUSE, "accepted"), p.apply)
        for p in normal()]


def flush(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    bs = byte_stream(w, step, "output")
    if bs.closed:
        return [Possibility(err(CLOSED, _closed_rule(w, bs)), _forget_grant(bs.name))]
    return _orphan_tags(bs, [Possibility(ok(IO_FLUSH, None), _forget_grant(bs.name)),
                             *_failures(w, bs, closed_ok=False)])


def blocking_write_and_flush(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    bs = byte_stream(w, step, "output")
    k = step.hex_len(1)
    forget = _forget_grant(bs.name)
    if k > BLOCKING_WRITE_MAX:
        return [Possibility(trap(IO_BWAF_MAX, flag=IO_BWAF_MAX, reading="trap")),
                Possibility(err(CLOSED, IO_BWAF_MAX, flag=IO_BWAF_MAX, reading="error"),
                            forget),
                Possibility(err(LOF, IO_BWAF_MAX, flag=IO_BWAF_MAX, reading="error"), forget),
                Possibility(ok(IO_BWAF_MAX, None, flag=IO_BWAF_MAX, reading="accepted"),
                            forget)]
    if bs.closed:
        return [Possibility(err(CLOSED, _closed_rule(w, bs)), forget)]
    return _orphan_tags(bs, [Possibility(ok(IO_WRITE_OK, None), forget),
                             *_failures(w, bs, closed_ok=False)])


def write_all(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2, 3)
    bs = byte_stream(w, step, "output")
    step.hex_len(1)
    if len(step.args) > 2:
        step.integer(2, U64_MAX)
    forget = _forget_grant(bs.name)
    if bs.closed:
        return [Possibility(err(CLOSED, _closed_rule(w, bs)), forget)]
    return _orphan_tags(bs, [Possibility(ok(IO_WRITE_OK, None), forget),
                             Possibility(err(ErrorCode.WOULD_BLOCK, IO_HELPER_TIMEOUT), forget),
                             *_failures(w, bs, closed_ok=False)])


def write_beyond_permit(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    """The probe helper: check-write, then a write of one byte more than it granted, which must
    trap (§5.6, §6). An error is what check-write may give on this stream (closed once it is
    closed, a stream failure); an ok means the write beyond the permit was accepted."""
    step.arity(1, 2)
    bs = byte_stream(w, step, "output")
    if len(step.args) > 1:
        step.integer(1, U64_MAX)
    beyond = Possibility(trap(IO_WRITE_BEYOND_PERMIT))
    forget = _forget_grant(bs.name)
    if bs.closed:
        return [beyond, Possibility(err(CLOSED, _closed_rule(w, bs)), forget)]
    return [beyond, *_failures(w, bs, closed_ok=False)]


def stream_subscribe(direction: str) -> Callable[[World, Step, Ctx], list[Possibility]]:
    def handler(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
        step.arity(1)
        bs = byte_stream(w, step, direction)
        new_name_free(w, step.name())
        return [Possibility(any_ok(IO_SUBSCRIBE), add_pollable(step, bs.name))]
    return handler


# ---------------------------------------------------------------- poll, wait

def poll(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    refs = step.arg(0)
    if not isinstance(refs, list):
        raise BadStep("poll takes a list of pollable references")
    for r in refs:
        name = r[1:] if isinstance(r, str) and r.startswith("$") else None
        if name is None or not isinstance(w.get(name), Pollable):
            raise BadStep(f"poll: {r!r} is not a pollable reference")
    if not refs:
        return [Possibility(trap(IO_POLL_EMPTY_TRAPS))]
    n = len(refs)
    shape = Pred(f"a non-empty list of distinct indices below {n}",
                 lambda v: isinstance(v, list) and 0 < len(v) == len(set(v))
                 and all(is_uint(i, n - 1) for i in v))
    return [Possibility(ok(IO_POLL_OK, shape))]


READY = {"ready": True}


def wait(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    name = step.ref(0, bare=True)
    step.integer(1, U64_MAX)
    r = w.get(name)
    if r is None or isinstance(r, Network):
        raise BadStep(f"wait: {name!r} is not a pollable or a subscribable resource")
    target = w.get(r.parent) if isinstance(r, Pollable) and r.parent else r
    either = ok(IO_WAIT, Pred("{\"ready\": bool}",
                              lambda v: isinstance(v, dict) and isinstance(v.get("ready"), bool)))
    if isinstance(target, TcpSocket) and target.state in (
            TcpState.UNBOUND, TcpState.BOUND, TcpState.CONNECTED, TcpState.CLOSED):
        return [Possibility(ok(TCP_POLLABLE_READY, READY))]
    if isinstance(target, ByteStream) and target.closed:
        owner = w.get(target.socket)
        if target.direction == "input" and isinstance(owner, TcpSocket) and owner.shut_rd \
                and not owner.peer_gone and owner.state is TcpState.CONNECTED:
            # closed by our own shutdown(receive), the other end still open
            return [Possibility(ok(IO_INPUT_READY_AFTER_SHUTDOWN, READY,
                                   flag=IO_INPUT_READY_AFTER_SHUTDOWN, reading="ready")),
                    Possibility(ok(IO_INPUT_READY_AFTER_SHUTDOWN, {"ready": False},
                                   flag=IO_INPUT_READY_AFTER_SHUTDOWN, reading="not-ready"))]
        rule = IO_INPUT_READY_AT_END if target.direction == "input" else \
            IO_OUTPUT_READY_WHEN_CLOSED
        return [Possibility(ok(rule, READY))]
    if isinstance(target, UdpSocket) and target.state is not UdpState.BIND_IN_PROGRESS:
        return [Possibility(ok(UDP_SUBSCRIBE, READY, flag=UDP_SUBSCRIBE, reading="ready")),
                Possibility(ok(UDP_SUBSCRIBE, {"ready": False}, flag=UDP_SUBSCRIBE,
                               reading="not-ready"))]
    return [Possibility(either)]


# ---------------------------------------------------------------- drop

def _dropped(name: str) -> Apply:
    """Drop = close (§1): streams of a dropped socket become orphans, the peers' connections
    may end, a client leaving before accept may make accept give connection-aborted."""
    def apply(w: World, obs: Observation) -> list[World]:
        r = w.resources.pop(name)
        worlds = [w]
        if isinstance(r, (TcpSocket, UdpSocket)):
            for sname in w.live_streams_of(name):
                st = w.resources[sname]
                assert isinstance(st, (ByteStream, DatagramStream))
                st.orphaned = True
        if not isinstance(r, TcpSocket):
            return worlds
        ends = list(r.peers)
        la = known_local(r)
        if r.state in (TcpState.LISTENING, TcpState.LISTEN_IN_PROGRESS) and la is not None:
            ends += [o.name for o in w.tcp_sockets()
                     if o.target is not None and not o.accepted and o.listener is None
                     and reaches(o.target, la)]
        for end in ends:
            worlds = [x for wx in worlds for x in fork_terminated([wx], end)]
        if r.target is not None and not r.accepted and r.listener is None:
            for wx in worlds:
                for o in wx.tcp_sockets():
                    ol = known_local(o)
                    if o.state is TcpState.LISTENING and ol is not None \
                            and reaches(r.target, ol):
                        o.client_dropped = True
        return worlds
    return apply


def drop(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    name = step.ref(0, bare=True)
    r = w.get(name)
    if r is None:
        raise BadStep(f"drop: unknown resource {name!r}")
    apply = _dropped(name)
    success = any_ok(DROP_OK)
    flags: list[tuple[SocketRule, str]] = []
    poss: list[Possibility] = []
    pollables = w.pollables_of(name)
    streams = w.live_streams_of(name)
    if pollables and isinstance(r, (ByteStream, DatagramStream)):
        poss.append(Possibility(trap(IO_DROP_STREAM_WITH_POLLABLE)))
    if pollables and isinstance(r, (TcpSocket, UdpSocket, Resolver)):
        flags.append((IO_DROP_PARENT_WITH_POLLABLE, "ok"))
        poss.append(Possibility(trap(IO_DROP_PARENT_WITH_POLLABLE,
                                     flag=IO_DROP_PARENT_WITH_POLLABLE, reading="trap")))
    if streams and isinstance(r, TcpSocket):
        poss.append(Possibility(trap(TCP_DROP_WITH_STREAMS, flag=TCP_DROP_WITH_STREAMS,
                                     reading="trap")))
    if streams and isinstance(r, UdpSocket):
        flags.append((UDP_DROP_WITH_STREAMS, "ok"))
        poss.append(Possibility(trap(UDP_DROP_WITH_STREAMS, flag=UDP_DROP_WITH_STREAMS,
                                     reading="trap")))
    oks = [Possibility(tag(success, f, reading), apply) for f, reading in flags] or \
        [Possibility(success, apply)]
    return oks + poss


HANDLERS: dict[str, Callable[[World, Step, Ctx], list[Possibility]]] = {
    "input.read": read(blocking=False),
    "input.blocking-read": read(blocking=True),
    "input.subscribe": stream_subscribe("input"),
    "output.check-write": check_write,
    "output.write": write,
    "output.flush": flush,
    "output.blocking-flush": flush,
    "output.blocking-write-and-flush": blocking_write_and_flush,
    "output.subscribe": stream_subscribe("output"),
    "poll": poll,
    "wait": wait,
    "drop": drop,
    "read-exact": read_exact,
    "write-all": write_all,
    "output.write-beyond-permit": write_beyond_permit,
}

