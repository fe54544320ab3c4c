"""Capacity checks of the reference wRPC server, run as a real subprocess on loopback.

(a) Memory stays bounded: frames that *claim* huge sizes (a 4 GiB payload, a path of 2^32 - 1
    elements) must not make the server allocate what they claim (wrpc.md §2: a robust peer
    bounds every length it reads). Its resident set size, read from /proc (Linux only), must
    stay within 8 MiB of what it was idle while those connections are held open, and a plain
    call must still work.
(b) 1,000 invocations at once (sync echo and streaming echo mixed) on one server, each result
    byte-exact. Bounded by a generous timeout; speed is not asserted (see bench/).

Requests and expected answers are written from the spec (wrpc.md §2-§4), with a minimal client
here rather than the reference client, so the server is checked against the wire rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from wasmnet_reference.codec.leb128 import encode_uleb
from wasmnet_reference.framing import ROOT, decode_stream, encode_frame, encode_header

REPO = Path(__file__).resolve().parents[1]
ECHO = "wasmnet:conformance/echo@0.1.0"
ASYNC = "wasmnet:conformance/async-echo@0.1.0"
START_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 30.0
RSS_BUDGET = 8 << 20
"""How far the server's RSS may grow above idle while the hostile connections are open."""
HOSTILE_EACH = 8
"""Connections of each hostile kind held open at once."""
CONCURRENT = 1000
LOAD_TIMEOUT_S = 180.0
"""Generous bound for the 1,000 invocations on a loaded machine (not a performance check)."""
U32_MAX = 0xFFFF_FFFF


def u32(n: int) -> bytes:
    return encode_uleb(n)


# --------------------------------------------------------------------------- the server


class RunningServer:
    def __init__(self, proc: subprocess.Popen[bytes], host: str, port: int) -> None:
        self.proc = proc
        self.host = host
        self.port = port


@contextlib.contextmanager
def reference_server(*extra: str) -> Iterator[RunningServer]:
    """``python -m wasmnet_reference.wrpc serve`` on an ephemeral loopback port; stopped by
    closing its stdin (``--exit-on-stdin-eof``), killed if it does not stop."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wasmnet_reference.wrpc", "serve",
         "--wit", str(REPO / "conformance" / "wit"), "--listen", "tcp://127.0.0.1:0",
         "--exit-on-stdin-eof", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = _readline(proc, START_TIMEOUT_S)
        if not line.startswith("listening tcp://"):
            pytest.fail(f"reference server did not start: {line!r}")
        host, _, port = line.split("://", 1)[1].rpartition(":")
        yield RunningServer(proc, host.strip("[]"), int(port))
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _readline(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """The server's first stdout line, bounded in time (a thread: portable)."""
    out: list[bytes] = []
    stdout = proc.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: out.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return out[0].decode("utf-8", "replace").strip() if out else ""


# --------------------------------------------------------------------------- a tiny client

def echo_u32_request(value_bytes: bytes) -> bytes:
    return encode_header(ECHO, "echo-u32") + encode_frame(ROOT, value_bytes)


async def call(host: str, port: int, request: bytes) -> bytes:
    """One invocation: send, half-close (wrpc.md §1), read the answer to end-of-stream."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        await writer.drain()
        writer.write_eof()
        return await reader.read(-1)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()


def root_of(answer: bytes) -> bytes:
    _, frames = decode_stream(answer, expect_header=False)
    return b"".join(f.data for f in frames if f.path == ROOT)


def stream_u8_elements(answer: bytes) -> bytes:
    """The elements of a ``stream<u8>`` result sent pending (root ``00``) with its chunks on
    path [0]: each chunk is uleb32(count) ++ bytes, the empty chunk ends it (wrpc.md §3)."""
    _, frames = decode_stream(answer, expect_header=False)
    assert b"".join(f.data for f in frames if f.path == ROOT) == b"\x00"
    data = b"".join(f.data for f in frames if f.path == (0,))
    assert not [f for f in frames if f.path not in (ROOT, (0,))]
    out = bytearray()
    pos = 0
    while True:
        count, shift = 0, 0
        while True:
            byte = data[pos]
            pos += 1
            count |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        if count == 0:
            assert pos == len(data), "bytes after the stream's end marker"
            return bytes(out)
        out += data[pos : pos + count]
        pos += count


def stream_u8_request(payload: bytes, chunk: int) -> bytes:
    """echo-stream-u8 with the parameter sent pending and its chunks on path [0]."""
    frames = [encode_frame(ROOT, b"\x00")]
    for start in range(0, len(payload), chunk):
        piece = payload[start : start + chunk]
        frames.append(encode_frame((0,), u32(len(piece)) + piece))
    frames.append(encode_frame((0,), b"\x00"))
    return encode_header(ASYNC, "echo-stream-u8") + b"".join(frames)


# ------------------------------------------------------------------------------- (a) memory

PROC_STATUS = Path("/proc/self/status")


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS line")


@pytest.mark.skipif(not PROC_STATUS.exists(),
                    reason="RSS is read from /proc/PID/status, which only Linux has")
def test_claimed_sizes_do_not_allocate() -> None:
    with reference_server() as server:
        asyncio.run(_memory_check(server))


async def _memory_check(server: RunningServer) -> None:
    plain = echo_u32_request(bytes.fromhex("e58e26"))
    expected = bytes.fromhex("e58e26")  # u32 624485 (wrpc.md §4 example)
    for _ in range(20):  # warm up: code paths loaded, allocator settled
        assert root_of(await asyncio.wait_for(call(server.host, server.port, plain),
                                              CALL_TIMEOUT_S)) == expected
    await asyncio.sleep(0.5)
    idle = rss_bytes(server.proc.pid)

    claim_4g = (encode_header(ECHO, "echo-list-u8")
                + b"\x00" + u32(U32_MAX)  # root frame announcing 2^32 - 1 data bytes
                + u32(1 << 20) + bytes(64 * 1024))  # a list<u8> of 2^20 being streamed in
    claim_path = encode_header(ECHO, "echo-u32") + u32(U32_MAX)  # path_len 2^32 - 1
    hostile = []
    for request in [claim_4g] * HOSTILE_EACH + [claim_path] * HOSTILE_EACH:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(request)
        await writer.drain()
        hostile.append((reader, writer))
    peak = idle
    for _ in range(10):  # the connections stay open (the claimed bytes never come)
        await asyncio.sleep(0.1)
        peak = max(peak, rss_bytes(server.proc.pid))
    answer = await asyncio.wait_for(call(server.host, server.port, plain), CALL_TIMEOUT_S)
    peak = max(peak, rss_bytes(server.proc.pid))
    for _, writer in hostile:
        writer.close()
    assert root_of(answer) == expected, "a plain call failed while hostile connections were open"
    assert peak - idle <= RSS_BUDGET, (
        f"RSS grew by {(peak - idle) / 2**20:.1f} MiB (idle {idle / 2**20:.1f} MiB) while "
        f"{2 * HOSTILE_EACH} connections claimed 4 GiB payloads / 2^32-element paths"
    )


# ------------------------------------------------------------------------- (b) 1,000 at once


def _raise_fd_limit(needed: int) -> None:
    """Each invocation needs a socket here and one in the server (which inherits our limit)."""
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit to raise
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.skip(f"needs {needed} file descriptors, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def test_thousand_concurrent_invocations_are_byte_exact() -> None:
    _raise_fd_limit(CONCURRENT + 256)
    with reference_server("--max-concurrent", str(CONCURRENT + 24)) as server:
        results = asyncio.run(asyncio.wait_for(_load(server), LOAD_TIMEOUT_S))
    bad = [r for r in results if r is not None]
    assert bad == [], f"{len(bad)} of {CONCURRENT} invocations were wrong, e.g. {bad[:3]}"


async def _load(server: RunningServer) -> list[str | None]:
    rng = random.Random(1000)
    start = asyncio.Event()

    async def one(i: int) -> str | None:
        await start.wait()
        if i % 2:
            value = rng.randrange(1 << 32)
            request = echo_u32_request(u32(value))
            answer = await call(server.host, server.port, request)
            got = root_of(answer)
            return None if got == u32(value) else f"#{i} echo-u32 {value}: {got.hex()}"
        payload = rng.randbytes(rng.randrange(1, 2048))
        answer = await call(server.host, server.port,
                            stream_u8_request(payload, rng.choice([61, 512, 4096])))
        got = stream_u8_elements(answer)
        return None if got == payload else f"#{i} echo-stream-u8: {len(got)} != {len(payload)}"

    tasks = [asyncio.ensure_future(one(i)) for i in range(CONCURRENT)]
    start.set()  # every invocation starts at once
    results = await asyncio.gather(*tasks, return_exceptions=True)
    return [r if not isinstance(r, BaseException) else f"{type(r).__name__}: {r}"
            for r in results]

