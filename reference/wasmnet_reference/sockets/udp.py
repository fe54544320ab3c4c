"""UDP (wasi-sockets.md §7) and its datagram streams (§7.1), including the check-send permit:
send without a preceding check-send and more datagrams than permitted must trap; one grant
covering several sends and send([]) without check-send are [ambiguous].

States are implicit in the spec: unbound -> bind-in-progress -> bound -> streaming(remote or
none). There is no closed state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import options
from .addresses import (
    Locality,
    SockAddr,
    is_loopback,
    is_not_unicast,
    locality,
    max_payload,
    mtu_payload,
)
from .common import (
    U64_MAX,
    Apply,
    BadStep,
    Ctx,
    Finals,
    Possibility,
    Step,
    add_pollable,
    add_tolerant,
    address_pred,
    any_ok,
    async_finish,
    async_start,
    data_len,
    err,
    fork,
    is_hex,
    is_uint,
    new_name_free,
    ok,
    tag,
    trap,
    unchanged,
)
from .errors import ErrorCode
from .judgment import Allowed, Observation, Pred
from .rules import (
    ASYNC_SECOND_START,
    BIND_HOST_DEPENDENT,
    BIND_NOT_BINDABLE,
    BIND_PORT_UNKNOWN,
    ERR_CHECK_ORDER,
    IO_SUBSCRIBE,
    NET_DENIED,
    UDP_ADDRESS_FAMILY,
    UDP_BIND_FAMILY,
    UDP_BIND_IN_USE,
    UDP_BIND_OK,
    UDP_BIND_OVERLAP,
    UDP_BIND_RETRY,
    UDP_CHECK_SEND,
    UDP_FINISH_BIND_NIP,
    UDP_LOCAL_ADDRESS,
    UDP_LOCAL_AFTER_DISCONNECT,
    UDP_RECEIVE_ERRORS,
    UDP_RECEIVE_ICMP,
    UDP_RECEIVE_MAX_ZERO,
    UDP_RECEIVE_OK,
    UDP_REMOTE_ADDRESS,
    UDP_SEND_DEST_INVALID,
    UDP_SEND_EMPTY_NO_CHECK,
    UDP_SEND_ERRORS,
    UDP_SEND_GRANT_REUSE,
    UDP_SEND_MTU,
    UDP_SEND_NO_CHECK,
    UDP_SEND_OK,
    UDP_SEND_TOO_LARGE,
    UDP_SEND_TOO_MANY,
    UDP_SPECIAL_ADDRESSES,
    UDP_STALE_STREAM,
    UDP_START_BIND_BOUND,
    UDP_START_BIND_IN_PROGRESS,
    UDP_STREAM_INVALID,
    UDP_STREAM_OK,
    UDP_STREAM_REMOTE_FAILURES,
    UDP_STREAM_REPLACE,
    UDP_STREAM_UNBOUND,
    SocketRule,
)
from .state import DatagramStream, Pending, UdpSocket, UdpState, World
from .tcp import create_socket, network_arg

UU = UdpState.UNBOUND
UBP = UdpState.BIND_IN_PROGRESS
UB = UdpState.BOUND
US = UdpState.STREAMING


def sock(w: World, step: Step, i: int = 0) -> UdpSocket:
    name = step.ref(i)
    s = w.get(name)
    if not isinstance(s, UdpSocket):
        raise BadStep(f"{step.call}: {name!r} is not a udp-socket")
    return s


def dstream(w: World, step: Step, direction: str) -> DatagramStream:
    name = step.ref(0)
    s = w.get(name)
    if not isinstance(s, DatagramStream) or s.direction != direction:
        raise BadStep(f"{step.call}: {name!r} is not an {direction}-datagram-stream")
    return s


def known_local(s: UdpSocket) -> SockAddr | None:
    if s.local is not None and s.local.port != 0 and not s.port_uncertain:
        return s.local
    if s.bind_addr is not None and s.bind_addr.port != 0:
        return s.bind_addr
    if s.pending is not None and s.pending.addr is not None and s.pending.addr.port != 0:
        return s.pending.addr
    return None


# ---------------------------------------------------------------- creation and bind

def create(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    return create_socket(w, step, ctx, UdpSocket)


def _special(f: Finals) -> None:
    """Multicast, broadcast, IPv4-mapped: unlisted for UDP (§7 [ambiguous])."""
    f.tag_success(UDP_SPECIAL_ADDRESSES, "ok")
    f.maybe(ErrorCode.INVALID_ARGUMENT, UDP_SPECIAL_ADDRESSES, flag=UDP_SPECIAL_ADDRESSES,
            reading="invalid-argument")
    f.maybe(ErrorCode.ADDRESS_NOT_BINDABLE, UDP_SPECIAL_ADDRESSES, flag=UDP_SPECIAL_ADDRESSES,
            reading="address-not-bindable")


def bind_finals(w: World, s: UdpSocket, addr: SockAddr, ctx: Ctx) -> list[Allowed]:
    f = Finals(any_ok(UDP_BIND_OK))
    ip = addr.address
    if addr.family != s.family:
        f.fail(ErrorCode.INVALID_ARGUMENT, UDP_BIND_FAMILY)
    if is_not_unicast(ip):
        _special(f)
    loc = locality(ip)
    if loc is Locality.NON_LOCAL:
        f.fail(ErrorCode.ADDRESS_NOT_BINDABLE, BIND_NOT_BINDABLE)
    elif loc is Locality.HOST_DEPENDENT and not is_not_unicast(ip):
        f.maybe(ErrorCode.ADDRESS_NOT_BINDABLE, BIND_HOST_DEPENDENT)
    if addr.port != 0 and addr.family == s.family:
        taken = [known_local(o) for o in w.udp_sockets() if o.name != s.name]
        for oa in [*taken, *ctx.host.udp_bound]:
            if oa is not None and oa.overlaps(addr):
                if oa.ip == addr.ip:
                    f.fail(ErrorCode.ADDRESS_IN_USE, UDP_BIND_IN_USE)
                else:
                    f.maybe(ErrorCode.ADDRESS_IN_USE, UDP_BIND_OVERLAP)
        if not any(h.overlaps(addr) for h in ctx.host.free):
            f.maybe(ErrorCode.ADDRESS_IN_USE, BIND_PORT_UNKNOWN)
    if not ctx.granted:
        f.fail(ErrorCode.ACCESS_DENIED, NET_DENIED)
    return f.build()


def _bind_failed(name: str) -> Apply:
    """A failed UDP bind: reading retry-allowed (unbound) or invalid-state (§7 [ambiguous])."""
    def apply(w: World, obs: Observation) -> list[World]:
        s = w.udp(name)
        s.state, s.pending, s.network = UU, None, None
        if s.bind_stuck:
            return [w]
        key = f"{UDP_BIND_RETRY.id}@{name}"
        w2 = fork(w)
        w2.udp(name).bind_stuck = True
        w.readings[key] = "retry-allowed"
        w2.readings[key] = "invalid-state"
        return [w, w2]
    return apply


def start_bind(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(3)
    s = sock(w, step)
    net = network_arg(w, step, 1)
    addr = step.address(2)
    name = s.name
    arg_bad = addr.family != s.family
    if s.state is UU and s.bind_stuck:
        poss = [Possibility(err(ErrorCode.INVALID_STATE, UDP_BIND_RETRY, flag=UDP_BIND_RETRY,
                                reading="invalid-state"))]
    elif s.state is UU:
        finals = bind_finals(w, s, addr, ctx)

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.udp(name)
            s2.state, s2.network = UBP, net
            s2.pending = Pending("bind", finals, origin=UU.value, addr=addr)
            return [w2]

        return async_start(finals, on_ok, lambda code: _bind_failed(name))
    elif s.state is UBP:
        poss = [Possibility(err(ErrorCode.INVALID_STATE, UDP_START_BIND_IN_PROGRESS,
                                flag=ASYNC_SECOND_START, reading="invalid-state")),
                Possibility(err(ErrorCode.CONCURRENCY_CONFLICT, UDP_START_BIND_IN_PROGRESS,
                                flag=ASYNC_SECOND_START, reading="concurrency-conflict"))]
    else:
        poss = [Possibility(err(ErrorCode.INVALID_STATE, UDP_START_BIND_BOUND))]
    if arg_bad:
        poss.append(Possibility(err(ErrorCode.INVALID_ARGUMENT, ERR_CHECK_ORDER)))
    return add_tolerant(poss)


def finish_bind(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    name = s.name
    if s.state is not UBP or s.pending is None:
        return add_tolerant([Possibility(err(ErrorCode.NOT_IN_PROGRESS, UDP_FINISH_BIND_NIP))])

    def on_ok(w2: World, obs: Observation) -> list[World]:
        s2 = w2.udp(name)
        assert s2.pending is not None
        s2.bind_addr = s2.pending.addr
        s2.state, s2.pending = UB, None
        return [w2]

    return async_finish(s.pending.finals, on_ok, lambda code: _bind_failed(name))


# ---------------------------------------------------------------- stream()

def stream(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    s = sock(w, step)
    remote = step.optional_address(1)
    name = s.name
    invalid = remote is not None and (remote.family != s.family or remote.is_wildcard
                                      or remote.port == 0)
    if s.state in (UU, UBP):
        poss = [Possibility(err(ErrorCode.INVALID_STATE, UDP_STREAM_UNBOUND))]
        if invalid:
            poss.append(Possibility(err(ErrorCode.INVALID_ARGUMENT, ERR_CHECK_ORDER)))
        return add_tolerant(poss)
    shape = Pred('{"incoming": name, "outgoing": name}',
                 lambda v: isinstance(v, dict) and isinstance(v.get("incoming"), str)
                 and isinstance(v.get("outgoing"), str))
    f = Finals(ok(UDP_STREAM_OK, shape))
    if remote is not None:
        if invalid:
            f.fail(ErrorCode.INVALID_ARGUMENT, UDP_STREAM_INVALID)
        elif is_not_unicast(remote.address):
            _special(f)
        elif not is_loopback(remote.address):
            f.maybe(ErrorCode.REMOTE_UNREACHABLE, UDP_STREAM_REMOTE_FAILURES)
            f.maybe(ErrorCode.CONNECTION_REFUSED, UDP_STREAM_REMOTE_FAILURES)
    old_alive = [n for n in (s.incoming, s.outgoing) if n is not None and n in w.resources]
    if old_alive:
        f.tag_success(UDP_STREAM_REPLACE, "old-pair-non-operational")

    def on_ok(w2: World, obs: Observation) -> list[World]:
        s2 = w2.udp(name)
        if s2.state is US and s2.remote is not None and remote is None:
            s2.port_uncertain = True
        if remote is not None:
            s2.was_connected = True
        s2.state, s2.remote = US, remote
        for old in (s2.incoming, s2.outgoing):
            r = w2.get(old) if old is not None else None
            if isinstance(r, DatagramStream):
                r.stale = True
        base = step.name(name)
        v = obs.value if isinstance(obs.value, dict) else {}
        inc = v.get("incoming") if isinstance(v.get("incoming"), str) else base + ".in"
        out = v.get("outgoing") if isinstance(v.get("outgoing"), str) else base + ".out"
        s2.incoming, s2.outgoing = str(inc), str(out)
        w2.resources[str(inc)] = DatagramStream(str(inc), "incoming", name)
        w2.resources[str(out)] = DatagramStream(str(out), "outgoing", name)
        return [w2]

    poss = [Possibility(a, on_ok if a.kind in ("ok", "any-ok") else unchanged)
            for a in f.build()]
    if old_alive:
        poss.append(Possibility(trap(UDP_STREAM_REPLACE, flag=UDP_STREAM_REPLACE,
                                     reading="trap")))
    return add_tolerant(poss)


# ---------------------------------------------------------------- addresses, options

def _record_local(name: str) -> Apply:
    def apply(w: World, obs: Observation) -> list[World]:
        s = w.udp(name)
        try:
            s.local = SockAddr.from_json(obs.value)
        except ValueError:
            return [w]
        s.port_uncertain = False
        return [w]
    return apply


def local_address(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    fam = s.family
    if s.state in (UU, UBP) or s.bind_addr is None:
        return add_tolerant([Possibility(err(ErrorCode.INVALID_STATE, UDP_LOCAL_ADDRESS))])
    ba = s.bind_addr
    record = _record_local(s.name)
    kl = known_local(s)
    port = kl.port if kl is not None else 0
    ip_fixed = not ba.is_wildcard or not s.was_connected
    if s.port_uncertain:
        before = s.local.port if s.local is not None else (ba.port or None)

        def same_ip(a: SockAddr) -> bool:
            return a.family == fam and (ba.is_wildcard or a.ip == ba.ip)

        alts: list[Possibility] = [Possibility(ok(
            UDP_LOCAL_AFTER_DISCONNECT,
            address_pred("port 0", lambda a: same_ip(a) and a.port == 0),
            flag=UDP_LOCAL_AFTER_DISCONNECT, reading="zero"), record)]
        if before is not None:
            alts += [
                Possibility(ok(UDP_LOCAL_AFTER_DISCONNECT,
                               address_pred(f"port {before}",
                                            lambda a: same_ip(a) and a.port == before),
                               flag=UDP_LOCAL_AFTER_DISCONNECT, reading="same"), record),
                Possibility(ok(UDP_LOCAL_AFTER_DISCONNECT,
                               address_pred(f"a port other than {before}",
                                            lambda a: same_ip(a) and a.port not in (0, before)),
                               flag=UDP_LOCAL_AFTER_DISCONNECT, reading="changed"), record)]
        else:
            alts.append(Possibility(ok(UDP_LOCAL_ADDRESS,
                                       address_pred("a non-zero port",
                                                    lambda a: same_ip(a) and a.port != 0)),
                                    record))
        return add_tolerant(alts)

    def bound_ok(a: SockAddr) -> bool:
        if a.family != fam or (ip_fixed and a.ip != ba.ip):
            return False
        return a.port == port if port else a.port != 0

    desc = (f"{ba.ip}" if ip_fixed else "any IP") + (f" with port {port}" if port
                                                     else " with a non-zero port")
    return add_tolerant([Possibility(ok(UDP_LOCAL_ADDRESS, address_pred(desc, bound_ok)),
                                     record)])


def remote_address(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    if s.state is US and s.remote is not None:
        target = s.remote
        return add_tolerant([Possibility(ok(UDP_REMOTE_ADDRESS, address_pred(
            f"the stream remote {target}", lambda a: a.same_endpoint(target))))])
    return add_tolerant([Possibility(err(ErrorCode.INVALID_STATE, UDP_REMOTE_ADDRESS))])


def address_family(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    return [Possibility(ok(UDP_ADDRESS_FAMILY, s.family.value))]


def subscribe(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    new_name_free(w, step.name())
    return [Possibility(any_ok(IO_SUBSCRIBE), add_pollable(step, s.name))]


def option(w: World, step: Step, ctx: Ctx, spec: options.OptionSpec,
           is_setter: bool) -> list[Possibility]:
    step.arity(2 if is_setter else 1)
    s = sock(w, step)
    if is_setter:
        return add_tolerant(options.setter(s, spec, options.setter_value(step, spec)))
    return add_tolerant(options.getter(w, s, spec))


# ---------------------------------------------------------------- datagram streams (§7.1)

def stream_subscribe(direction: str) -> Callable[[World, Step, Ctx], list[Possibility]]:
    def handler(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
        step.arity(1)
        d = dstream(w, step, direction)
        new_name_free(w, step.name())
        return [Possibility(any_ok(IO_SUBSCRIBE), add_pollable(step, d.name))]
    return handler


def _datagram_list(remote: SockAddr | None, family: Any, max_results: int) -> Pred:
    def check(v: Any) -> bool:
        if not isinstance(v, list) or len(v) > max_results:
            return False
        for d in v:
            if not isinstance(d, dict) or not is_hex(d.get("data")):
                return False
            a = SockAddr.from_json(d.get("remote-address"))
            if a.family != family or (remote is not None and not a.same_endpoint(remote)):
                return False
        return True
    desc = f"at most {max_results} datagrams" + (f" from {remote}" if remote else "")
    return Pred(desc, check)


def receive(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    d = dstream(w, step, "incoming")
    n = step.integer(1, U64_MAX)
    s = w.get(d.socket)
    if d.stale or d.orphaned or not isinstance(s, UdpSocket):
        rule = UDP_STALE_STREAM
        if d.stale:
            return add_tolerant([Possibility(ok(rule, [])), Possibility(err(None, rule))])
        return add_tolerant([Possibility(any_ok(rule)), Possibility(err(None, rule))])
    if n == 0:
        return add_tolerant([Possibility(ok(UDP_RECEIVE_MAX_ZERO, []))])
    poss = [Possibility(ok(UDP_RECEIVE_OK, _datagram_list(s.remote, s.family, n)))]
    if s.sent:
        if s.remote is not None:
            poss += [Possibility(ok(UDP_RECEIVE_ICMP, [], flag=UDP_RECEIVE_ICMP, reading="empty")),
                     Possibility(err(ErrorCode.CONNECTION_REFUSED, UDP_RECEIVE_ICMP,
                                     flag=UDP_RECEIVE_ICMP, reading="connection-refused"))]
        else:
            poss.append(Possibility(err(ErrorCode.CONNECTION_REFUSED, UDP_RECEIVE_ERRORS)))
        poss.append(Possibility(err(ErrorCode.REMOTE_UNREACHABLE, UDP_RECEIVE_ERRORS)))
    return add_tolerant(poss)


def check_send(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    d = dstream(w, step, "outgoing")
    name = d.name
    s = w.get(d.socket)

    def grant(w2: World, obs: Observation) -> list[World]:
        d2 = w2.datagram_stream(name)
        d2.grant = obs.value if is_uint(obs.value, U64_MAX) else None
        d2.used_passed = d2.used_returned = d2.sends = 0
        return [w2]

    def no_grant(w2: World, obs: Observation) -> list[World]:
        w2.datagram_stream(name).grant = None
        return [w2]

    shape = Pred("a u64 permit", lambda v: is_uint(v, U64_MAX))
    if d.stale or d.orphaned or not isinstance(s, UdpSocket):
        return add_tolerant([Possibility(ok(UDP_STALE_STREAM, shape), grant),
                             Possibility(err(None, UDP_STALE_STREAM), no_grant)])
    poss = [Possibility(ok(UDP_CHECK_SEND, shape), grant)]
    if s.sent:
        poss += [Possibility(err(ErrorCode.CONNECTION_REFUSED, UDP_SEND_ERRORS), no_grant),
                 Possibility(err(ErrorCode.REMOTE_UNREACHABLE, UDP_SEND_ERRORS), no_grant)]
    return add_tolerant(poss, lambda code: no_grant)


@dataclass
class _Datagram:
    """The possible outcomes of sending one datagram."""

    can_send: bool = True
    send_tag: tuple[SocketRule, str] | None = None
    errors: list[Allowed] = field(default_factory=list)

    def must(self, code: ErrorCode, rule: SocketRule) -> None:
        self.can_send = False
        self.errors.append(err(code, rule))

    def maybe(self, code: ErrorCode, rule: SocketRule, *, flag: SocketRule | None = None,
              reading: str | None = None) -> None:
        self.errors.append(err(code, rule, flag=flag, reading=reading))


def _parse_datagrams(step: Step) -> list[tuple[int, SockAddr | None]]:
    raw = step.arg(1)
    if not isinstance(raw, list):
        raise BadStep(f"{step.call}: expected a list of datagrams")
    out = []
    for d in raw:
        size = data_len(d.get("data")) if isinstance(d, dict) else None
        if not isinstance(d, dict) or not set(d) <= {"data", "remote-address"} \
                or size is None:
            raise BadStep(f"{step.call}: bad datagram {str(d)[:80]}")
        dest = d.get("remote-address")
        try:
            addr = None if dest is None else SockAddr.from_json(dest)
        except ValueError as e:
            raise BadStep(f"{step.call}: {e}") from None
        out.append((size, addr))
    return out


def _datagram(s: UdpSocket, size: int, dest: SockAddr | None) -> _Datagram:
    d = _Datagram()
    target: SockAddr | None
    if s.remote is not None:
        if dest is not None and not dest.same_endpoint(s.remote):
            d.must(ErrorCode.INVALID_ARGUMENT, UDP_SEND_DEST_INVALID)
        target = s.remote
    else:
        if dest is None:
            d.must(ErrorCode.INVALID_ARGUMENT, UDP_SEND_DEST_INVALID)
        target = dest
    if dest is not None:
        if dest.family != s.family or dest.is_wildcard or dest.port == 0:
            d.must(ErrorCode.INVALID_ARGUMENT, UDP_SEND_DEST_INVALID)
        elif is_not_unicast(dest.address):
            d.send_tag = (UDP_SPECIAL_ADDRESSES, "ok")
            d.maybe(ErrorCode.INVALID_ARGUMENT, UDP_SPECIAL_ADDRESSES,
                    flag=UDP_SPECIAL_ADDRESSES, reading="invalid-argument")
            d.maybe(ErrorCode.ADDRESS_NOT_BINDABLE, UDP_SPECIAL_ADDRESSES,
                    flag=UDP_SPECIAL_ADDRESSES, reading="address-not-bindable")
    if size > max_payload(s.family):
        d.must(ErrorCode.DATAGRAM_TOO_LARGE, UDP_SEND_TOO_LARGE)
    elif size > mtu_payload(s.family):
        d.send_tag = d.send_tag or (UDP_SEND_MTU, "sent")
        d.maybe(ErrorCode.DATAGRAM_TOO_LARGE, UDP_SEND_MTU, flag=UDP_SEND_MTU,
                reading="rejected")
    if s.sent or (target is not None and not target.is_wildcard
                  and not is_loopback(target.address)):
        d.maybe(ErrorCode.CONNECTION_REFUSED, UDP_SEND_ERRORS)
        d.maybe(ErrorCode.REMOTE_UNREACHABLE, UDP_SEND_ERRORS)
    return d


def _send_results(s: UdpSocket, dgs: list[tuple[int, SockAddr | None]]) -> list[Allowed]:
    """Sending one by one until the first failure (§7.1): ok(k) for every k at which a
    datagram may fail (k > 0), the first datagram's errors, ok(n) if all may go."""
    out: list[Allowed] = []
    first_tag: tuple[SocketRule, str] | None = None
    for i, (size, dest) in enumerate(dgs):
        d = _datagram(s, size, dest)
        if i == 0:
            out += d.errors
        elif d.errors:
            flagged = [e for e in d.errors if e.flag is not None]
            a = ok(UDP_SEND_OK, i)
            if flagged and d.can_send:
                a = tag(a, next(r for r in (UDP_SEND_MTU, UDP_SPECIAL_ADDRESSES)
                                if r.id == flagged[0].flag), str(flagged[0].reading))
            out.append(a)
        if not d.can_send:
            return out
        first_tag = first_tag or d.send_tag
    a = ok(UDP_SEND_OK, len(dgs))
    if first_tag is not None:
        a = tag(a, *first_tag)
    out.append(a)
    return out


def send(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    d = dstream(w, step, "outgoing")
    dgs = _parse_datagrams(step)
    n = len(dgs)
    name = d.name
    s = w.get(d.socket)

    def sent(w2: World, obs: Observation) -> list[World]:
        d2 = w2.datagram_stream(name)
        d2.sends += 1
        d2.used_passed += n
        if obs.kind == "ok" and is_uint(obs.value, U64_MAX):
            d2.used_returned += obs.value
            s2 = w2.get(d2.socket)
            if isinstance(s2, UdpSocket) and obs.value > 0:
                s2.sent = True
        return [w2]

    def normal() -> list[Possibility]:
        if n == 0:
            return [Possibility(ok(UDP_SEND_OK, 0), sent)]
        if d.stale or d.orphaned or not isinstance(s, UdpSocket):
            rule = UDP_STALE_STREAM
            if d.stale:
                return [Possibility(ok(rule, 0), sent), Possibility(err(None, rule), sent)]
            return [Possibility(ok(rule, Pred(f"at most {n}", lambda v: is_uint(v, n))), sent),
                    Possibility(err(None, rule), sent)]
        return add_tolerant([Possibility(a, sent) for a in _send_results(s, dgs)],
                            lambda code: sent)

    if d.grant is None or (d.sends > 0 and n == 0):
        if n == 0:
            return [Possibility(trap(UDP_SEND_EMPTY_NO_CHECK, flag=UDP_SEND_EMPTY_NO_CHECK,
                                     reading="trap"))] + [
                Possibility(tag(p.allowed, UDP_SEND_EMPTY_NO_CHECK, "ok"), p.apply)
                for p in normal()]
        return [Possibility(trap(UDP_SEND_NO_CHECK))]
    if d.sends == 0:
        if n > d.grant:
            return [Possibility(trap(UDP_SEND_TOO_MANY))]
        return normal()
    if n > d.grant - d.used_returned:
        return [Possibility(trap(UDP_SEND_TOO_MANY))]
    return [Possibility(trap(UDP_SEND_GRANT_REUSE, flag=UDP_SEND_GRANT_REUSE,
                             reading="trap"))] + [
        Possibility(tag(p.allowed, UDP_SEND_GRANT_REUSE, "success"), p.apply)
        for p in normal()]


def _option_handler(spec: options.OptionSpec, is_setter: bool) -> Callable[
        [World, Step, Ctx], list[Possibility]]:
    return lambda w, step, ctx: option(w, step, ctx, spec, is_setter)


HANDLERS: dict[str, Callable[[World, Step, Ctx], list[Possibility]]] = {
    "create-udp-socket": create,
    "udp.start-bind": start_bind,
    "udp.finish-bind": finish_bind,
    "udp.stream": stream,
    "udp.local-address": local_address,
    "udp.remote-address": remote_address,
    "udp.address-family": address_family,
    "udp.subscribe": subscribe,
    "incoming.receive": receive,
    "incoming.subscribe": stream_subscribe("incoming"),
    "outgoing.check-send": check_send,
    "outgoing.send": send,
    "outgoing.subscribe": stream_subscribe("outgoing"),
}
for _spec in options.UDP_OPTIONS.values():
    HANDLERS[f"udp.{_spec.name}"] = _option_handler(_spec, False)
    HANDLERS[f"udp.set-{_spec.name}"] = _option_handler(_spec, True)

