"""The reference wRPC server and client over real loopback sockets (TCP, Unix): results,
async values, failures, concurrency, backpressure, idle timeouts and limits.

Byte-level checks use raw asyncio sockets with hand-written bytes. Waits are bounded
(``until``), and nothing asserts on time: backpressure is checked on the buffered-bytes
counters.
"""

from __future__ import annotations

import asyncio
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from wasmnet_reference.errors import WitError
from wasmnet_reference.framing import decode_stream, per_path_data
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import Ready, Some, Value
from wasmnet_reference.wit.loader import WitPackage, load_wit_text
from wasmnet_reference.wrpc import (
    AddressError,
    IncomingFuture,
    IncomingStream,
    InvocationFailed,
    PayloadPathReading,
    Server,
    Signature,
    UnsupportedSignature,
    WrpcLimits,
    WrpcRule,
    functions_from_wit,
    invoke,
    parse_address,
)
from wasmnet_reference.wrpc.connection import TransportStats
from wasmnet_reference.wrpc.errors import AnyRule

TEST_TIMEOUT_S = 15.0
INSTANCE = "test:wrpc/t@0.1.0"

WIT = """
package test:wrpc@0.1.0;

interface t {
  record job { id: u32, done: future<bool> }

  hello: func() -> string;
  add: func(a: u32, b: u32) -> u32;
  echo-string: func(s: string) -> string;
  echo-stream: func(v: stream<u32>) -> stream<u32>;
  echo-job: func(v: job) -> job;
  sum: func(v: stream<u32>) -> u64;
  total-length: func(v: stream<string>) -> u64;
  count: func(n: u32) -> stream<u32>;
  flood: func() -> stream<string>;
  fail: func() -> string;
  fail-midway: func() -> stream<u32>;
  wait: func() -> u32;
  maybe: func(v: option<stream<u8>>) -> option<stream<u8>>;
  nothing: func(x: u8);
  nested: func(v: future<future<u8>>);
}

world w {
  export t;
  export direct: func(x: u8) -> u8;
}
"""


@pytest.fixture(scope="module")
def package() -> WitPackage:
    return load_wit_text(WIT)


def sig(package: WitPackage, name: str, instance: str = INSTANCE) -> Signature:
    if instance == "":
        fn = package.world_functions["w"][name]
    else:
        fn = next(i for i in package.interfaces.values()
                  if i.qualified_name == instance).functions[name]
    return Signature.from_function(fn)


class World:
    """The test handlers; ``gate`` holds back ``wait`` and ``total-length``."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.hello_calls = 0

    def handlers(self) -> dict[tuple[str, str], Callable[..., Awaitable[Any]]]:
        def key(name: str) -> tuple[str, str]:
            return (INSTANCE, name)

        return {
            key("hello"): self.hello, key("add"): self.add, key("echo-string"): self.echo,
            key("echo-stream"): self.echo_stream, key("echo-job"): self.echo_job,
            key("sum"): self.sum, key("total-length"): self.total_length,
            key("count"): self.count, key("flood"): self.flood, key("fail"): self.fail,
            key("fail-midway"): self.fail_midway, key("wait"): self.wait,
            key("maybe"): self.maybe, key("nothing"): self.nothing, ("", "direct"): self.direct,
        }

    async def hello(self) -> str:
        self.hello_calls += 1
        return "hi"

    async def add(self, a: int, b: int) -> int:
        return (a + b) & 0xFFFF_FFFF

    async def echo(self, s: str) -> str:
        return s

    async def echo_stream(self, v: IncomingStream) -> IncomingStream:
        return v  # relayed chunk by chunk while it arrives

    async def echo_job(self, v: dict[str, Any]) -> dict[str, Any]:
        return v

    async def sum(self, v: IncomingStream) -> int:
        total = 0
        async for chunk in v:
            total += sum(chunk)  # type: ignore[arg-type]
        return total % (1 << 64)

    async def total_length(self, v: IncomingStream) -> int:
        await self.gate.wait()
        n = 0
        async for chunk in v:
            n += sum(len(str(s)) for s in chunk)
        return n

    async def count(self, n: int) -> AsyncIterator[list[Any]]:
        async def chunks() -> AsyncIterator[list[Any]]:
            for start in range(0, n, 7):
                yield list(range(start, min(n, start + 7)))

        return chunks()

    async def flood(self) -> AsyncIterator[list[Any]]:
        chunk: list[Any] = ["x" * 16384] * 4

        async def forever() -> AsyncIterator[list[Any]]:
            while True:
                yield chunk

        return forever()

    async def fail(self) -> str:
        raise RuntimeError("handler failed on purpose")

    async def fail_midway(self) -> AsyncIterator[list[Any]]:
        async def chunks() -> AsyncIterator[list[Any]]:
            yield [1]
            raise RuntimeError("stream failed on purpose")

        return chunks()

    async def wait(self) -> int:
        await self.gate.wait()
        return 7

    async def maybe(self, v: Any) -> Any:
        return v

    async def nothing(self, x: int) -> None:
        return None

    async def direct(self, x: int) -> int:
        return x ^ 0xFF


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, TEST_TIMEOUT_S))


async def until(condition: Callable[[], bool], what: str, bound_s: float = 10.0) -> None:
    """Wait (bounded) until ``condition`` holds; no assertion on how long it took."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)


@asynccontextmanager
async def serving(
    package: WitPackage, world: World | None = None, **options: Any
) -> AsyncIterator[tuple[Server, str]]:
    world = world or World()
    server = Server(functions_from_wit(package, world.handlers(), skipped=[]), **options)
    host, port = await server.start_tcp("127.0.0.1", 0)
    try:
        yield server, f"tcp://{host}:{port}"
    finally:
        await server.close()


def header(instance: str, function: str) -> bytes:
    i, f = instance.encode(), function.encode()
    return b"\x00" + bytes([len(i)]) + i + bytes([len(f)]) + f


async def raw_exchange(address: str, request: bytes, *, half_close: bool = True) -> bytes:
    """Send ``request`` on a raw connection, optionally half-close, read to the end."""
    parsed = parse_address(address)
    reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
    writer.write(request)
    if half_close:
        writer.write_eof()
    try:
        return await reader.read()
    except ConnectionResetError:
        return b"<reset>"
    finally:
        writer.close()


def last_failure(server: Server) -> AnyRule | None:
    return server.stats.failures[-1].rule


# ------------------------------------------------------------------------------ basic calls


def test_sync_calls_over_tcp(package: WitPackage) -> None:
    async def body() -> None:
        async with serving(package) as (server, addr):
            assert await invoke(addr, INSTANCE, "hello", sig(package, "hello"), ()) == "hi"
            assert await invoke(addr, INSTANCE, "add", sig(package, "add"), (2, 0xFFFF_FFFF)) \
                == 1
            assert await invoke(addr, INSTANCE, "nothing", sig(package, "nothing"), (1,)) is None
            assert await invoke(addr, "", "direct", sig(package, "direct", ""), (0x0F,)) == 0xF0
            assert server.stats.completed == 4 and server.stats.failed == 0

    run(body())


def test_server_reply_bytes_and_half_close(package: WitPackage) -> None:
    # Reply: root frame 00 03, string 02 "hi". Answering before the client's FIN (an option),
    # the server half-closes after its results while the client's side is still open
    # (wrpc.md §1).
    async def body() -> None:
        async with serving(package) as (_, addr):
            request = header(INSTANCE, "add") + b"\x00\x02\x05\x07"
            assert await raw_exchange(addr, request) == b"\x00\x01\x0c"
        async with serving(package, answer_after_eof=False) as (_, addr):
            request = header(INSTANCE, "hello") + b"\x00\x00"
            assert await raw_exchange(addr, request, half_close=False) == b"\x00\x03\x02hi"

    run(body())


def test_results_wait_for_the_client_eof_by_default(package: WitPackage) -> None:
    # The handler has run on complete parameters; a trailing root frame arrives before the
    # client's FIN. By default no result was sent yet, so the call fails cleanly (no bytes);
    # answering before the FIN, the results are already out.
    async def call_then_trailing(addr: str, world: World, early: bytes = b"") -> bytes:
        parsed = parse_address(addr)
        reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
        writer.write(header(INSTANCE, "hello") + b"\x00\x00")
        await until(lambda: world.hello_calls == 1, "the handler ran")
        if early:  # the answer arrives while the client's side is open
            assert await reader.readexactly(len(early)) == early
        writer.write(b"\x00\x01\x00")  # a root frame after the (empty) parameter tuple
        writer.write_eof()
        try:
            return await reader.read()
        except ConnectionResetError:
            return b""
        finally:
            writer.close()

    async def body() -> None:
        world = World()
        async with serving(package, world) as (server, addr):
            assert await call_then_trailing(addr, world) == b""
            await until(lambda: server.stats.failed == 1, "the call fails")
            assert last_failure(server) is WrpcRule.ROOT_TRAILING_BYTES
        world = World()
        async with serving(package, world, answer_after_eof=False) as (_, addr):
            assert await call_then_trailing(addr, world, early=b"\x00\x03\x02hi") == b""

    run(body())


def test_client_request_bytes_and_half_close(package: WitPackage) -> None:
    # A raw server reads to end-of-stream before answering: the call completes only because
    # the client half-closes after its parameters and their async data.
    captured: list[bytes] = []
    replies = {
        "add": b"\x00\x01\x0c",
        "echo-stream": b"\x00\x01\x00" + b"\x01\x00\x01\x00",  # pending, then end at once
    }

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = await reader.read()
        captured.append(data)
        function = "echo-stream" if b"echo-stream" in data else "add"
        writer.write(replies[function])
        writer.close()

    async def chunks() -> AsyncIterator[list[Any]]:
        yield [1, 2]
        yield []  # empty chunks are not sent (they would be the end marker)
        yield [3]

    async def body() -> None:
        raw = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = raw.sockets[0].getsockname()[1]
        addr = f"tcp://127.0.0.1:{port}"
        try:
            assert await invoke(addr, INSTANCE, "add", sig(package, "add"), (5, 7)) == 12
            assert captured[0] == header(INSTANCE, "add") + b"\x00\x02\x05\x07"
            result = await invoke(addr, INSTANCE, "echo-stream", sig(package, "echo-stream"),
                                  (chunks(),))
            assert result == Ready([])
            head, frames = decode_stream(captured[1], expect_header=True)
            assert head is not None and (head.instance, head.function) == (INSTANCE,
                                                                          "echo-stream")
            assert per_path_data(frames) == {(): b"\x00",
                                             (0,): b"\x02\x01\x02" + b"\x01\x03" + b"\x00"}
        finally:
            raw.close()
            await raw.wait_closed()

    run(body())


# ---------------------------------------------------------------------------- async values


def test_async_params_and_results(package: WitPackage) -> None:
    async def chunks(n: int) -> AsyncIterator[list[Any]]:
        for i in range(n):
            yield [i, i + 1000]

    async def done() -> bool:
        return True

    async def body() -> None:
        async with serving(package) as (server, addr):
            echo = sig(package, "echo-stream")
            expected: list[Value] = [x for i in range(50) for x in (i, i + 1000)]
            assert await invoke(addr, INSTANCE, "echo-stream", echo, (chunks(50),)) \
                == Ready(expected)
            # A plain list is one chunk; Ready(list) goes complete on the root.
            assert await invoke(addr, INSTANCE, "echo-stream", echo, ([4, 5],)) == Ready([4, 5])
            assert await invoke(addr, INSTANCE, "echo-stream", echo, (Ready([6]),)) \
                == Ready([6])
            assert await invoke(addr, INSTANCE, "sum", sig(package, "sum"), (chunks(10),)) \
                == sum(i + (i + 1000) for i in range(10))
            assert await invoke(addr, INSTANCE, "count", sig(package, "count"), (20,)) \
                == Ready(list(range(20)))
            job = await invoke(addr, INSTANCE, "echo-job", sig(package, "echo-job"),
                               ({"id": 3, "done": done()},))
            assert job == {"id": 3, "done": Ready(True)}
            assert server.stats.failed == 0

    run(body())


def test_live_results_with_collect_false(package: WitPackage) -> None:
    async def body() -> None:
        async with serving(package) as (_, addr):
            stream = await invoke(addr, INSTANCE, "count", sig(package, "count"), (30,),
                                  collect=False)
            assert isinstance(stream, IncomingStream) and stream.path == (0,)
            assert await stream.read_all() == list(range(30))

            async def later() -> bool:
                await asyncio.sleep(0)
                return False

            job = await invoke(addr, INSTANCE, "echo-job", sig(package, "echo-job"),
                               ({"id": 1, "done": later()},), collect=False)
            assert isinstance(job["done"], IncomingFuture) and job["done"].path == (0, 1)
            assert await job["done"] is False

    run(body())


@pytest.mark.parametrize("reading", list(PayloadPathReading))
def test_payload_path_readings_end_to_end(package: WitPackage,
                                          reading: PayloadPathReading) -> None:
    async def body() -> None:
        async with serving(package, payload_paths=reading) as (server, addr):
            maybe = sig(package, "maybe")
            assert await invoke(addr, INSTANCE, "maybe", maybe, (Some([1, 2]),),
                                payload_paths=reading) == Some(Ready([1, 2]))
            other = next(r for r in PayloadPathReading if r is not reading)
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "maybe", maybe, (Some([1, 2]),),
                             payload_paths=other)
            await until(lambda: server.stats.failed == 1, "the server rejects the path")
            assert last_failure(server) is WrpcRule.UNKNOWN_PATH

    run(body())


# -------------------------------------------------------------------------------- failures


def test_unknown_function_and_handler_failures(package: WitPackage) -> None:
    async def body() -> None:
        async with serving(package) as (server, addr):
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "missing", sig(package, "hello"), ())
            await until(lambda: server.stats.failed == 1, "unknown function fails")
            assert last_failure(server) is WrpcRule.UNKNOWN_FUNCTION
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "fail", sig(package, "fail"), ())
            await until(lambda: server.stats.failed == 2, "handler exception fails")
            assert "handler failed on purpose" in server.stats.failures[-1].message
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "fail-midway", sig(package, "fail-midway"), ())
            await until(lambda: server.stats.failed == 3, "stream exception fails")
            # The server stays healthy.
            assert await invoke(addr, INSTANCE, "hello", sig(package, "hello"), ()) == "hi"

    run(body())


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        (b"\x00\x03\x02hi" + b"\x00\x01\x00", WrpcRule.ROOT_TRAILING_BYTES),
        (b"\x00\x03\x02hi" + b"\x01\x00\x01\x00", WrpcRule.UNKNOWN_PATH),
        (b"\x00\x02\x02h", Rule.STRING_TRUNCATED),
        (b"\x00\x03\x02h", Rule.FRAME_TRUNCATED),
        (b"\x00\x03\x02\xc3\x28", Rule.STRING_UTF8),
        (b"", Rule.LEB128_TRUNCATED),  # closed without any result byte
    ],
)
def test_malformed_results_fail_with_their_rule(
    package: WitPackage, reply: bytes, rule: AnyRule
) -> None:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.write(reply)
        writer.close()

    async def body() -> None:
        raw = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = raw.sockets[0].getsockname()[1]
        try:
            with pytest.raises(InvocationFailed) as info:
                await invoke(f"tcp://127.0.0.1:{port}", INSTANCE, "hello",
                             sig(package, "hello"), ())
            assert info.value.rule is rule
        finally:
            raw.close()
            await raw.wait_closed()

    run(body())


def test_connection_refused_is_an_invocation_failure(package: WitPackage) -> None:
    async def body() -> None:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # nothing listens there now
        with pytest.raises(InvocationFailed, match="cannot connect"):
            await invoke(f"tcp://127.0.0.1:{port}", INSTANCE, "hello", sig(package, "hello"), ())

    run(body())


# ------------------------------------------------------------------------ transports


@pytest.mark.skipif(sys.platform == "win32", reason="AF_UNIX sockets are not used on Windows")
def test_unix_socket(package: WitPackage) -> None:
    async def body() -> None:
        with tempfile.TemporaryDirectory(prefix="wrpc") as tmp:
            path = str(Path(tmp) / "s.sock")
            server = Server(functions_from_wit(package, World().handlers(), skipped=[]))
            assert await server.start_unix(path) == path
            assert server.addresses == [f"unix:{path}"]
            try:
                assert await invoke(f"unix:{path}", INSTANCE, "hello", sig(package, "hello"),
                                    ()) == "hi"
                assert await invoke(f"unix:{path}", INSTANCE, "count", sig(package, "count"),
                                    (9,)) == Ready(list(range(9)))
            finally:
                await server.close()
            assert not Path(path).exists()  # the server removes the socket file it created

    run(body())


def test_ipv6_loopback(package: WitPackage) -> None:
    async def body() -> None:
        server = Server(functions_from_wit(package, World().handlers(), skipped=[]))
        try:
            _, port = await server.start_tcp("::1", 0)
        except OSError as e:
            pytest.skip(f"IPv6 loopback not available here: {e}")
        try:
            assert server.addresses == [f"tcp://[::1]:{port}"]
            assert await invoke(f"tcp://[::1]:{port}", INSTANCE, "hello", sig(package, "hello"),
                                ()) == "hi"
        finally:
            await server.close()

    run(body())


# -------------------------------------------------------------------------- concurrency


def test_200_concurrent_calls(package: WitPackage) -> None:
    async def body() -> None:
        async with serving(package) as (server, addr):
            add = sig(package, "add")
            results = await asyncio.gather(
                *(invoke(addr, INSTANCE, "add", add, (i, 1000)) for i in range(200))
            )
            assert results == [i + 1000 for i in range(200)]
            assert server.stats.completed == 200 and server.stats.failed == 0
            assert server.stats.rejected == 0 and server.stats.active == 0

    run(body())


def test_concurrency_limit_closes_extra_connections(package: WitPackage) -> None:
    async def body() -> None:
        world = World()
        limits = WrpcLimits(max_concurrent=2)
        async with serving(package, world, limits=limits) as (server, addr):
            wait = sig(package, "wait")
            held = [asyncio.ensure_future(invoke(addr, INSTANCE, "wait", wait, ()))
                    for _ in range(2)]
            await until(lambda: server.stats.active == 2, "two invocations active")
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "hello", sig(package, "hello"), ())
            assert server.stats.rejected == 1
            world.gate.set()
            assert await asyncio.gather(*held) == [7, 7]
            assert server.stats.completed == 2

    run(body())


# ------------------------------------------------------------------------- backpressure


def test_send_buffer_bounded_when_the_client_never_reads(package: WitPackage) -> None:
    high, piece = 64 * 1024, 16 * 1024
    limits = WrpcLimits(max_buffered_bytes=high, write_size=piece, idle_timeout=10.0)

    async def body() -> None:
        async with serving(package, limits=limits) as (server, addr):
            parsed = parse_address(addr)
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
            sock.setblocking(False)
            await asyncio.get_running_loop().sock_connect(sock, (parsed.host, parsed.port))
            reader, writer = await asyncio.open_connection(sock=sock, limit=4096)
            writer.write(header(INSTANCE, "flood") + b"\x00\x00")
            writer.write_eof()
            # The handler's stream never ends and this client never reads.
            await until(lambda: server.stats.send_backpressure_waits >= 1,
                        "the server waits for the client to read")
            sent = server.stats.bytes_sent
            await asyncio.sleep(0.2)  # give a broken server room to keep buffering
            assert server.stats.send_buffer_high_water <= high + piece
            assert server.stats.bytes_sent - sent <= high + piece
            writer.transport.abort()
            await until(lambda: server.stats.failed == 1, "the abandoned call ends")
            assert server.stats.active == 0
            del reader

    run(body())


def test_receive_budget_pauses_reading_for_a_slow_handler(package: WitPackage) -> None:
    budget, read_size = 32 * 1024, 8 * 1024
    element = "y" * 1024
    chunk = [element] * 4
    chunk_wire = 1 + 4 * (2 + 1024)  # count, then 4 x (uleb32 1024 = 2 bytes, 1024 bytes)
    n_chunks = 200

    async def chunks() -> AsyncIterator[list[Any]]:
        for _ in range(n_chunks):
            yield chunk

    async def body() -> None:
        world = World()
        limits = WrpcLimits(max_buffered_bytes=budget, read_size=read_size, idle_timeout=10.0)
        async with serving(package, world, limits=limits) as (server, addr):
            client_stats = TransportStats()
            call = asyncio.ensure_future(invoke(
                addr, INSTANCE, "total-length", sig(package, "total-length"), (chunks(),),
                stats=client_stats,
            ))
            await until(lambda: server.stats.receive_pauses >= 1, "the server stops reading")
            # Checked after each read: at most one read (and the chunk it completes) beyond.
            assert server.stats.receive_buffer_high_water <= budget + read_size + chunk_wire
            world.gate.set()
            assert await call == n_chunks * 4 * 1024
            assert client_stats.bytes_sent > n_chunks * chunk_wire

    run(body())


# ---------------------------------------------------------------------- timeouts and limits


def test_server_idle_timeout(package: WitPackage) -> None:
    async def body() -> None:
        async with serving(package, limits=WrpcLimits(idle_timeout=0.2)) as (server, addr):
            # Half a header, then silence (the write side stays open).
            assert await raw_exchange(addr, b"\x00\x05ab", half_close=False) in (b"",
                                                                                b"<reset>")
            assert server.stats.idle_timeouts == 1
            assert last_failure(server) is WrpcRule.IDLE_TIMEOUT

    run(body())


def test_client_idle_timeout_and_call_timeout(package: WitPackage) -> None:
    answered = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()
            await answered.wait()  # never answers while the client waits
        finally:
            writer.close()

    async def body() -> None:
        raw = await asyncio.start_server(silent, "127.0.0.1", 0)
        addr = f"tcp://127.0.0.1:{raw.sockets[0].getsockname()[1]}"
        try:
            with pytest.raises(InvocationFailed) as info:
                await invoke(addr, INSTANCE, "hello", sig(package, "hello"), (),
                             limits=WrpcLimits(idle_timeout=0.2))
            assert info.value.rule is WrpcRule.IDLE_TIMEOUT
            with pytest.raises(asyncio.TimeoutError):
                await invoke(addr, INSTANCE, "hello", sig(package, "hello"), (), timeout=0.2)
        finally:
            answered.set()
            raw.close()
            await raw.wait_closed()

    run(body())


def test_name_length_limit(package: WitPackage) -> None:
    async def body() -> None:
        limits = WrpcLimits(codec=Limits(max_name_length=8))
        async with serving(package, limits=limits) as (server, addr):
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "hello", sig(package, "hello"), ())
            await until(lambda: server.stats.failed == 1, "the long name is rejected")
            assert last_failure(server) is Rule.LIMIT_NAME_LENGTH

    run(body())


def test_frame_data_limit_and_split_frames(package: WitPackage) -> None:
    async def body() -> None:
        limits = WrpcLimits(codec=Limits(max_frame_data=16))
        async with serving(package, limits=limits) as (server, addr):
            echo = sig(package, "echo-string")
            text = "z" * 40
            with pytest.raises(InvocationFailed):
                await invoke(addr, INSTANCE, "echo-string", echo, (text,))
            await until(lambda: server.stats.failed == 1, "the big frame is rejected")
            assert last_failure(server) is Rule.LIMIT_FRAME_DATA
            # The same value in frames of at most 16 bytes is accepted (and the server's own
            # frames are split the same way; the client has no frame limit here).
            assert await invoke(addr, INSTANCE, "echo-string", echo, (text,),
                                limits=WrpcLimits(send_frame_data=16)) == text

    run(body())


# -------------------------------------------------------------------- WIT and addresses


def test_functions_from_wit(package: WitPackage) -> None:
    handlers = World().handlers()

    async def nested(v: Any) -> None:
        return None

    with pytest.raises(WitError, match="no such function"):
        functions_from_wit(package, {(INSTANCE, "absent"): nested})
    with pytest.raises(UnsupportedSignature, match="nested async"):
        functions_from_wit(package, {(INSTANCE, "nested"): nested})
    skipped: list[tuple[tuple[str, str], str]] = []
    served = functions_from_wit(package, {**handlers, (INSTANCE, "nested"): nested},
                                skipped=skipped)
    assert [key for key, _ in skipped] == [(INSTANCE, "nested")]
    assert {(f.instance, f.name) for f in served} == set(handlers)


@pytest.mark.parametrize(
    ("text", "kind", "host", "port", "path"),
    [
        ("tcp://127.0.0.1:8080", "tcp", "127.0.0.1", 8080, ""),
        ("tcp://[::1]:0", "tcp", "::1", 0, ""),
        ("tcp://localhost:1", "tcp", "localhost", 1, ""),
        ("unix:/tmp/x.sock", "unix", "", 0, "/tmp/x.sock"),
        ("unix:rel.sock", "unix", "", 0, "rel.sock"),
    ],
)
def test_parse_address(text: str, kind: str, host: str, port: int, path: str) -> None:
    address = parse_address(text)
    assert (address.kind, address.host, address.port, address.path) == (kind, host, port, path)
    assert str(address) == text


@pytest.mark.parametrize(
    "text",
    ["127.0.0.1:80", "tcp://127.0.0.1", "tcp://:80", "tcp://::1:80", "tcp://[::1]80",
     "tcp://[]:80", "tcp://h:99999", "tcp://h:-1", "tcp://h:80/x", "unix:", "udp://h:1",
     "tcp://[127.0.0.1]:80"],
)
def test_parse_address_rejects(text: str) -> None:
    with pytest.raises(AddressError):
        parse_address(text)
