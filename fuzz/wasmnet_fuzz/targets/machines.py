"""Targets over the sans-IO wRPC invocation machines (wrpc.md §1-§3,
``wasmnet_reference.wrpc.invocation``), fed arbitrary byte streams.

- ``server_machine``: input = a client-to-server stream (header, frames). A
  ``ServerInvocation`` serving :data:`SERVED` receives it whole and again in pieces;
- ``client_machine``: input = one selector byte (which result signature of
  :data:`CLIENT_RESULTS` the call has) and a server-to-client stream (frames only), received
  by a ``ClientInvocation``.

Checks: ``receive``/``receive_eof`` never raise; ``Failed`` is final (nothing follows it) and
is the only way input ends early; the header event comes first, ``InputClosed`` last and only
after ``InputComplete``; and the events are the same for every split of the stream. When the
server's input completes, its results go through ``send_results`` and a client with the same
signature must read them back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wasmnet_fuzz.common import FUZZ_LIMITS, InvariantViolation
from wasmnet_fuzz.splits import pieces
from wasmnet_reference.values import Ok, VariantValue, values_equal
from wasmnet_reference.wit.types import (
    Case,
    Field,
    FlagsType,
    FutureType,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
)
from wasmnet_reference.wrpc.events import (
    Event,
    Failed,
    FutureReady,
    HeaderReceived,
    InputClosed,
    InputComplete,
    StreamChunk,
    ValuesReceived,
)
from wasmnet_reference.wrpc.invocation import ClientInvocation, ServerInvocation
from wasmnet_reference.wrpc.limits import WrpcLimits
from wasmnet_reference.wrpc.paths import AsyncSlot
from wasmnet_reference.wrpc.signature import Signature

LIMITS = WrpcLimits(codec=FUZZ_LIMITS, max_buffered_bytes=1 << 12, max_async_values=16)
INSTANCE = "wasmnet:fuzz/api@0.1.0"
ENTRY = RecordType("entry", (Field("a", Prim.U32), Field("b", Prim.STRING)))
SHAPE = VariantType("shape", (
    Case("none", None), Case("circle", Prim.F32), Case("rect", TupleType((Prim.U16, Prim.U16))),
))
PERMS = FlagsType("perms", ("read", "write", "exec"))

SERVED: dict[tuple[str, str], Signature] = {
    (INSTANCE, "scalars"): Signature((Prim.U32, Prim.STRING, Prim.BOOL, Prim.F64), ()),
    (INSTANCE, "nested"): Signature((ListType(OptionType(ENTRY)),), (Prim.U32,)),
    (INSTANCE, "choice"): Signature((SHAPE, ResultType(Prim.U8, Prim.STRING), PERMS), (SHAPE,)),
    (INSTANCE, "future"): Signature((FutureType(Prim.U32), FutureType(None)), (Prim.BOOL,)),
    (INSTANCE, "stream"): Signature((StreamType(Prim.U8), StreamType(Prim.STRING)), ()),
    (INSTANCE, "mixed"): Signature(
        (ListType(FutureType(Prim.STRING)),
         TupleType((StreamType(Prim.U16), OptionType(FutureType(Prim.U8))))),
        (ResultType(Prim.STRING, None),),
    ),
    ("", "ping"): Signature((), ()),
}
"""The functions the fuzzed server serves: every constructor, pending futures and streams at
nested paths, and a world-level function (empty instance)."""

CLIENT_RESULTS: tuple[tuple[WitType, ...], ...] = (
    (),
    (Prim.U32,),
    (Prim.STRING,),
    (ListType(OptionType(ENTRY)),),
    (ResultType(Prim.U8, Prim.STRING),),
    (FutureType(Prim.STRING),),
    (StreamType(Prim.U8),),
    (TupleType((StreamType(Prim.STRING), FutureType(None))),),
    (OptionType(StreamType(Prim.U32)),),
)
"""Result signatures of the fuzzed client's call; the selector byte picks one (modulo)."""


def lookup(instance: str, function: str) -> Signature | None:
    return SERVED.get((instance, function))


def client_results(selector: bytes) -> tuple[WitType, ...]:
    return CLIENT_RESULTS[selector[0] % len(CLIENT_RESULTS)] if selector else ()


def _feed(receive: Callable[[bytes], list[Event]], eof: Callable[[], list[Event]],
          chunks: Sequence[bytes]) -> list[Event]:
    events: list[Event] = []
    for chunk in chunks:
        events += receive(chunk)
    events += eof()
    return events


def _check_order(events: list[Event], *, server: bool) -> None:
    for i, event in enumerate(events):
        if isinstance(event, Failed) and i != len(events) - 1:
            raise InvariantViolation("events-after-failed", f"{events[i + 1:]!r}")
        if isinstance(event, HeaderReceived) and (not server or i != 0):
            raise InvariantViolation("header-event-order", f"{events!r}")
        if isinstance(event, InputClosed) and (
            i != len(events) - 1 or not any(isinstance(e, InputComplete) for e in events)
        ):
            raise InvariantViolation("closed-before-complete", f"{events!r}")
    if not events or not isinstance(events[-1], (Failed, InputClosed)):
        raise InvariantViolation("no-final-event", f"end of input gave {events!r}")


def _same_event(x: Event, y: Event) -> bool:
    """The same event: values compared with ``values_equal`` (NaN equals NaN), a failure by
    its rule and path."""
    if type(x) is not type(y):
        return False
    if isinstance(x, Failed) and isinstance(y, Failed):
        return (type(x.error), x.error.rule, getattr(x.error, "path", None)) == (
            type(y.error), y.error.rule, getattr(y.error, "path", None))
    if isinstance(x, ValuesReceived) and isinstance(y, ValuesReceived):
        return values_equal(list(x.values), list(y.values))
    if isinstance(x, FutureReady) and isinstance(y, FutureReady):
        return x.path == y.path and values_equal(x.value, y.value)
    if isinstance(x, StreamChunk) and isinstance(y, StreamChunk):
        return (x.path, x.size) == (y.path, y.size) and values_equal(x.items, y.items)
    return x == y


def _same_events(a: list[Event], b: list[Event]) -> bool:
    return len(a) == len(b) and all(_same_event(x, y) for x, y in zip(a, b, strict=True))


def check_split(whole: list[Event], split: list[Event]) -> None:
    """The same input received whole and in pieces: the same events when it succeeds; when it
    fails, both fail, and what the whole run reported before failing the split run reported
    too, in order.

    Not required: the same rule, or as many events before the failure. A framing fault later in
    one received chunk ends the input before the events completed earlier in that chunk are
    reported (``StreamDecoder.feed`` raises instead of returning them), so a run that gets the
    stream in one chunk can report less, and a later rule, than one that gets it byte by byte.
    """
    whole_failed, split_failed = isinstance(whole[-1], Failed), isinstance(split[-1], Failed)
    if whole_failed != split_failed:
        raise InvariantViolation("split-changes-outcome", f"whole {whole!r} vs pieces {split!r}")
    if not whole_failed:
        if not _same_events(whole, split):
            raise InvariantViolation("split-changes-events",
                                     f"whole {whole!r} vs pieces {split!r}")
        return
    before = whole[:-1]
    if not _same_events(before, split[: len(before)]):
        raise InvariantViolation("split-changes-events", f"whole {whole!r} vs pieces {split!r}")


def server_machine(data: bytes) -> None:
    runs = []
    for chunks in ([data], pieces(data)):
        server = ServerInvocation(lookup, LIMITS)
        events = _feed(server.receive, server.receive_eof, chunks)
        _check_order(events, server=True)
        runs.append((server, events))
    (server, whole), (_, split) = runs
    check_split(whole, split)
    if isinstance(whole[-1], InputClosed):
        _answer(server)


def _answer(server: ServerInvocation) -> None:
    """Send results for a completed call and read them back with a client."""
    signature = server.signature
    if signature is None or not signature.results:
        return
    results = tuple(_result_value(t) for t in signature.results)
    wire = server.send_results(results)
    client = ClientInvocation(INSTANCE, "answer", Signature((), signature.results), (), LIMITS)
    client.start()
    got = client.receive(wire)
    values = [e for e in got if isinstance(e, ValuesReceived)]
    if not values or not values_equal(list(values[0].values), list(results)):
        raise InvariantViolation("results-roundtrip", f"sent {results!r}, client read {got!r}")


def _result_value(ty: WitType) -> Any:
    """A fixed result per result type of :data:`SERVED`."""
    if ty is Prim.U32:
        return 7
    if ty is Prim.BOOL:
        return True
    if ty == SHAPE:
        return VariantValue("rect", (1, 2))
    return Ok("done")


def client_machine(data: bytes) -> None:
    results = client_results(data[:1])
    stream = data[1:]
    runs = []
    for chunks in ([stream], pieces(stream)):
        client = ClientInvocation(INSTANCE, "call", Signature((), results), (), LIMITS)
        client.start()
        events = _feed(client.receive, client.receive_eof, chunks)
        _check_order(events, server=False)
        runs.append(events)
    check_split(runs[0], runs[1])
    for event in runs[0]:
        if isinstance(event, ValuesReceived):
            for value in event.values:
                if isinstance(value, AsyncSlot) and value.path[:1] != (0,):
                    raise InvariantViolation("slot-path", f"result slot at {value.path}")
