"""Sans-IO wRPC invocation machines (wrpc.md §1-§3): hand-written bytes in both directions.

Expected bytes are written by hand from the grammar (``frame := uleb32(path_len) path*
uleb32(data_len) data``, header ``00 name name``) and the value encoding table (wrpc.md §4);
every value here is small enough that each uleb32 is one byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from wasmnet_reference.errors import CodecError, EncodeError
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import PENDING, Err, Ok, Ready, Some, VariantValue
from wasmnet_reference.wit.types import (
    Case,
    Field,
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
from wasmnet_reference.wrpc.errors import AnyRule, UnsupportedSignature, WrpcRule
from wasmnet_reference.wrpc.events import (
    Event,
    Failed,
    FutureReady,
    HeaderReceived,
    InputClosed,
    InputComplete,
    StreamChunk,
    StreamEnded,
    ValuesReceived,
)
from wasmnet_reference.wrpc.invocation import ClientInvocation, ServerInvocation
from wasmnet_reference.wrpc.limits import WrpcLimits
from wasmnet_reference.wrpc.paths import AsyncSlot, PayloadPathReading
from wasmnet_reference.wrpc.signature import Signature

UPSTREAM = PayloadPathReading.UPSTREAM
INDEXED = PayloadPathReading.INDEXED

# wrpc.md §2, the captured call of `hello: func() -> string` in wrpc-examples:hello/handler.
HELLO_INSTANCE = "wrpc-examples:hello/handler"
HELLO_CALL = b"\x00\x1b" + HELLO_INSTANCE.encode() + b"\x05hello" + b"\x00\x00"
HELLO_REPLY = b"\x00\x10\x0fhello from Rust"
HELLO_SIG = Signature((), (Prim.STRING,))


def frame(path: Sequence[int], data: bytes) -> bytes:
    """A frame written by hand: every length and path element below 128 (one uleb32 byte)."""
    assert len(path) < 128 and all(p < 128 for p in path) and len(data) < 128
    return bytes([len(path), *path, len(data)]) + data


def header(instance: str, function: str) -> bytes:
    """Version 00, then two core:name (short names: one length byte)."""
    i, f = instance.encode(), function.encode()
    assert len(i) < 128 and len(f) < 128
    return b"\x00" + bytes([len(i)]) + i + bytes([len(f)]) + f


def server_for(sig: Signature, *, reading: PayloadPathReading = UPSTREAM,
               limits: WrpcLimits | None = None) -> ServerInvocation:
    return ServerInvocation(
        lambda inst, fn: sig if (inst, fn) == ("t:t/i", "f") else None,
        limits or WrpcLimits(),
        reading,
    )


def feed_all(endpoint: ServerInvocation | ClientInvocation, pieces: Iterable[bytes],
             *, eof: bool = True) -> list[Event]:
    events: list[Event] = []
    for piece in pieces:
        events += endpoint.receive(piece)
    if eof:
        events += endpoint.receive_eof()
    return events


def failure(events: list[Event]) -> AnyRule:
    """The rule of the final Failed event (and check it is final)."""
    assert events, "no events"
    last = events[-1]
    assert isinstance(last, Failed), f"expected a failure, got {events}"
    assert not any(isinstance(e, Failed) for e in events[:-1])
    return last.error.rule


def summary(events: list[Event]) -> dict[str, Any]:
    """What the events say, independent of how the input was split: root values, per path
    all stream elements / future values, ended paths, completion, failure rule."""
    out: dict[str, Any] = {"values": None, "items": {}, "futures": {}, "ended": [],
                           "complete": False, "closed": False, "failed": None}
    for e in events:
        if isinstance(e, ValuesReceived):
            out["values"] = e.values
        elif isinstance(e, StreamChunk):
            out["items"].setdefault(e.path, []).extend(e.items)
        elif isinstance(e, FutureReady):
            out["futures"][e.path] = e.value
        elif isinstance(e, StreamEnded):
            out["ended"].append(e.path)
        elif isinstance(e, InputComplete):
            out["complete"] = True
        elif isinstance(e, InputClosed):
            out["closed"] = True
        elif isinstance(e, Failed):
            out["failed"] = e.error.rule
    out["ended"].sort()
    return out


# ------------------------------------------------------------------------- the captured call


def test_hello_client_bytes_are_the_captured_call() -> None:
    client = ClientInvocation(HELLO_INSTANCE, "hello", HELLO_SIG, ())
    assert client.start() == HELLO_CALL
    assert client.sending_done  # no async params: half-close right after the root frame
    events = client.receive(HELLO_REPLY)
    assert events == [ValuesReceived(("hello from Rust",)), InputComplete()]
    assert client.receive_eof() == [InputClosed()]
    with pytest.raises(RuntimeError):
        client.start()


def test_hello_server_reply_is_the_captured_reply() -> None:
    server = ServerInvocation(lambda i, f: HELLO_SIG if (i, f) == (HELLO_INSTANCE, "hello")
                              else None)
    events = server.receive(HELLO_CALL)
    assert events == [
        HeaderReceived(HELLO_INSTANCE, "hello", HELLO_SIG),
        ValuesReceived(()),
        InputComplete(),
    ]
    assert server.receive_eof() == [InputClosed()]
    assert server.send_results(("hello from Rust",)) == HELLO_REPLY
    assert server.sending_done


@pytest.mark.parametrize("cut", range(len(HELLO_CALL) + 1))
def test_hello_call_split_anywhere(cut: int) -> None:
    server = ServerInvocation(lambda i, f: HELLO_SIG)
    events = feed_all(server, [HELLO_CALL[:cut], HELLO_CALL[cut:]])
    assert [type(e) for e in events] == [HeaderReceived, ValuesReceived, InputComplete,
                                         InputClosed]


@pytest.mark.parametrize("cut", range(len(HELLO_REPLY) + 1))
def test_hello_reply_split_anywhere(cut: int) -> None:
    client = ClientInvocation(HELLO_INSTANCE, "hello", HELLO_SIG, ())
    events = feed_all(client, [HELLO_REPLY[:cut], HELLO_REPLY[cut:]])
    assert summary(events)["values"] == ("hello from Rust",)
    assert isinstance(events[-1], InputClosed)


def test_no_result_sends_no_root_frame_and_completes_at_eof() -> None:
    sig = Signature((Prim.U8,), ())
    server = server_for(sig)
    assert summary(feed_all(server, [header("t:t/i", "f") + frame([], b"\x07")]))["values"] \
        == (7,)
    assert server.send_results(()) == b""  # wrpc.md §3: may send no root frame at all
    client = ClientInvocation("t:t/i", "f", sig, (7,))
    assert client.start() == header("t:t/i", "f") + frame([], b"\x07")
    assert client.receive_eof() == [ValuesReceived(()), InputComplete(), InputClosed()]


def test_client_always_sends_a_root_frame() -> None:
    client = ClientInvocation("t:t/i", "f", Signature((), ()), ())
    assert client.start() == header("t:t/i", "f") + b"\x00\x00"


# ------------------------------------------------------------------- async values and paths

JOB = RecordType("job", (Field("id", Prim.U32), Field("done", FutureType(Prim.STRING))))
ASYNC_SIG = Signature(
    (StreamType(Prim.U32), JOB, ListType(FutureType(Prim.U8))),
    (StreamType(Prim.U32),),
)
# Root: stream pending 00; job {id: 7, done: pending 00}; list of 3: pending 00,
# ready 01 05, pending 00.
ASYNC_ROOT = b"\x00" + b"\x07\x00" + b"\x03" + b"\x00" + b"\x01\x05" + b"\x00"
ASYNC_PARAMS = (PENDING, {"id": 7, "done": PENDING}, [PENDING, Ready(5), PENDING])
# Async data: stream [0]: chunk [1, 300] = 02 01 ac 02, chunk [2] = 01 02, end 00;
# future [1, 1]: "ok" = 02 6f 6b; futures [2, 0] = 09 and [2, 2] = 0a.
CHUNK_1_300 = b"\x02\x01\xac\x02"
CHUNK_2 = b"\x01\x02"


def async_call_stream() -> bytes:
    """The client's whole stream, async frames interleaved and values split across frames."""
    return (
        header("t:t/i", "f")
        + frame([], ASYNC_ROOT)
        + frame([0], CHUNK_1_300[:3])       # the LEB128 of 300 is cut in two frames
        + frame([1, 1], b"\x02\x6f")        # the string is cut in two frames
        + frame([0], CHUNK_1_300[3:] + CHUNK_2)  # one frame with the rest and a whole chunk
        + frame([2, 2], b"\x0a")
        + frame([1, 1], b"\x6b")
        + frame([2, 0], b"\x09")
        + frame([0], b"\x00")               # the end marker
    )


def expected_async_values() -> tuple[Any, ...]:
    return (
        AsyncSlot((0,), StreamType(Prim.U32)),
        {"id": 7, "done": AsyncSlot((1, 1), FutureType(Prim.STRING))},
        [AsyncSlot((2, 0), FutureType(Prim.U8)), Ready(5),
         AsyncSlot((2, 2), FutureType(Prim.U8))],
    )


def test_client_writes_async_params_on_their_paths() -> None:
    client = ClientInvocation("t:t/i", "f", ASYNC_SIG, ASYNC_PARAMS)
    assert client.start() == header("t:t/i", "f") + frame([], ASYNC_ROOT)
    assert set(client.open_outbound_paths) == {(0,), (1, 1), (2, 0), (2, 2)}
    assert not client.sending_done
    assert client.send_chunk((0,), [1, 300]) == frame([0], CHUNK_1_300)
    assert client.send_future((1, 1), "ok") == frame([1, 1], b"\x02ok")
    assert client.send_future((2, 0), 9) == frame([2, 0], b"\x09")
    assert client.send_future((2, 2), 10) == frame([2, 2], b"\x0a")
    assert not client.sending_done
    assert client.send_end((0,)) == frame([0], b"\x00")
    assert client.sending_done


def test_server_reads_async_params_from_their_paths() -> None:
    server = server_for(ASYNC_SIG)
    events = feed_all(server, [async_call_stream()])
    got = summary(events)
    assert got["values"] == expected_async_values()
    assert got["items"] == {(0,): [1, 300, 2]}
    assert got["futures"] == {(1, 1): "ok", (2, 0): 9, (2, 2): 10}
    assert got["ended"] == [(0,)]
    assert got["complete"] and got["closed"] and got["failed"] is None
    # The chunk boundaries are the sender's: two chunks, with their wire sizes.
    chunks = [e for e in events if isinstance(e, StreamChunk)]
    assert [(c.items, c.size) for c in chunks] == [([1, 300], 4), ([2], 2)]
    # InputComplete comes after the last async value, before InputClosed.
    assert isinstance(events[-2], InputComplete) and isinstance(events[-3], StreamEnded)


def test_async_stream_split_at_every_position() -> None:
    stream = async_call_stream()
    whole = summary(feed_all(server_for(ASYNC_SIG), [stream]))
    for cut in range(len(stream) + 1):
        assert summary(feed_all(server_for(ASYNC_SIG), [stream[:cut], stream[cut:]])) == whole
    assert summary(feed_all(server_for(ASYNC_SIG),
                            [stream[i : i + 1] for i in range(len(stream))])) == whole


def test_server_sends_async_results_on_their_paths() -> None:
    server = server_for(ASYNC_SIG)
    server.receive(async_call_stream())
    assert server.send_results((PENDING,)) == frame([], b"\x00")
    assert set(server.open_outbound_paths) == {(0,)}
    assert server.send_chunk((0,), [1, 2]) == frame([0], b"\x02\x01\x02")
    assert not server.sending_done
    assert server.send_end((0,)) == frame([0], b"\x00")
    assert server.sending_done


def test_client_reads_async_results() -> None:
    client = ClientInvocation("t:t/i", "f", Signature((), (StreamType(Prim.U32),)), ())
    client.start()
    events = feed_all(client, [frame([], b"\x00"), frame([0], b"\x02\x01\x02"),
                               frame([0], b"\x00")])
    got = summary(events)
    assert got["values"] == (AsyncSlot((0,), StreamType(Prim.U32)),)
    assert got["items"] == {(0,): [1, 2]} and got["ended"] == [(0,)] and got["closed"]


def test_ready_stream_on_root_is_complete() -> None:
    # wrpc.md §3 [ambiguous], upstream reading: a non-empty list on the root is a ready stream.
    sig = Signature((StreamType(Prim.U8),), ())
    events = feed_all(server_for(sig), [header("t:t/i", "f") + frame([], b"\x02\x05\x06")])
    got = summary(events)
    assert got["values"] == (Ready([5, 6]),) and got["complete"] and got["closed"]


def test_ready_future_on_root_is_complete() -> None:
    sig = Signature((FutureType(Prim.U8),), ())
    got = summary(feed_all(server_for(sig), [header("t:t/i", "f") + frame([], b"\x01\x05")]))
    assert got["values"] == (Ready(5),) and got["complete"]


def test_future_without_type_resolves_on_a_zero_length_frame() -> None:
    sig = Signature((FutureType(None),), ())
    events = feed_all(server_for(sig), [header("t:t/i", "f") + frame([], b"\x00")
                                        + frame([0], b"")])
    assert FutureReady((0,), None) in events and summary(events)["complete"]
    # Its value takes no bytes: a frame with data is data after the value.
    events = feed_all(server_for(sig), [header("t:t/i", "f") + frame([], b"\x00")
                                        + frame([0], b"\x00")])
    assert failure(events) is WrpcRule.FUTURE_DATA_AFTER_VALUE
    client = ClientInvocation("t:t/i", "f", sig, (PENDING,))
    client.start()
    assert client.send_future((0,), None) == b"\x01\x00\x00"


def test_stream_without_type_counts_elements() -> None:
    sig = Signature((StreamType(None),), ())
    got = summary(feed_all(server_for(sig), [header("t:t/i", "f") + frame([], b"\x00")
                                             + frame([0], b"\x03\x00")]))
    assert got["items"] == {(0,): [None, None, None]} and got["ended"] == [(0,)]


def test_early_async_data_before_the_root_is_buffered() -> None:
    # A path that could hold a pending value may carry data before the root frame.
    sig = Signature((StreamType(Prim.U8),), ())
    stream = header("t:t/i", "f") + frame([0], b"\x01\x07\x00") + frame([], b"\x00")
    got = summary(feed_all(server_for(sig), [stream]))
    assert got["items"] == {(0,): [7]} and got["ended"] == [(0,)] and got["complete"]


def test_zero_length_frames_after_end_carry_no_data() -> None:
    sig = Signature((StreamType(Prim.U8), FutureType(Prim.U8)), ())
    stream = (header("t:t/i", "f") + frame([], b"\x00\x00") + frame([0], b"\x00")
              + frame([1], b"\x04") + frame([0], b"") + frame([1], b"") + frame([], b""))
    got = summary(feed_all(server_for(sig), [stream]))
    assert got["failed"] is None and got["closed"]


def test_root_value_split_across_many_frames() -> None:
    sig = Signature((Prim.STRING, Prim.U32), ())
    stream = (header("t:t/i", "f") + frame([], b"\x03a") + frame([], b"") + frame([], b"bc\xe5")
              + frame([], b"\x8e\x26"))
    assert summary(feed_all(server_for(sig), [stream]))["values"] == ("abc", 624485)


def test_param_of_max_depth_fits() -> None:
    # The root tuple adds no depth level: a parameter of exactly max_depth decodes.
    limits = WrpcLimits(codec=Limits(max_depth=3))
    sig = Signature((OptionType(OptionType(Prim.U8)),), ())
    got = summary(feed_all(server_for(sig, limits=limits),
                           [header("t:t/i", "f") + frame([], b"\x01\x01\x09")]))
    assert got["values"] == (Some(Some(9)),)


# ----------------------------------------------------------------- payload path readings

OPT_STREAM = Signature((OptionType(StreamType(Prim.U8)),), ())
RES = Signature((ResultType(FutureType(Prim.U8), StreamType(Prim.U8)),), ())
VAR = Signature(
    (VariantType("v", (Case("a", None), Case("b", Prim.U8), Case("c", StreamType(Prim.U8)))),),
    (),
)


@pytest.mark.parametrize(
    ("sig", "value", "root", "upstream_path", "indexed_path"),
    [
        (OPT_STREAM, Some(PENDING), b"\x01\x00", (0,), (0, 1)),
        (RES, Ok(PENDING), b"\x00\x00", (0,), (0, 0)),
        (RES, Err(PENDING), b"\x01\x00", (0,), (0, 1)),
        (VAR, VariantValue("c", PENDING), b"\x02\x00", (0,), (0, 2)),
    ],
)
def test_payload_paths_both_readings(
    sig: Signature, value: Any, root: bytes, upstream_path: tuple[int, ...],
    indexed_path: tuple[int, ...],
) -> None:
    for reading, path in ((UPSTREAM, upstream_path), (INDEXED, indexed_path)):
        client = ClientInvocation("t:t/i", "f", sig, (value,), payload_paths=reading)
        assert client.start() == header("t:t/i", "f") + frame([], root)
        assert set(client.open_outbound_paths) == {path}
        server = server_for(sig, reading=reading)
        # End the pending value on its path: a stream's end marker or a future's u8 value.
        events = feed_all(server, [header("t:t/i", "f") + frame([], root)
                                   + frame(list(path), b"\x00")])
        assert summary(events)["complete"], (reading, events)
        other = indexed_path if reading is UPSTREAM else upstream_path
        events = feed_all(server_for(sig, reading=reading),
                          [header("t:t/i", "f") + frame([], root) + frame(list(other), b"\x00")])
        assert failure(events) is WrpcRule.UNKNOWN_PATH


# ------------------------------------------------------------------------------- rejections


def call(sig: Signature, *frames: bytes, eof: bool = True,
         limits: WrpcLimits | None = None) -> list[Event]:
    return feed_all(server_for(sig, limits=limits),
                    [header("t:t/i", "f") + b"".join(frames)], eof=eof)


STREAM_U8 = Signature((StreamType(Prim.U8),), ())
FUTURE_U8 = Signature((FutureType(Prim.U8),), ())


def test_unknown_function() -> None:
    events = feed_all(server_for(STREAM_U8), [header("t:t/i", "g") + frame([], b"\x00")])
    assert failure(events) is WrpcRule.UNKNOWN_FUNCTION


def test_bad_version_byte() -> None:
    events = feed_all(server_for(STREAM_U8), [b"\x01" + header("t:t/i", "f")[1:]])
    assert failure(events) is Rule.HEADER_VERSION


def test_empty_connection_is_a_truncated_header() -> None:
    assert failure(feed_all(server_for(STREAM_U8), [])) is Rule.HEADER_TRUNCATED


def test_frame_on_an_impossible_path_is_rejected_at_once() -> None:
    events = call(STREAM_U8, frame([5], b"\x00"), eof=False)  # param 5 does not exist
    assert failure(events) is WrpcRule.UNKNOWN_PATH
    events = call(STREAM_U8, frame([0, 0], b"\x00"), eof=False)  # below a stream: no path
    assert failure(events) is WrpcRule.UNKNOWN_PATH


def test_frame_on_the_path_of_a_ready_value_is_rejected() -> None:
    events = call(FUTURE_U8, frame([], b"\x01\x05"), frame([0], b"\x05"))
    assert failure(events) is WrpcRule.UNKNOWN_PATH
    # Early data checked once the root shows the value was ready after all.
    events = call(FUTURE_U8, frame([0], b"\x05"), frame([], b"\x01\x05"))
    assert failure(events) is WrpcRule.UNKNOWN_PATH
    # Even a zero-length frame names a path that holds no pending value.
    events = call(FUTURE_U8, frame([], b"\x01\x05"), frame([0], b""))
    assert failure(events) is WrpcRule.UNKNOWN_PATH


def test_stream_data_after_end_marker() -> None:
    events = call(STREAM_U8, frame([], b"\x00"), frame([0], b"\x00"), frame([0], b"\x01\x07"))
    assert failure(events) is WrpcRule.STREAM_DATA_AFTER_END
    events = call(STREAM_U8, frame([], b"\x00"), frame([0], b"\x00\x01\x07"))  # same frame
    assert failure(events) is WrpcRule.STREAM_DATA_AFTER_END


def test_future_sent_twice() -> None:
    events = call(FUTURE_U8, frame([], b"\x00"), frame([0], b"\x05"), frame([0], b"\x06"))
    assert failure(events) is WrpcRule.FUTURE_DATA_AFTER_VALUE
    events = call(FUTURE_U8, frame([], b"\x00"), frame([0], b"\x05\x06"))
    assert failure(events) is WrpcRule.FUTURE_DATA_AFTER_VALUE


def test_trailing_root_bytes() -> None:
    events = call(FUTURE_U8, frame([], b"\x01\x05\x00"))  # in the same frame
    assert failure(events) is WrpcRule.ROOT_TRAILING_BYTES
    events = call(FUTURE_U8, frame([], b"\x01\x05"), frame([], b"\x00"))  # a later frame
    assert failure(events) is WrpcRule.ROOT_TRAILING_BYTES
    events = call(Signature((), ()), frame([], b"\x00"))  # no params: no root bytes at all
    assert failure(events) is WrpcRule.ROOT_TRAILING_BYTES


def test_results_trailing_bytes_on_the_client() -> None:
    client = ClientInvocation(HELLO_INSTANCE, "hello", HELLO_SIG, ())
    assert failure(feed_all(client, [HELLO_REPLY + frame([], b"\x00")])) \
        is WrpcRule.ROOT_TRAILING_BYTES


def test_eof_with_an_open_stream_or_future() -> None:
    events = call(STREAM_U8, frame([], b"\x00"), frame([0], b"\x01\x07"))
    assert failure(events) is WrpcRule.ASYNC_INCOMPLETE
    assert failure(call(FUTURE_U8, frame([], b"\x00"))) is WrpcRule.ASYNC_INCOMPLETE


def test_eof_inside_a_chunk_names_the_codec_rule() -> None:
    events = call(STREAM_U8, frame([], b"\x00"), frame([0], b"\x03\x07"))
    assert failure(events) is Rule.LIST_TRUNCATED


def test_eof_inside_root_or_frame() -> None:
    assert failure(call(Signature((Prim.STRING,), ()), frame([], b"\x05ab"))) \
        is Rule.STRING_TRUNCATED
    # A root frame of 5 announced bytes holding 3 of a 4-byte string, then EOF.
    assert failure(call(Signature((Prim.STRING,), ()), b"\x00\x05\x03ab")) \
        is Rule.FRAME_TRUNCATED


U32_MAX_ULEB = b"\xff\xff\xff\xff\x0f"  # uleb32 4294967295


def test_frames_announcing_bytes_after_a_complete_value_fail_at_once() -> None:
    # Whatever follows can only be trailing bytes or a cut-short frame: no need to wait for it
    # (and no result may be sent for it). eof=False: rejected before the end of input.
    u32 = Signature((Prim.U32,), ())
    events = call(u32, b"\x00" + U32_MAX_ULEB + b"\x01", eof=False)
    assert failure(events) is WrpcRule.ROOT_TRAILING_BYTES
    assert not any(isinstance(e, ValuesReceived) for e in events)
    events = call(Signature((), ()), b"\x00\x05", eof=False)  # no params, a 5-byte root frame
    assert failure(events) is WrpcRule.ROOT_TRAILING_BYTES
    events = call(FUTURE_U8, frame([], b"\x00"), b"\x01\x00\x02\x07", eof=False)
    assert failure(events) is WrpcRule.FUTURE_DATA_AFTER_VALUE
    events = call(STREAM_U8, frame([], b"\x00"), b"\x01\x00\x02\x00", eof=False)
    assert failure(events) is WrpcRule.STREAM_DATA_AFTER_END
    events = call(STREAM_U8, frame([], b"\x00"), frame([0], b"\x00"), b"\x01\x00\x01",
                  eof=False)  # a frame head announcing data after the end marker
    assert failure(events) is WrpcRule.STREAM_DATA_AFTER_END


def test_codec_error_in_path_data() -> None:
    sig = Signature((FutureType(Prim.BOOL),), ())
    events = call(sig, frame([], b"\x00"), frame([0], b"\x02"))
    assert failure(events) is Rule.BOOL_BYTE
    error = events[-1]
    assert isinstance(error, Failed) and isinstance(error.error, CodecError)


def test_limit_on_pending_values() -> None:
    sig = Signature((ListType(FutureType(Prim.U8)),), ())
    limits = WrpcLimits(max_async_values=2)
    events = call(sig, frame([], b"\x03\x00\x00\x00"), eof=False, limits=limits)
    assert failure(events) is WrpcRule.LIMIT_ASYNC_VALUES
    events = call(sig, frame([], b"\x02\x00\x00"), frame([0, 0], b"\x01"),
                  frame([0, 1], b"\x02"), limits=limits)
    assert summary(events)["futures"] == {(0, 0): 1, (0, 1): 2}


def test_limit_on_early_data() -> None:
    limits = WrpcLimits(max_buffered_bytes=4)
    events = call(STREAM_U8, frame([0], b"\x04\x01\x02\x03\x04"), eof=False, limits=limits)
    assert failure(events) is WrpcRule.LIMIT_EARLY_DATA
    # Early frames on many possible paths (list elements) are bounded too, even empty ones.
    sig = Signature((ListType(StreamType(Prim.U8)),), ())
    limits = WrpcLimits(max_async_values=2)
    events = call(sig, frame([0, 0], b""), frame([0, 1], b""), frame([0, 2], b""), eof=False,
                  limits=limits)
    assert failure(events) is WrpcRule.LIMIT_ASYNC_VALUES


def test_framing_limits_apply() -> None:
    limits = WrpcLimits(codec=Limits(max_path_length=1))
    sig = Signature((ListType(StreamType(Prim.U8)),), ())
    events = call(sig, frame([], b"\x01\x00"), frame([0, 0], b"\x00"), eof=False, limits=limits)
    assert failure(events) is Rule.LIMIT_PATH_LENGTH


def test_nothing_after_failure() -> None:
    server = server_for(FUTURE_U8)
    events = server.receive(header("t:t/i", "f") + frame([], b"\x01\x05\x00"))
    assert failure(events) is WrpcRule.ROOT_TRAILING_BYTES
    assert server.error is not None and server.error.rule is WrpcRule.ROOT_TRAILING_BYTES
    assert server.receive(frame([], b"")) == []
    assert server.receive_eof() == []


# ------------------------------------------------------------------------- sending side


def test_outgoing_frames_are_split_at_send_frame_data() -> None:
    sig = Signature((Prim.STRING,), ())
    client = ClientInvocation("t:t/i", "f", sig, ("abcdefgh",),
                              WrpcLimits(send_frame_data=4))
    expected = header("t:t/i", "f") + frame([], b"\x08abc") + frame([], b"defg") \
        + frame([], b"h")
    assert client.start() == expected
    assert summary(feed_all(server_for(sig), [expected]))["values"] == ("abcdefgh",)


def test_sending_misuse_raises() -> None:
    client = ClientInvocation("t:t/i", "f", STREAM_U8, (PENDING,))
    client.start()
    with pytest.raises(ValueError):
        client.send_chunk((0,), [])  # an empty chunk would be the end marker
    with pytest.raises(ValueError):
        client.send_chunk((1,), [1])  # not an open path
    with pytest.raises(ValueError):
        client.send_future((0,), 1)  # a stream, not a future
    client.send_end((0,))
    with pytest.raises(ValueError):
        client.send_end((0,))  # already ended


def test_params_that_do_not_fit_raise_before_sending() -> None:
    with pytest.raises(EncodeError):
        ClientInvocation("t:t/i", "f", STREAM_U8, ("not a stream",))
    with pytest.raises(EncodeError):
        ClientInvocation("t:t/i", "f", Signature((Prim.U8,), ()), (256,))


def test_ready_stream_param_is_sent_on_the_root() -> None:
    client = ClientInvocation("t:t/i", "f", STREAM_U8, (Ready([5]),))
    assert client.start() == header("t:t/i", "f") + frame([], b"\x01\x05")
    assert client.sending_done
    with pytest.raises(EncodeError, match="no ready form"):
        ClientInvocation("t:t/i", "f", STREAM_U8, (Ready([]),))  # 00 would read as pending


# ------------------------------------------------------------------------------ signatures


@pytest.mark.parametrize(
    "ty",
    [
        FutureType(FutureType(Prim.U8)),
        FutureType(StreamType(Prim.U8)),
        StreamType(StreamType(Prim.U8)),
        StreamType(ListType(FutureType(Prim.U8))),
        ListType(FutureType(OptionType(StreamType(Prim.U8)))),
        TupleType((Prim.U8, StreamType(TupleType((FutureType(None),))))),
    ],
)
def test_nested_async_is_rejected(ty: WitType) -> None:
    with pytest.raises(UnsupportedSignature, match="nested async values are not supported"):
        Signature((ty,), ())
    with pytest.raises(UnsupportedSignature):
        Signature((), (ty,))


def test_async_inside_plain_containers_is_supported() -> None:
    Signature((ListType(StreamType(Prim.U8)), OptionType(FutureType(None))),
              (RecordType("r", (Field("s", StreamType(ListType(Prim.U8))),)),))
