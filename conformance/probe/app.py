"""The wasi:sockets probe: a component that runs a script of socket calls and prints one JSON
line per step, flushed at once, so the lines before a trap survive.

It runs inside componentize-py's CPython and is built into ``probe.wasm`` by
``wasmnet_conformance.sockets.build`` from ``world.wit`` (``wit_world`` and
``componentize_py_types`` are generated at build time). The script contract (calls, values,
output lines) is documented in ``wasmnet_conformance/sockets/script.py``; in short:

* input: ``{"id": ..., "steps": [{"call": NAME, "args": [...], "as": NAME?}, ...]}`` from the
  env var ``WASMNET_SCRIPT`` (else the last program argument, if it starts with ``{``);
* output: ``{"i": k, "begin": NAME}`` then one of ``{"i": k, "ok": V}``, ``{"i": k, "err":
  CODE}``, ``{"i": k, "probe-error": TEXT}`` (extra fields allowed), and ``{"done": true}``
  after the last step and the clean-up.

A bad script gives ``probe-error`` lines and never raises out of ``run``: every argument is
checked before a WASI call is made, so out-of-range values cannot reach the canonical ABI.
Resources are dropped children first (pollables, then streams, then sockets, then the
network): wasmtime traps when a parent is dropped while a child lives (wasi-sockets.md §6).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from componentize_py_types import Err  # type: ignore[import-not-found]
from wit_world import exports  # type: ignore[import-not-found]
from wit_world.imports import (  # type: ignore[import-not-found]
    environment,
    instance_network,
    ip_name_lookup,
    monotonic_clock,
    network,
    poll,
    stdout,
    streams,
    tcp,
    tcp_create_socket,
    udp,
    udp_create_socket,
)

SCRIPT_ENV = "WASMNET_SCRIPT"
MAX_STEPS = 10_000
"""Bound on the work one script may ask for (a longer script is a suite bug)."""
MAX_TIMEOUT_MS = 600_000
MAX_HEX_BYTES = 1 << 20
WRITE_ALL_DEFAULT_TIMEOUT_MS = 5_000
MAX_BEYOND_BYTES = 64 << 20
"""Bound on the write write-beyond-permit makes (a check-write grant plus one byte)."""
NS_PER_MS = 1_000_000

# Resource kinds: the table remembers what each name holds, so a wrong-typed "$ref" is a
# probe-error instead of a host trap.
NETWORK = "network"
TCP = "tcp-socket"
UDP = "udp-socket"
INPUT = "input-stream"
OUTPUT = "output-stream"
INCOMING = "incoming-datagram-stream"
OUTGOING = "outgoing-datagram-stream"
POLLABLE = "pollable"
RESOLVER = "resolve-address-stream"
SUBSCRIBABLE = (TCP, UDP, INPUT, OUTPUT, INCOMING, OUTGOING, RESOLVER)


class ProbeError(Exception):
    """The script is wrong (a suite bug), not the runtime: reported as ``probe-error``."""


class StepErr(Exception):
    """A runtime error result of a step, with extra fields for the output line."""

    def __init__(self, code: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra or {}


class Value:
    """An ok result of a step with extra fields for the output line."""

    def __init__(self, value: Any, extra: dict[str, Any]) -> None:
        self.value = value
        self.extra = extra


EMIT_CHUNK = 4096
"""Bytes per blocking-write-and-flush of an output line (the most that call takes, §5.6)."""

_stdout: list[Any] = []


def emit(obj: dict[str, Any]) -> None:
    """Write one output line to wasi:cli/stdout, all of it, flushed before returning (so the
    lines before a trap survive). Written in 4096-byte blocking-write-and-flush calls: going
    through CPython's print, lines longer than the runtime's check-write grant were cut (at
    16 KiB on jco, 64 KiB on wasmtime)."""
    if not _stdout:
        _stdout.append(stdout.get_stdout())
    out = _stdout[0]
    data = (json.dumps(obj) + "\n").encode()
    for start in range(0, len(data), EMIT_CHUNK):
        out.blocking_write_and_flush(data[start:start + EMIT_CHUNK])


def release(obj: Any) -> None:
    obj.__exit__(None, None, None)


def error_of(value: Any) -> tuple[str, dict[str, Any]]:
    """The output name of an ``Err`` payload: a wasi:sockets error-code or a stream-error."""
    if isinstance(value, network.ErrorCode):
        return value.name.lower().replace("_", "-"), {}
    if isinstance(value, streams.StreamError_Closed):
        return "closed", {}
    if isinstance(value, streams.StreamError_LastOperationFailed):
        try:
            debug = value.value.to_debug_string()
        finally:
            release(value.value)
        return "last-operation-failed", {"debug": debug}
    raise ProbeError(f"unexpected error payload {value!r}")


def is_would_block(value: Any) -> bool:
    return isinstance(value, network.ErrorCode) and value == network.ErrorCode.WOULD_BLOCK


class Table:
    """Named resources in creation order; clean-up drops them newest first (children first)."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, Any]] = {}

    def check_free(self, *names: str) -> None:
        for name in names:
            if not name or name.startswith("$"):
                raise ProbeError(f"bad resource name {name!r}")
            if name in self.items:
                raise ProbeError(f"resource name {name!r} is already in use")

    def add(self, name: str, kind: str, obj: Any) -> str:
        self.items[name] = (kind, obj)
        return name

    def lookup(self, ref: Any, kinds: tuple[str, ...], *, bare: bool = False) -> Any:
        if not isinstance(ref, str) or not (ref.startswith("$") or bare):
            raise ProbeError(f"expected a resource reference like \"$name\", got {ref!r}")
        name = ref[1:] if ref.startswith("$") else ref
        if name not in self.items:
            raise ProbeError(f"unknown resource {ref!r}")
        kind, obj = self.items[name]
        if kinds and kind not in kinds:
            raise ProbeError(f"{ref!r} is a {kind}, expected {' or '.join(kinds)}")
        return obj

    def drop(self, ref: Any) -> None:
        self.lookup(ref, (), bare=True)
        name = ref[1:] if ref.startswith("$") else ref
        _, obj = self.items.pop(name)
        release(obj)

    def drop_all(self) -> None:
        for name in reversed(list(self.items)):
            _, obj = self.items.pop(name)
            release(obj)


class Step:
    """What a handler needs to know about its step besides the arguments."""

    def __init__(self, k: int, as_name: str | None) -> None:
        self.k = k
        self.as_name = as_name

    def name(self, default: str | None = None) -> str:
        if self.as_name is not None:
            return self.as_name
        return default if default is not None else f"_{self.k}"


# ---------------------------------------------------------------- argument converters


Conv = Callable[["Probe", Any], Any]


class Optional_:
    """A trailing argument that may be left out."""

    def __init__(self, conv: Conv, default: Any) -> None:
        self.conv = conv
        self.default = default


def res(*kinds: str) -> Conv:
    return lambda probe, arg: probe.table.lookup(arg, kinds)


def ref_name(probe: Probe, arg: Any) -> str:
    """A reference kept as text (for helpers that look the resource up themselves)."""
    if not isinstance(arg, str) or not arg:
        raise ProbeError(f"expected a resource name, got {arg!r}")
    return arg


def integer(lo: int, hi: int) -> Conv:
    def conv(probe: Probe, arg: Any) -> int:
        if isinstance(arg, bool) or not isinstance(arg, int) or not lo <= arg <= hi:
            raise ProbeError(f"expected an integer in [{lo}, {hi}], got {arg!r}")
        return arg

    return conv


U8 = integer(0, 0xFF)
U16 = integer(0, 0xFFFF)
U32 = integer(0, 0xFFFF_FFFF)
U64 = integer(0, 0xFFFF_FFFF_FFFF_FFFF)
TIMEOUT = integer(0, MAX_TIMEOUT_MS)


def boolean(probe: Probe, arg: Any) -> bool:
    if not isinstance(arg, bool):
        raise ProbeError(f"expected true or false, got {arg!r}")
    return arg


def text(probe: Probe, arg: Any) -> str:
    if not isinstance(arg, str):
        raise ProbeError(f"expected a string, got {arg!r}")
    return arg


def hexbytes(probe: Probe, arg: Any) -> bytes:
    """A data value: a hex string, or ``{"repeat": HEX, "count": N}`` (HEX repeated N times,
    so a 70,000-byte datagram fits a script passed on a command line)."""
    if isinstance(arg, dict) and set(arg) == {"repeat", "count"}:
        unit = hexbytes(probe, arg["repeat"])
        count = arg["count"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 0 \
                or len(unit) * count > MAX_HEX_BYTES:
            raise ProbeError(f"repeat: expected a count with at most {MAX_HEX_BYTES} bytes "
                             f"in all, got {count!r}")
        return unit * count
    if not isinstance(arg, str) or len(arg) > 2 * MAX_HEX_BYTES:
        raise ProbeError(f"expected a hex string of at most {MAX_HEX_BYTES} bytes, or "
                         "{\"repeat\": hex, \"count\": n}")
    try:
        return bytes.fromhex(arg)
    except ValueError:
        raise ProbeError(f"bad hex string {arg[:40]!r}") from None


def family(probe: Probe, arg: Any) -> Any:
    if arg == "ipv4":
        return network.IpAddressFamily.IPV4
    if arg == "ipv6":
        return network.IpAddressFamily.IPV6
    raise ProbeError(f"expected \"ipv4\" or \"ipv6\", got {arg!r}")


def shutdown_type(probe: Probe, arg: Any) -> Any:
    types = {
        "receive": tcp.ShutdownType.RECEIVE,
        "send": tcp.ShutdownType.SEND,
        "both": tcp.ShutdownType.BOTH,
    }
    if arg not in types:
        raise ProbeError(f"expected \"receive\", \"send\" or \"both\", got {arg!r}")
    return types[arg]


def groups(arg: Any, count: int, hi: int, what: str) -> tuple[int, ...]:
    ok = isinstance(arg, list) and len(arg) == count
    if not ok or any(isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= hi
                     for x in arg):
        raise ProbeError(f"{what}: expected {count} integers in [0, {hi}], got {arg!r}")
    return tuple(arg)


def sockaddr(probe: Probe, arg: Any) -> Any:
    if not isinstance(arg, dict):
        raise ProbeError(f"expected a socket address object, got {arg!r}")
    port = U16(probe, arg.get("port"))
    if "ipv4" in arg:
        if set(arg) != {"ipv4", "port"}:
            raise ProbeError(f"unexpected keys in {arg!r}")
        address = groups(arg["ipv4"], 4, 0xFF, "ipv4")
        return network.IpSocketAddress_Ipv4(network.Ipv4SocketAddress(port=port,
                                                                      address=address))
    if "ipv6" in arg:
        if not set(arg) <= {"ipv6", "port", "flow-info", "scope-id"}:
            raise ProbeError(f"unexpected keys in {arg!r}")
        address6 = groups(arg["ipv6"], 8, 0xFFFF, "ipv6")
        flow = U32(probe, arg.get("flow-info", 0))
        scope = U32(probe, arg.get("scope-id", 0))
        return network.IpSocketAddress_Ipv6(network.Ipv6SocketAddress(
            port=port, flow_info=flow, address=address6, scope_id=scope))
    raise ProbeError(f"expected an \"ipv4\" or \"ipv6\" socket address, got {arg!r}")


def opt_sockaddr(probe: Probe, arg: Any) -> Any:
    return None if arg is None else sockaddr(probe, arg)


def datagrams(probe: Probe, arg: Any) -> list[Any]:
    if not isinstance(arg, list):
        raise ProbeError(f"expected a list of datagrams, got {arg!r}")
    out = []
    for d in arg:
        if not isinstance(d, dict) or "data" not in d or not set(d) <= {"data",
                                                                          "remote-address"}:
            raise ProbeError(f"expected {{\"data\": hex, \"remote-address\": addr?}}, got {d!r}")
        out.append(udp.OutgoingDatagram(data=hexbytes(probe, d["data"]),
                                        remote_address=opt_sockaddr(probe,
                                                                    d.get("remote-address"))))
    return out


def pollables(probe: Probe, arg: Any) -> list[Any]:
    if not isinstance(arg, list):
        raise ProbeError(f"expected a list of pollable references, got {arg!r}")
    return [probe.table.lookup(p, (POLLABLE,)) for p in arg]


# ---------------------------------------------------------------- value formatting


def fmt_sockaddr(a: Any) -> dict[str, Any]:
    if isinstance(a, network.IpSocketAddress_Ipv4):
        return {"ipv4": list(a.value.address), "port": a.value.port}
    v = a.value
    return {"ipv6": list(v.address), "port": v.port, "flow-info": v.flow_info,
            "scope-id": v.scope_id}


def fmt_ipaddr(a: Any) -> Any:
    if a is None:
        return None
    if isinstance(a, network.IpAddress_Ipv4):
        return {"ipv4": list(a.value)}
    return {"ipv6": list(a.value)}


def fmt_family(f: Any) -> str:
    return "ipv4" if f == network.IpAddressFamily.IPV4 else "ipv6"


# ---------------------------------------------------------------- the probe


class Probe:
    def __init__(self) -> None:
        self.table = Table()

    # waiting ------------------------------------------------------------
    def wait_until(self, pollable: Any, deadline_ns: int) -> bool:
        """Poll ``pollable`` together with a clock; True if it was ready first."""
        timer = monotonic_clock.subscribe_instant(deadline_ns)
        try:
            ready = poll.poll([pollable, timer])
        finally:
            release(timer)
        return 0 in ready

    @staticmethod
    def deadline(timeout_ms: int) -> int:
        return int(monotonic_clock.now()) + timeout_ms * NS_PER_MS

    # resource-producing calls ------------------------------------------
    def h_instance_network(self, step: Step) -> str:
        name = step.name()
        self.table.check_free(name)
        return self.table.add(name, NETWORK, instance_network.instance_network())

    def h_create_tcp(self, step: Step, fam: Any) -> str:
        name = step.name()
        self.table.check_free(name)
        return self.table.add(name, TCP, tcp_create_socket.create_tcp_socket(fam))

    def h_create_udp(self, step: Step, fam: Any) -> str:
        name = step.name()
        self.table.check_free(name)
        return self.table.add(name, UDP, udp_create_socket.create_udp_socket(fam))

    def h_subscribe(self, step: Step, obj: Any) -> str:
        name = step.name()
        self.table.check_free(name)
        return self.table.add(name, POLLABLE, obj.subscribe())

    def sock_name(self, obj: Any) -> str:
        for name, (_, o) in self.table.items.items():
            if o is obj:
                return name
        raise ProbeError("socket not in the table")

    def h_finish_connect(self, step: Step, s: Any) -> dict[str, str]:
        base = step.name(self.sock_name(s))
        names = (base + ".in", base + ".out")
        self.table.check_free(*names)
        inp, outp = s.finish_connect()
        self.table.add(names[0], INPUT, inp)
        self.table.add(names[1], OUTPUT, outp)
        return {"input": names[0], "output": names[1]}

    def h_accept(self, step: Step, s: Any) -> dict[str, str]:
        base = step.name()
        names = (base, base + ".in", base + ".out")
        self.table.check_free(*names)
        sock, inp, outp = s.accept()
        self.table.add(names[0], TCP, sock)
        self.table.add(names[1], INPUT, inp)
        self.table.add(names[2], OUTPUT, outp)
        return {"socket": names[0], "input": names[1], "output": names[2]}

    def h_udp_stream(self, step: Step, s: Any, remote: Any) -> dict[str, str]:
        base = step.name(self.sock_name(s))
        names = (base + ".in", base + ".out")
        self.table.check_free(*names)
        inc, outg = s.stream(remote)
        self.table.add(names[0], INCOMING, inc)
        self.table.add(names[1], OUTGOING, outg)
        return {"incoming": names[0], "outgoing": names[1]}

    def h_resolve(self, step: Step, net: Any, host: str) -> str:
        name = step.name()
        self.table.check_free(name)
        return self.table.add(name, RESOLVER, ip_name_lookup.resolve_addresses(net, host))

    # streams -------------------------------------------------------------
    def h_receive(self, step: Step, st: Any, n: int) -> list[dict[str, Any]]:
        return [{"data": bytes(d.data).hex(), "remote-address": fmt_sockaddr(d.remote_address)}
                for d in st.receive(n)]

    def h_poll(self, step: Step, ps: list[Any]) -> list[int]:
        return [int(x) for x in poll.poll(ps)]

    # helpers ---------------------------------------------------------------
    def h_drop(self, step: Step, ref: str) -> None:
        self.table.drop(ref)

    def h_wait(self, step: Step, ref: str, timeout_ms: int) -> dict[str, bool]:
        entry = self.table.items.get(ref[1:] if ref.startswith("$") else ref)
        if entry is None:
            raise ProbeError(f"unknown resource {ref!r}")
        kind, obj = entry
        deadline = self.deadline(timeout_ms)
        if kind == POLLABLE:
            return {"ready": self.wait_until(obj, deadline)}
        if kind not in SUBSCRIBABLE:
            raise ProbeError(f"{ref!r} is a {kind}: nothing to wait for")
        pollable = obj.subscribe()
        try:
            return {"ready": self.wait_until(pollable, deadline)}
        finally:
            release(pollable)

    def h_finish(self, step: Step, call: str, ref: str, timeout_ms: int) -> Value:
        if call not in FINISHABLE:
            raise ProbeError(f"finish() takes one of {sorted(FINISHABLE)}, got {call!r}")
        handler, convs = CALLS[call]
        obj = convs[0](self, ref)
        deadline = self.deadline(timeout_ms)
        blocked = 0
        pollable = None
        try:
            while True:
                try:
                    value = handler(self, step, obj)
                except Err as e:
                    if is_would_block(e.value) and monotonic_clock.now() < deadline:
                        blocked += 1
                        if pollable is None:
                            pollable = obj.subscribe()
                        self.wait_until(pollable, deadline)
                        continue
                    code, extra = error_of(e.value)
                    raise StepErr(code, {**extra, "would_block": blocked}) from None
                return Value(value, {"would_block": blocked})
        finally:
            if pollable is not None:
                release(pollable)

    def h_read_exact(self, step: Step, st: Any, n: int, timeout_ms: int) -> Value:
        deadline = self.deadline(timeout_ms)
        got = bytearray()
        closed = False
        pollable = None
        try:
            while len(got) < n:
                try:
                    chunk = bytes(st.read(n - len(got)))
                except Err as e:
                    if isinstance(e.value, streams.StreamError_Closed):
                        closed = True
                        break
                    code, extra = error_of(e.value)
                    raise StepErr(code, {**extra, "data": got.hex()}) from None
                got += chunk
                if chunk or len(got) >= n:
                    continue
                if monotonic_clock.now() >= deadline:
                    break
                if pollable is None:
                    pollable = st.subscribe()
                self.wait_until(pollable, deadline)
        finally:
            if pollable is not None:
                release(pollable)
        return Value(got.hex(), {"closed": closed})

    def h_write_all(self, step: Step, st: Any, data: bytes, timeout_ms: int) -> Value:
        deadline = self.deadline(timeout_ms)
        written = 0
        pollable = None

        def permit() -> int:
            """check-write, waiting (bounded) while it grants nothing."""
            nonlocal pollable
            while True:
                n = int(st.check_write())
                if n > 0:
                    return n
                if monotonic_clock.now() >= deadline:
                    raise StepErr("would-block", {"written": written})
                if pollable is None:
                    pollable = st.subscribe()
                self.wait_until(pollable, deadline)

        try:
            while written < len(data):
                n = permit()
                chunk = data[written:written + n]
                st.write(chunk)
                written += len(chunk)
            st.flush()
            permit()  # the flush has completed once check-write grants again
        except Err as e:
            code, extra = error_of(e.value)
            raise StepErr(code, {**extra, "written": written}) from None
        finally:
            if pollable is not None:
                release(pollable)
        return Value(None, {"written": written})


    def h_write_beyond_permit(self, step: Step, st: Any, timeout_ms: int) -> Value:
        """check-write (after waiting, bounded, for the stream to be writable), then write one
        byte more than it granted: that write must trap (wasi-sockets.md §5.6, §6)."""
        pollable = st.subscribe()
        try:
            self.wait_until(pollable, self.deadline(timeout_ms))
        finally:
            release(pollable)
        try:
            permit = int(st.check_write())
        except Err as e:
            code, extra = error_of(e.value)
            raise StepErr(code, {**extra, "at": "check-write"}) from None
        if permit + 1 > MAX_BEYOND_BYTES:
            raise ProbeError(f"check-write granted {permit} bytes: too many to exceed")
        try:
            st.write(bytes(permit + 1))
        except Err as e:
            code, extra = error_of(e.value)
            raise StepErr(code, {**extra, "at": "write", "permit": permit}) from None
        return Value(None, {"permit": permit, "written": permit + 1})


# ---------------------------------------------------------------- the call table


Handler = Callable[..., Any]


def method(kinds: tuple[str, ...], attr: str, *convs: Any,
           out: Callable[[Any], Any] | None = None) -> tuple[Handler, list[Any]]:
    """A call that is one method of the first argument."""

    def handler(probe: Probe, step: Step, obj: Any, *args: Any) -> Any:
        result = getattr(obj, attr)(*args)
        return out(result) if out is not None else None

    return handler, [res(*kinds), *convs]


def ident(x: Any) -> Any:
    return x


def _hex(x: Any) -> str:
    return bytes(x).hex()


def _int(x: Any) -> int:
    return int(x)


def _bool(x: Any) -> bool:
    return bool(x)


def _options(prefix: str, kinds: tuple[str, ...],
             opts: list[tuple[str, Conv, Callable[[Any], Any]]]) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for name, conv, out in opts:
        attr = name.replace("-", "_")
        table[f"{prefix}.{name}"] = method(kinds, attr, out=out)
        table[f"{prefix}.set-{name}"] = method(kinds, "set_" + attr, conv)
    return table


CALLS: dict[str, tuple[Handler, list[Any]]] = {
    "instance-network": (Probe.h_instance_network, []),
    "create-tcp-socket": (Probe.h_create_tcp, [family]),
    "create-udp-socket": (Probe.h_create_udp, [family]),
    # tcp
    "tcp.start-bind": method((TCP,), "start_bind", res(NETWORK), sockaddr),
    "tcp.finish-bind": method((TCP,), "finish_bind"),
    "tcp.start-connect": method((TCP,), "start_connect", res(NETWORK), sockaddr),
    "tcp.finish-connect": (Probe.h_finish_connect, [res(TCP)]),
    "tcp.start-listen": method((TCP,), "start_listen"),
    "tcp.finish-listen": method((TCP,), "finish_listen"),
    "tcp.accept": (Probe.h_accept, [res(TCP)]),
    "tcp.local-address": method((TCP,), "local_address", out=fmt_sockaddr),
    "tcp.remote-address": method((TCP,), "remote_address", out=fmt_sockaddr),
    "tcp.is-listening": method((TCP,), "is_listening", out=_bool),
    "tcp.address-family": method((TCP,), "address_family", out=fmt_family),
    "tcp.set-listen-backlog-size": method((TCP,), "set_listen_backlog_size", U64),
    **_options("tcp", (TCP,), [
        ("keep-alive-enabled", boolean, _bool),
        ("keep-alive-idle-time", U64, _int),
        ("keep-alive-interval", U64, _int),
        ("keep-alive-count", U32, _int),
        ("hop-limit", U8, _int),
        ("receive-buffer-size", U64, _int),
        ("send-buffer-size", U64, _int),
    ]),
    "tcp.subscribe": (Probe.h_subscribe, [res(TCP)]),
    "tcp.shutdown": method((TCP,), "shutdown", shutdown_type),
    # udp
    "udp.start-bind": method((UDP,), "start_bind", res(NETWORK), sockaddr),
    "udp.finish-bind": method((UDP,), "finish_bind"),
    "udp.stream": (Probe.h_udp_stream, [res(UDP), opt_sockaddr]),
    "udp.local-address": method((UDP,), "local_address", out=fmt_sockaddr),
    "udp.remote-address": method((UDP,), "remote_address", out=fmt_sockaddr),
    "udp.address-family": method((UDP,), "address_family", out=fmt_family),
    **_options("udp", (UDP,), [
        ("unicast-hop-limit", U8, _int),
        ("receive-buffer-size", U64, _int),
        ("send-buffer-size", U64, _int),
    ]),
    "udp.subscribe": (Probe.h_subscribe, [res(UDP)]),
    "incoming.receive": (Probe.h_receive, [res(INCOMING), U64]),
    "incoming.subscribe": (Probe.h_subscribe, [res(INCOMING)]),
    "outgoing.check-send": method((OUTGOING,), "check_send", out=_int),
    "outgoing.send": method((OUTGOING,), "send", datagrams, out=_int),
    "outgoing.subscribe": (Probe.h_subscribe, [res(OUTGOING)]),
    # ip-name-lookup
    "resolve-addresses": (Probe.h_resolve, [res(NETWORK), text]),
    "resolve-next-address": method((RESOLVER,), "resolve_next_address", out=fmt_ipaddr),
    "resolver.subscribe": (Probe.h_subscribe, [res(RESOLVER)]),
    # wasi:io streams
    "input.read": method((INPUT,), "read", U64, out=_hex),
    "input.blocking-read": method((INPUT,), "blocking_read", U64, out=_hex),
    "input.subscribe": (Probe.h_subscribe, [res(INPUT)]),
    "output.check-write": method((OUTPUT,), "check_write", out=_int),
    "output.write": method((OUTPUT,), "write", hexbytes),
    "output.flush": method((OUTPUT,), "flush"),
    "output.blocking-flush": method((OUTPUT,), "blocking_flush"),
    "output.blocking-write-and-flush": method((OUTPUT,), "blocking_write_and_flush", hexbytes),
    "output.subscribe": (Probe.h_subscribe, [res(OUTPUT)]),
    "poll": (Probe.h_poll, [pollables]),
    # helpers
    "drop": (Probe.h_drop, [ref_name]),
    "wait": (Probe.h_wait, [ref_name, TIMEOUT]),
    "finish": (Probe.h_finish, [text, ref_name, TIMEOUT]),
    "read-exact": (Probe.h_read_exact, [res(INPUT), U64, TIMEOUT]),
    "write-all": (Probe.h_write_all, [res(OUTPUT), hexbytes,
                                      Optional_(TIMEOUT, WRITE_ALL_DEFAULT_TIMEOUT_MS)]),
    "output.write-beyond-permit": (Probe.h_write_beyond_permit, [
        res(OUTPUT), Optional_(TIMEOUT, WRITE_ALL_DEFAULT_TIMEOUT_MS)]),
}

FINISHABLE = frozenset({
    "tcp.finish-bind", "tcp.finish-connect", "tcp.finish-listen", "tcp.accept",
    "udp.finish-bind", "resolve-next-address",
})
"""Calls that may answer would-block and are retried by the ``finish`` helper."""


# ---------------------------------------------------------------- running a script


def run_step(probe: Probe, k: int, step: Any) -> None:
    if not isinstance(step, dict):
        emit({"i": k, "begin": None})
        raise ProbeError(f"a step must be an object, got {step!r}")
    call = step.get("call")
    emit({"i": k, "begin": call})
    unknown = set(step) - {"call", "args", "as"}
    if unknown:
        raise ProbeError(f"unknown step keys {sorted(unknown)}")
    if call not in CALLS:
        raise ProbeError(f"unknown call {call!r}")
    args = step.get("args", [])
    as_name = step.get("as")
    if not isinstance(args, list):
        raise ProbeError("args must be a list")
    if as_name is not None and (not isinstance(as_name, str) or not as_name
                                or as_name.startswith("$")):
        raise ProbeError(f"bad \"as\" name {as_name!r}")
    handler, convs = CALLS[call]
    required = sum(1 for c in convs if not isinstance(c, Optional_))
    if not required <= len(args) <= len(convs):
        raise ProbeError(f"{call} takes {required}..{len(convs)} arguments, got {len(args)}")
    values = []
    for i, conv in enumerate(convs):
        if isinstance(conv, Optional_):
            values.append(conv.conv(probe, args[i]) if i < len(args) else conv.default)
        else:
            values.append(conv(probe, args[i]))
    try:
        result = handler(probe, Step(k, as_name), *values)
    except Err as e:
        code, extra = error_of(e.value)
        raise StepErr(code, extra) from None
    if isinstance(result, Value):
        emit({"i": k, "ok": result.value, **result.extra})
    else:
        emit({"i": k, "ok": result})


def load_script() -> Any:
    env = dict(environment.get_environment())
    raw = env.get(SCRIPT_ENV)
    if raw is None:
        args = environment.get_arguments()
        if args and args[-1].lstrip().startswith("{"):
            raw = args[-1]
    if raw is None:
        raise ProbeError(f"no script: set {SCRIPT_ENV} to the script's JSON")
    try:
        script = json.loads(raw)
    except (ValueError, RecursionError) as e:
        raise ProbeError(f"script is not JSON: {e}") from None
    if not isinstance(script, dict) or not isinstance(script.get("steps"), list):
        raise ProbeError("script must be an object with a \"steps\" list")
    if len(script["steps"]) > MAX_STEPS:
        raise ProbeError(f"script has more than {MAX_STEPS} steps")
    return script


def main() -> None:
    try:
        steps = load_script()["steps"]
    except ProbeError as e:
        emit({"probe-error": str(e)})
        emit({"done": True})
        return
    probe = Probe()
    for k, step in enumerate(steps):
        try:
            run_step(probe, k, step)
        except StepErr as e:
            emit({"i": k, "err": e.code, **e.extra})
        except ProbeError as e:
            emit({"i": k, "probe-error": str(e)})
        except Exception as e:  # a probe bug must not abort the script
            emit({"i": k, "probe-error": f"{type(e).__name__}: {e}"})
    probe.table.drop_all()
    emit({"done": True})


class Run(exports.Run):  # type: ignore[misc]
    def run(self) -> None:
        main()
