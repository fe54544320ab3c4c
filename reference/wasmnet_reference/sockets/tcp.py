"""TCP: the state machine (wasi-sockets.md §5.1), the legality matrix (§5.2) as data, the
function contracts (§5.4) and options (§5.5).

The matrix below is the spec's table cell for cell; :func:`cell` turns a cell into allowed
results (``ok*``/``ok`` cells delegate to the function contract). Each error cell is a rule of
its own (``tcp.start-bind.invalid-state-when-bound``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

from . import options
from .addresses import (
    Locality,
    SockAddr,
    is_loopback,
    is_not_unicast,
    locality,
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
    err,
    fork,
    new_name_free,
    ok,
    tag,
    unchanged,
)
from .errors import CONNECTION_FAILURES, ErrorCode
from .judgment import Observation, Pred
from .rules import (
    ASYNC_SECOND_START,
    BIND_HOST_DEPENDENT,
    BIND_NOT_BINDABLE,
    BIND_PORT_UNKNOWN,
    CREATE_NOT_SUPPORTED,
    CREATE_OK,
    ERR_CHECK_ORDER,
    NET_CREATION_DENIED,
    NET_DENIED,
    TCP_ACCEPT_ABORTED,
    TCP_ACCEPT_OK,
    TCP_ACCEPT_WOULD_BLOCK,
    TCP_ACCEPTED_ADDRESSES,
    TCP_ADDRESS_FAMILY,
    TCP_BACKLOG_NS,
    TCP_BACKLOG_OK,
    TCP_BACKLOG_ZERO,
    TCP_BIND_FAMILY,
    TCP_BIND_IN_USE,
    TCP_BIND_LOCAL_ADDRESS,
    TCP_BIND_NOT_UNICAST,
    TCP_BIND_OK,
    TCP_BIND_REUSE,
    TCP_CLOSED_ANY_METHOD,
    TCP_CONNECT_INVALID,
    TCP_CONNECT_LOCAL_ADDRESS,
    TCP_CONNECT_NETWORK,
    TCP_CONNECT_OK,
    TCP_CONNECT_REFUSED,
    TCP_CONNECT_REJECTED_STATE,
    TCP_CONNECT_REMOTE_ADDRESS,
    TCP_CONNECT_REMOTE_FAILURES,
    TCP_CONNECT_TARGET_DEPENDENT,
    TCP_CONNECTION_TERMINATED,
    TCP_FINISH_IN_CLOSED,
    TCP_LISTEN_IN_USE,
    TCP_LISTEN_OK,
    TCP_LOCAL_ADDRESS_IMPLICIT,
    TCP_SHUTDOWN_OK,
    TCP_SUBSCRIBE,
    Level,
    SocketRule,
    register,
)
from .state import ByteStream, Network, Pending, TcpSocket, TcpState, World

U = TcpState.UNBOUND
BP = TcpState.BIND_IN_PROGRESS
B = TcpState.BOUND
LP = TcpState.LISTEN_IN_PROGRESS
L = TcpState.LISTENING
CP = TcpState.CONNECT_IN_PROGRESS
C = TcpState.CONNECTED
X = TcpState.CLOSED
STATES: tuple[TcpState, ...] = (U, BP, B, LP, L, CP, C, X)
"""Column order of the matrix."""

MATRIX_ROWS: dict[str, tuple[str, ...]] = {
    #                          U      BP       B      LP       L      CP       C      X
    "start-bind":          ("ok*", "IS|CC", "IS", "IS|CC", "IS", "IS|CC", "IS", "IS"),
    "finish-bind":         ("NIP", "ok*", "NIP", "NIP", "NIP", "NIP", "NIP", "NIP|IS"),
    "start-connect":       ("ok*", "IS|CC", "ok*", "IS|CC", "IS", "IS|CC", "IS", "IS"),
    "finish-connect":      ("NIP", "NIP", "NIP", "NIP", "NIP", "ok*", "NIP", "NIP|IS"),
    "start-listen":        ("IS", "IS|CC", "ok*", "IS|CC", "IS", "IS|CC", "IS", "IS"),
    "finish-listen":       ("NIP", "NIP", "NIP", "ok*", "NIP", "NIP", "NIP", "NIP|IS"),
    "accept":              ("IS", "IS", "IS", "IS", "ok*", "IS", "IS", "IS"),
    "local-address":       ("IS", "IS", "ok", "ok", "ok", "ok†", "ok", "ok|IS"),
    "remote-address":      ("IS", "IS", "IS", "IS", "IS", "IS", "ok", "ok|IS"),
    "shutdown":            ("IS", "IS", "IS", "IS", "IS", "IS", "ok", "IS"),
    "set-listen-backlog-size": ("ok", "ok", "ok", "ok|NS", "ok|NS", "IS", "IS", "ok|IS"),
    "option":              ("ok", "ok", "ok", "ok", "ok", "ok", "ok", "ok|IS"),
    "is-listening":        ("false", "false", "false", "false", "true", "false", "false",
                            "false"),
}
"""wasi-sockets.md §5.2, row for row. ``option`` = every other option getter and setter."""

MATRIX: dict[str, dict[TcpState, str]] = {
    row: dict(zip(STATES, cells, strict=True)) for row, cells in MATRIX_ROWS.items()
}

CELL_CODES: dict[str, ErrorCode] = {
    "IS": ErrorCode.INVALID_STATE,
    "CC": ErrorCode.CONCURRENCY_CONFLICT,
    "NIP": ErrorCode.NOT_IN_PROGRESS,
    "NS": ErrorCode.NOT_SUPPORTED,
}


def _register_matrix() -> dict[tuple[str, TcpState, str], SocketRule]:
    rules: dict[tuple[str, TcpState, str], SocketRule] = {}
    for row, cells in MATRIX.items():
        for state, text in cells.items():
            if text in ("ok|IS", "ok|NS"):
                continue  # the closed-state and backlog rules cover these cells
            for part in text.split("|"):
                if part in CELL_CODES:
                    code = CELL_CODES[part].value
                    what = f"{code}"
                elif part in ("true", "false"):
                    code, what = part, f"returns {part}"
                else:
                    continue
                rules[(row, state, part)] = register(
                    f"tcp.{row}.{code}-when-{state.value}", Level.MUST, "§5.2",
                    f"{row} in {state.value}: {what}" + (
                        " (or the other code of the cell)" if "|" in text else ""))
    return rules


CELL_RULES = _register_matrix()


# ---------------------------------------------------------------- lookups and helpers

def sock(w: World, step: Step, i: int = 0) -> TcpSocket:
    name = step.ref(i)
    s = w.get(name)
    if not isinstance(s, TcpSocket):
        raise BadStep(f"{step.call}: {name!r} is not a tcp-socket")
    return s


def network_arg(w: World, step: Step, i: int) -> str:
    name = step.ref(i)
    if not isinstance(w.get(name), Network):
        raise BadStep(f"{step.call}: {name!r} is not a network")
    return name


def known_local(s: TcpSocket) -> SockAddr | None:
    """The socket's local address as far as the model knows it with a definite port."""
    if s.local is not None and s.local.port != 0:
        return s.local
    if s.bind_addr is not None and s.bind_addr.port != 0:
        return s.bind_addr
    if s.pending is not None and s.pending.op == "bind" and s.pending.addr is not None \
            and s.pending.addr.port != 0:
        return s.pending.addr
    return None


def reaches(target: SockAddr, listen_addr: SockAddr) -> bool:
    """A connect to ``target`` reaches a listener bound to ``listen_addr``."""
    return (target.family == listen_addr.family and target.port == listen_addr.port
            and (target.ip == listen_addr.ip or listen_addr.is_wildcard))


def listeners_for(w: World, target: SockAddr, states: Sequence[TcpState] = (L,)) -> list[str]:
    out = []
    for o in w.tcp_sockets():
        la = known_local(o)
        if o.state in states and la is not None and reaches(target, la):
            out.append(o.name)
    return out


def fork_terminated(worlds: list[World], name: str) -> list[World]:
    """The connection of ``name`` may have ended (§5.1 'connection terminated'): each world
    forks into one where the socket is still connected and one where it is closed."""
    out: list[World] = []
    for w in worlds:
        s = w.get(name)
        if isinstance(s, TcpSocket) and s.state is C:
            s.peer_gone = True
            w2 = fork(w)
            w2.tcp(name).state = X
            w2.readings[f"~terminated@{name}"] = "closed"
            out += [w, w2]
        else:
            out.append(w)
    return out


def live_definite_peer(w: World, s: TcpSocket) -> bool:
    """The other end is one known model socket that still exists (a half-close is possible)."""
    return len(s.peers) == 1 and isinstance(w.get(s.peers[0]), TcpSocket)


def _stream_names(obs: Observation, base: str, k_in: str, k_out: str) -> tuple[str, str]:
    v = obs.value
    if isinstance(v, dict) and isinstance(v.get(k_in), str) and isinstance(v.get(k_out), str):
        return v[k_in], v[k_out]
    return base + ".in", base + ".out"


def _stream_shape(*keys: str) -> Pred:
    return Pred("{" + ", ".join(f'"{k}": name' for k in keys) + "}",
                lambda v: isinstance(v, dict) and all(isinstance(v.get(k), str) for k in keys))


def _pair(w: World, accepted: TcpSocket, listener: TcpSocket) -> None:
    la = known_local(listener)
    if la is None:
        return
    clients = [o for o in w.tcp_sockets()
               if o.target is not None and not o.accepted and o.state in (CP, C)
               and o.listener is None and reaches(o.target, la)]
    accepted.peers = [c.name for c in clients]
    for c in clients:
        c.peers.append(accepted.name)
    if len(clients) == 1:
        clients[0].accepted = True


# ---------------------------------------------------------------- matrix cells

def cell(row: str, s: TcpSocket, legal: Callable[[], list[Possibility]], *,
         arg_errors: Sequence[ErrorCode] = ()) -> list[Possibility]:
    """The possibilities of a call in the socket's state, per the matrix cell."""
    text = MATRIX[row][s.state]
    poss: list[Possibility] = []
    has_legal = False
    for part in text.split("|"):
        if part in ("ok", "ok*"):
            poss += legal()
            has_legal = True
        elif part == "ok†":
            has_legal = True
            if s.implicit_bind:
                poss += [Possibility(tag(p.allowed, TCP_LOCAL_ADDRESS_IMPLICIT, "ok"), p.apply)
                         for p in legal()]
                poss.append(Possibility(err(ErrorCode.INVALID_STATE, TCP_LOCAL_ADDRESS_IMPLICIT,
                                            flag=TCP_LOCAL_ADDRESS_IMPLICIT,
                                            reading="invalid-state")))
            else:
                poss += legal()
        elif part in ("true", "false"):
            poss.append(Possibility(ok(CELL_RULES[(row, s.state, part)], part == "true")))
        else:
            code = CELL_CODES[part]
            if text == "ok|IS":
                rule = TCP_CLOSED_ANY_METHOD
            elif text == "ok|NS":
                rule = TCP_BACKLOG_NS
            else:
                rule = CELL_RULES[(row, s.state, part)]
            flag = {"IS|CC": ASYNC_SECOND_START, "NIP|IS": TCP_FINISH_IN_CLOSED}.get(text)
            poss.append(Possibility(err(code, rule, flag=flag,
                                        reading=code.value if flag else None)))
    if not has_legal:
        present = {p.allowed.value for p in poss}
        for code in arg_errors:
            if code.value not in present:
                poss.append(Possibility(err(code, ERR_CHECK_ORDER)))
    return poss


# ---------------------------------------------------------------- creation

def create(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    return create_socket(w, step, ctx, TcpSocket)


def create_socket(
    w: World, step: Step, ctx: Ctx, make: Callable[[str, Any], Any]
) -> list[Possibility]:
    """``create-tcp-socket`` / ``create-udp-socket``: the new socket (``make(name, family)``)
    under the name the probe reports, or the step's ``as`` name."""
    step.arity(1)
    family = step.family(0)
    name = step.name()
    new_name_free(w, name)

    def apply(w2: World, obs: Observation) -> list[World]:
        real = obs.value if isinstance(obs.value, str) and obs.value else name
        w2.resources[real] = make(real, family)
        return [w2]

    return create_possibilities(apply, ctx)


def create_possibilities(apply: Apply, ctx: Ctx) -> list[Possibility]:
    """create-*-socket (§5, §7): ok, not-supported (family); denial: [ambiguous] (§1)."""
    success = any_ok(CREATE_OK)
    poss = [Possibility(err(ErrorCode.NOT_SUPPORTED, CREATE_NOT_SUPPORTED))]
    if not ctx.granted:
        poss.insert(0, Possibility(tag(success, NET_CREATION_DENIED, "allowed-at-create"),
                                   apply))
        poss.append(Possibility(err(ErrorCode.ACCESS_DENIED, NET_CREATION_DENIED,
                                    flag=NET_CREATION_DENIED, reading="denied-at-create")))
    else:
        poss.insert(0, Possibility(success, apply))
    return add_tolerant(poss, extra=(ErrorCode.NEW_SOCKET_LIMIT,))


# ---------------------------------------------------------------- bind

def bind_arg_errors(s: TcpSocket, addr: SockAddr) -> list[ErrorCode]:
    if addr.family != s.family or is_not_unicast(addr.address):
        return [ErrorCode.INVALID_ARGUMENT]
    return []


def bind_finals(w: World, s: TcpSocket, addr: SockAddr, ctx: Ctx) -> list[Any]:
    f = Finals(any_ok(TCP_BIND_OK))
    ip = addr.address
    if addr.family != s.family:
        f.fail(ErrorCode.INVALID_ARGUMENT, TCP_BIND_FAMILY)
    if is_not_unicast(ip):
        f.fail(ErrorCode.INVALID_ARGUMENT, TCP_BIND_NOT_UNICAST)
    loc = locality(ip)
    if loc is Locality.NON_LOCAL:
        f.fail(ErrorCode.ADDRESS_NOT_BINDABLE, BIND_NOT_BINDABLE)
    elif loc is Locality.HOST_DEPENDENT and not is_not_unicast(ip):
        f.maybe(ErrorCode.ADDRESS_NOT_BINDABLE, BIND_HOST_DEPENDENT)
    if addr.port != 0 and addr.family == s.family:
        for o in w.tcp_sockets():
            oa = known_local(o)
            if o.name == s.name or oa is None or o.state is X or not oa.overlaps(addr):
                continue
            if o.state is L and oa.ip == addr.ip:
                f.fail(ErrorCode.ADDRESS_IN_USE, TCP_BIND_IN_USE)
            else:
                f.maybe(ErrorCode.ADDRESS_IN_USE, TCP_BIND_REUSE)
        for h in ctx.host.tcp_listening:
            if h.overlaps(addr):
                if h.ip == addr.ip:
                    f.fail(ErrorCode.ADDRESS_IN_USE, TCP_BIND_IN_USE)
                else:
                    f.maybe(ErrorCode.ADDRESS_IN_USE, TCP_BIND_REUSE)
        if not any(h.overlaps(addr) for h in (*ctx.host.free, *ctx.host.tcp_closed)):
            f.maybe(ErrorCode.ADDRESS_IN_USE, BIND_PORT_UNKNOWN)
    if not ctx.granted:
        f.fail(ErrorCode.ACCESS_DENIED, NET_DENIED)
    return f.build()


def start_bind(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(3)
    s = sock(w, step)
    net = network_arg(w, step, 1)
    addr = step.address(2)
    name = s.name

    def legal() -> list[Possibility]:
        finals = bind_finals(w, s, addr, ctx)

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.tcp(name)
            s2.state = BP
            s2.pending = Pending("bind", finals, origin=U.value, addr=addr)
            s2.network = net
            return [w2]

        return async_start(finals, on_ok, lambda code: unchanged)

    return add_tolerant(cell("start-bind", s, legal, arg_errors=bind_arg_errors(s, addr)))


def finish_bind(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    name = s.name

    def legal() -> list[Possibility]:
        assert s.pending is not None

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.tcp(name)
            assert s2.pending is not None
            s2.bind_addr = s2.pending.addr
            s2.state, s2.pending = B, None
            return [w2]

        def on_err(code: str) -> Apply:
            def apply(w2: World, obs: Observation) -> list[World]:
                s2 = w2.tcp(name)
                s2.state, s2.pending, s2.network = U, None, None
                return [w2]
            return apply

        return async_finish(s.pending.finals, on_ok, on_err)

    return add_tolerant(cell("finish-bind", s, legal))


# ---------------------------------------------------------------- connect

def connect_arg_invalid(s: TcpSocket, addr: SockAddr) -> bool:
    return (addr.family != s.family or addr.is_wildcard or addr.port == 0
            or is_not_unicast(addr.address))


def connect_finals(w: World, s: TcpSocket, net: str, addr: SockAddr, ctx: Ctx) -> list[Any]:
    shape = _stream_shape("input", "output")
    invalid = connect_arg_invalid(s, addr)
    f = Finals(ok(TCP_CONNECT_TARGET_DEPENDENT, shape))
    if invalid:
        f.fail(ErrorCode.INVALID_ARGUMENT, TCP_CONNECT_INVALID)
    if not ctx.granted:
        f.fail(ErrorCode.ACCESS_DENIED, NET_DENIED)
    if not invalid:
        if listeners_for(w, addr) or any(h.same_endpoint(addr) for h in ctx.host.tcp_listening):
            f.success = ok(TCP_CONNECT_OK, shape)
        elif any(h.same_endpoint(addr) for h in ctx.host.tcp_closed):
            f.fail(ErrorCode.CONNECTION_REFUSED, TCP_CONNECT_REFUSED)
        elif is_loopback(addr.address):
            f.maybe(ErrorCode.CONNECTION_REFUSED, TCP_CONNECT_TARGET_DEPENDENT)
        else:
            f.success = ok(TCP_CONNECT_REMOTE_FAILURES, shape)
            for code in (ErrorCode.CONNECTION_REFUSED, ErrorCode.TIMEOUT,
                         ErrorCode.REMOTE_UNREACHABLE, ErrorCode.CONNECTION_RESET,
                         ErrorCode.CONNECTION_ABORTED):
                f.maybe(code, TCP_CONNECT_REMOTE_FAILURES)
    if s.state is B and s.network is not None and s.network != net and not f.required_error:
        f.tag_success(TCP_CONNECT_NETWORK, "same-network")
        f.maybe(ErrorCode.INVALID_ARGUMENT, TCP_CONNECT_NETWORK, flag=TCP_CONNECT_NETWORK,
                reading="different-network")
    return f.build()


def connect_failed(name: str, code: str) -> Apply:
    """A connect error: a failed attempt closes; a rejection (arguments, denial, the
    always-possible codes) is reading A (closed) or B (state kept) of §5.1 [ambiguous]."""
    def apply(w: World, obs: Observation) -> list[World]:
        s = w.tcp(name)
        origin = s.pending.origin if s.pending is not None and s.pending.origin else s.state.value
        if code in {c.value for c in CONNECTION_FAILURES}:
            s.state, s.pending = X, None
            return [w]
        key = f"{TCP_CONNECT_REJECTED_STATE.id}@{name}"
        wb = fork(w)
        s.state, s.pending = X, None
        w.readings[key] = "A-closed"
        sb = wb.tcp(name)
        sb.state, sb.pending, sb.target, sb.implicit_bind = TcpState(origin), None, None, False
        if sb.state is U:
            sb.network = None
        wb.readings[key] = "B-kept"
        return [w, wb]
    return apply


def start_connect(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(3)
    s = sock(w, step)
    net = network_arg(w, step, 1)
    addr = step.address(2)
    name = s.name

    def legal() -> list[Possibility]:
        finals = connect_finals(w, s, net, addr, ctx)
        origin = s.state

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.tcp(name)
            s2.state = CP
            s2.pending = Pending("connect", finals, origin=origin.value, addr=addr)
            s2.target = addr
            s2.implicit_bind = origin is U
            if s2.network is None:
                s2.network = net
            return [w2]

        return async_start(finals, on_ok, lambda code: connect_failed(name, code))

    arg_errors = [ErrorCode.INVALID_ARGUMENT] if connect_arg_invalid(s, addr) else []
    return add_tolerant(cell("start-connect", s, legal, arg_errors=arg_errors))


def finish_connect(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    name = s.name

    def legal() -> list[Possibility]:
        assert s.pending is not None

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.tcp(name)
            s2.state, s2.pending = C, None
            inp, out = _stream_names(obs, step.name(name), "input", "output")
            s2.input, s2.output = inp, out
            w2.resources[inp] = ByteStream(inp, "input", name)
            w2.resources[out] = ByteStream(out, "output", name)
            if s2.target is not None and any(h.same_endpoint(s2.target)
                                             for h in ctx.host.closing_peers):
                return fork_terminated([w2], name)
            return [w2]

        return async_finish(s.pending.finals, on_ok, lambda code: connect_failed(name, code))

    return add_tolerant(cell("finish-connect", s, legal))


# ---------------------------------------------------------------- listen / accept

def start_listen(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    name = s.name

    def legal() -> list[Possibility]:
        f = Finals(any_ok(TCP_LISTEN_OK))
        la = known_local(s)
        if la is not None:
            others = [known_local(o) for o in w.tcp_sockets()
                      if o.name != name and o.state in (L, LP)]
            for oa in [*others, *ctx.host.tcp_listening]:
                if oa is not None and oa.overlaps(la):
                    if oa.ip == la.ip:
                        f.fail(ErrorCode.ADDRESS_IN_USE, TCP_LISTEN_IN_USE)
                    else:
                        f.maybe(ErrorCode.ADDRESS_IN_USE, TCP_LISTEN_IN_USE)
        if not ctx.granted:
            f.fail(ErrorCode.ACCESS_DENIED, NET_DENIED)
        finals = f.build()

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.tcp(name)
            s2.state = LP
            s2.pending = Pending("listen", finals, origin=B.value)
            return [w2]

        return async_start(finals, on_ok, lambda code: _closed(name))

    return add_tolerant(cell("start-listen", s, legal))


def _closed(name: str) -> Apply:
    """A failed listen leaves the socket closed (§5.1)."""
    def apply(w: World, obs: Observation) -> list[World]:
        s = w.tcp(name)
        s.state, s.pending = X, None
        return [w]
    return apply


def finish_listen(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    name = s.name

    def legal() -> list[Possibility]:
        assert s.pending is not None

        def on_ok(w2: World, obs: Observation) -> list[World]:
            s2 = w2.tcp(name)
            s2.state, s2.pending, s2.listened = L, None, True
            return [w2]

        return async_finish(s.pending.finals, on_ok, lambda code: _closed(name))

    return add_tolerant(cell("finish-listen", s, legal))


def accept(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    name = s.name

    def on_ok(w2: World, obs: Observation) -> list[World]:
        listener = w2.tcp(name)
        v = obs.value if isinstance(obs.value, dict) else {}
        new = v.get("socket") if isinstance(v.get("socket"), str) else step.name()
        base = step.name()
        inp = v.get("input") if isinstance(v.get("input"), str) else base + ".in"
        out = v.get("output") if isinstance(v.get("output"), str) else base + ".out"
        a = TcpSocket(str(new), listener.family, state=C, network=listener.network,
                      listener=name, listener_local=known_local(listener) or listener.bind_addr,
                      input=str(inp), output=str(out))
        options.inherit(listener, a)
        w2.resources[a.name] = a
        w2.resources[str(inp)] = ByteStream(str(inp), "input", a.name)
        w2.resources[str(out)] = ByteStream(str(out), "output", a.name)
        _pair(w2, a, listener)
        return [w2]

    def legal() -> list[Possibility]:
        poss = [Possibility(ok(TCP_ACCEPT_OK, _stream_shape("socket", "input", "output")),
                            on_ok),
                Possibility(err(ErrorCode.WOULD_BLOCK, TCP_ACCEPT_WOULD_BLOCK))]
        if s.client_dropped:
            poss.append(Possibility(err(ErrorCode.CONNECTION_ABORTED, TCP_ACCEPT_ABORTED)))
        return poss

    return add_tolerant(cell("accept", s, legal), extra=(ErrorCode.NEW_SOCKET_LIMIT,))


# ---------------------------------------------------------------- addresses

def _record_local(name: str) -> Apply:
    def apply(w: World, obs: Observation) -> list[World]:
        with contextlib.suppress(ValueError):
            w.tcp(name).local = SockAddr.from_json(obs.value)
        return [w]
    return apply


def _local_pred(w: World, s: TcpSocket) -> tuple[Pred, SocketRule]:
    fam = s.family
    prev = s.local

    def stable(a: SockAddr) -> bool:
        if prev is None:
            return True
        return a.port == prev.port and (prev.is_wildcard or a.ip == prev.ip)

    if s.state is X:
        return address_pred(f"an {fam.value} address", lambda a: a.family == fam), \
            TCP_CLOSED_ANY_METHOD
    if s.state is CP and s.implicit_bind:
        return address_pred(f"an {fam.value} address with a non-zero port",
                            lambda a: a.family == fam and a.port != 0), \
            TCP_LOCAL_ADDRESS_IMPLICIT
    if s.state is C and s.listener is not None:
        lp = s.listener_local
        desc = "a concrete IP with the listener's port" + (f" {lp.port}" if lp else "")

        def accepted_ok(a: SockAddr) -> bool:
            if a.family != fam or a.is_wildcard or a.port == 0 or not stable(a):
                return False
            if lp is not None and lp.port != 0 and a.port != lp.port:
                return False
            return lp is None or lp.is_wildcard or a.ip == lp.ip

        return address_pred(desc, accepted_ok), TCP_ACCEPTED_ADDRESSES
    ba = s.bind_addr
    if s.state is C:
        def client_ok(a: SockAddr) -> bool:
            if a.family != fam or a.is_wildcard or a.port == 0 or not stable(a):
                return False
            if ba is not None and ba.port != 0 and a.port != ba.port:
                return False
            return ba is None or ba.is_wildcard or a.ip == ba.ip

        return address_pred("a concrete IP with a non-zero port"
                            + (f" (bound {ba})" if ba else ""), client_ok), \
            TCP_CONNECT_LOCAL_ADDRESS
    if ba is None:  # bound states always have a bind address; be safe
        return address_pred(f"an {fam.value} address", lambda a: a.family == fam), \
            TCP_BIND_LOCAL_ADDRESS

    def bound_ok(a: SockAddr) -> bool:
        if a.family != fam or a.ip != ba.ip or not stable(a):
            return False
        return a.port == ba.port if ba.port != 0 else a.port != 0

    port_text = str(ba.port) if ba.port else "a non-zero port"
    return address_pred(f"{ba.ip} with {port_text}", bound_ok), TCP_BIND_LOCAL_ADDRESS


def local_address(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)

    def legal() -> list[Possibility]:
        pred, rule = _local_pred(w, s)
        return [Possibility(ok(rule, pred), _record_local(s.name))]

    return add_tolerant(cell("local-address", s, legal))


def remote_address(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    fam = s.family

    def legal() -> list[Possibility]:
        if s.state is X:
            pred = address_pred(f"an {fam.value} address", lambda a: a.family == fam)
            return [Possibility(ok(TCP_CLOSED_ANY_METHOD, pred))]
        if s.target is not None:
            target = s.target
            return [Possibility(ok(TCP_CONNECT_REMOTE_ADDRESS,
                                   address_pred(f"the target {target}",
                                                lambda a: a.same_endpoint(target))))]
        peer_local: SockAddr | None = None
        if len(s.peers) == 1:
            peer = w.get(s.peers[0])
            if isinstance(peer, TcpSocket):
                peer_local = peer.local

        def accepted_ok(a: SockAddr) -> bool:
            if a.family != fam or a.is_wildcard or a.port == 0:
                return False
            return peer_local is None or a.same_endpoint(peer_local)

        desc = f"the client's local address {peer_local}" if peer_local else \
            "a concrete client address"
        return [Possibility(ok(TCP_ACCEPTED_ADDRESSES, address_pred(desc, accepted_ok)))]

    return add_tolerant(cell("remote-address", s, legal))


# ---------------------------------------------------------------- misc methods

def is_listening(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    return cell("is-listening", s, lambda: [])


def address_family(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    return [Possibility(ok(TCP_ADDRESS_FAMILY, s.family.value))]


def subscribe(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    s = sock(w, step)
    new_name_free(w, step.name())
    return [Possibility(any_ok(TCP_SUBSCRIBE), add_pollable(step, s.name))]


SHUTDOWN_TYPES = ("receive", "send", "both")


def shutdown(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    s = sock(w, step)
    how = step.arg(1)
    if how not in SHUTDOWN_TYPES:
        raise BadStep(f"{step.call}: shutdown-type must be receive, send or both, got {how!r}")
    name = s.name

    def apply(w2: World, obs: Observation) -> list[World]:
        s2 = w2.tcp(name)
        if how in ("receive", "both"):
            s2.shut_rd = True
            if s2.input is not None and isinstance(w2.get(s2.input), ByteStream):
                w2.byte_stream(s2.input).closed = True
        if how in ("send", "both"):
            s2.shut_wr = True
            if s2.output is not None and isinstance(w2.get(s2.output), ByteStream):
                w2.byte_stream(s2.output).closed = True
        return [w2]

    poss = cell("shutdown", s, lambda: [Possibility(any_ok(TCP_SHUTDOWN_OK), apply)])
    if s.state is X and s.peer_gone:
        # The candidate world where the connection already terminated (§5.6: after peer close
        # or reset, ok or invalid-state): an ok of this idempotent call, also the result in
        # connected, must not rule out that the socket is already closed.
        poss.insert(0, Possibility(any_ok(TCP_CONNECTION_TERMINATED), apply))
    return add_tolerant(poss)


def set_listen_backlog_size(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    s = sock(w, step)
    n = step.integer(1, U64_MAX)

    def legal() -> list[Possibility]:
        if n == 0:
            return [Possibility(err(ErrorCode.INVALID_ARGUMENT, TCP_BACKLOG_ZERO))]
        return [Possibility(any_ok(TCP_BACKLOG_OK))]

    arg_errors = [ErrorCode.INVALID_ARGUMENT] if n == 0 else []
    return add_tolerant(cell("set-listen-backlog-size", s, legal, arg_errors=arg_errors))


def option(w: World, step: Step, ctx: Ctx, spec: options.OptionSpec,
           is_setter: bool) -> list[Possibility]:
    step.arity(2 if is_setter else 1)
    s = sock(w, step)
    if is_setter:
        value = options.setter_value(step, spec)
        arg_errors = [ErrorCode.INVALID_ARGUMENT] if spec.zero_invalid and value == 0 else []
        return add_tolerant(cell("option", s, lambda: options.setter(s, spec, value),
                                 arg_errors=arg_errors))
    return add_tolerant(cell("option", s, lambda: options.getter(w, s, spec)))


HANDLERS: dict[str, Callable[[World, Step, Ctx], list[Possibility]]] = {
    "create-tcp-socket": create,
    "tcp.start-bind": start_bind,
    "tcp.finish-bind": finish_bind,
    "tcp.start-connect": start_connect,
    "tcp.finish-connect": finish_connect,
    "tcp.start-listen": start_listen,
    "tcp.finish-listen": finish_listen,
    "tcp.accept": accept,
    "tcp.local-address": local_address,
    "tcp.remote-address": remote_address,
    "tcp.is-listening": is_listening,
    "tcp.address-family": address_family,
    "tcp.subscribe": subscribe,
    "tcp.shutdown": shutdown,
    "tcp.set-listen-backlog-size": set_listen_backlog_size,
}


def _option_handler(spec: options.OptionSpec, is_setter: bool) -> Callable[
        [World, Step, Ctx], list[Possibility]]:
    return lambda w, step, ctx: option(w, step, ctx, spec, is_setter)


for _spec in options.TCP_OPTIONS.values():
    HANDLERS[f"tcp.{_spec.name}"] = _option_handler(_spec, False)
    HANDLERS[f"tcp.set-{_spec.name}"] = _option_handler(_spec, True)
