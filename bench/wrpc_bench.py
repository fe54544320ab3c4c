"""Benchmarks of the reference wRPC server (``python -m wasmnet_reference.wrpc serve``) on
loopback TCP: invocations per second of a synchronous echo at concurrency 1 and 64, and stream
throughput through ``echo-stream-u8``.

Numbers only: nothing is asserted (speed depends on the machine and its load). Every phase runs
for a fixed time, so the whole benchmark takes at most about a minute. Results are printed and
written as JSON (``--out``, default ``reports/bench/bench.json``) with the machine's details.

The client here is a minimal one written from the wire rules (wrpc.md §2-§4), so the numbers
measure the server (plus loopback and this client), and every answer is checked.

    python bench/wrpc_bench.py [--seconds S] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wasmnet_reference.codec.leb128 import encode_uleb
from wasmnet_reference.framing import ROOT, StreamDecoder, encode_frame, encode_header
from wasmnet_reference.framing.events import FrameData

REPO = Path(__file__).resolve().parents[1]
ECHO = "wasmnet:conformance/echo@0.1.0"
ASYNC = "wasmnet:conformance/async-echo@0.1.0"
START_TIMEOUT_S = 60.0
CALL_TIMEOUT_S = 30.0
CHUNK = 64 * 1024
"""Stream chunk size sent (elements per list<u8> chunk)."""
STREAM_CAP_BYTES = 256 << 20
"""Largest stream payload sent in one invocation."""


# ---------------------------------------------------------------------------------- server


@contextlib.contextmanager
def reference_server() -> Iterator[tuple[str, int]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "wasmnet_reference.wrpc", "serve",
         "--wit", str(REPO / "conformance" / "wit"), "--listen", "tcp://127.0.0.1:0",
         "--exit-on-stdin-eof", "--max-concurrent", "256"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )
    try:
        line = _first_line(proc)
        if not line.startswith("listening tcp://"):
            raise SystemExit(f"bench: the reference server did not start: {line!r}")
        host, _, port = line.split("://", 1)[1].rpartition(":")
        yield host.strip("[]"), int(port)
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


def _first_line(proc: subprocess.Popen[bytes]) -> str:
    out: list[bytes] = []
    stdout = proc.stdout
    assert stdout is not None
    reader = threading.Thread(target=lambda: out.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT_S)
    return out[0].decode("utf-8", "replace").strip() if out else ""


# ---------------------------------------------------------------------------------- client

U32_VALUE = bytes.fromhex("e58e26")  # 624485 (wrpc.md §4 example)
U32_REQUEST = encode_header(ECHO, "echo-u32") + encode_frame(ROOT, U32_VALUE)
U32_ANSWER_ROOT = U32_VALUE


async def sync_call(host: str, port: int) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(U32_REQUEST)
        writer.write_eof()
        answer = await reader.read(-1)
    finally:
        writer.close()
    decoder = StreamDecoder(expect_header=False)
    root = b"".join(e.data for e in decoder.feed(answer)
                    if isinstance(e, FrameData) and e.path == ROOT)
    decoder.end()
    if root != U32_ANSWER_ROOT:
        raise RuntimeError(f"echo-u32 answered {answer.hex()}")


async def sync_rate(host: str, port: int, concurrency: int, seconds: float) -> dict[str, Any]:
    """Invocations completed per second by ``concurrency`` workers calling back to back."""
    deadline = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await asyncio.wait_for(sync_call(host, port), CALL_TIMEOUT_S)
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return {"concurrency": concurrency, "invocations": done, "seconds": round(elapsed, 3),
            "invocations_per_s": round(done / elapsed, 1)}


async def stream_call(host: str, port: int, size: int) -> float:
    """Send ``size`` bytes through echo-stream-u8 (pending parameter, 64 KiB chunks) while
    reading the echo; the seconds from the first byte sent to the end of the answer."""
    reader, writer = await asyncio.open_connection(host, port)
    chunk = bytes(range(256)) * (CHUNK // 256)
    start = time.perf_counter()

    async def send() -> None:
        writer.write(encode_header(ASYNC, "echo-stream-u8") + encode_frame(ROOT, b"\x00"))
        sent = 0
        while sent < size:
            n = min(CHUNK, size - sent)
            writer.write(encode_frame((0,), encode_uleb(n) + chunk[:n]))
            await writer.drain()
            sent += n
        writer.write(encode_frame((0,), b"\x00"))  # the stream's end marker (wrpc.md §3)
        writer.write_eof()
        await writer.drain()

    async def receive() -> ChunkCounter:
        decoder = StreamDecoder(expect_header=False)
        counter = ChunkCounter()
        while True:
            data = await reader.read(1 << 16)
            if not data:
                decoder.end()
                return counter
            for event in decoder.feed(data):
                if isinstance(event, FrameData) and event.path == (0,):
                    counter.feed(event.data)

    try:
        _, counter = await asyncio.gather(send(), receive())
    finally:
        writer.close()
    elapsed = time.perf_counter() - start
    if counter.elements != size or not counter.ended:
        raise RuntimeError(f"echo-stream-u8 returned {counter.elements} of {size} elements "
                           f"(end marker {'seen' if counter.ended else 'missing'})")
    return elapsed


class ChunkCounter:
    """Counts the elements of ``list<u8>`` chunks on a stream path without touching each byte:
    uleb32(count) then ``count`` bytes, until the empty chunk (wrpc.md §3)."""

    def __init__(self) -> None:
        self.elements = 0
        self.ended = False
        self._remaining = 0  # element bytes of the current chunk still to come
        self._count = 0  # a count being read: value so far and shift
        self._shift = 0

    def feed(self, data: bytes) -> None:
        pos, end = 0, len(data)
        while pos < end:
            if self._remaining:
                step = min(self._remaining, end - pos)
                self._remaining -= step
                self.elements += step
                pos += step
                continue
            if self.ended:
                raise RuntimeError("bytes after the stream's end marker")
            byte = data[pos]
            pos += 1
            self._count |= (byte & 0x7F) << self._shift
            self._shift += 7
            if byte < 0x80:
                if self._count == 0:
                    self.ended = True
                self._remaining, self._count, self._shift = self._count, 0, 0


async def stream_rate(host: str, port: int, seconds: float) -> dict[str, Any]:
    """MB/s (10^6 bytes of elements per second, one way) through echo-stream-u8; the payload
    doubles from 1 MiB while the time allows."""
    deadline = time.perf_counter() + seconds
    size = 1 << 20
    best: dict[str, Any] = {}
    runs = []
    while time.perf_counter() < deadline and size <= STREAM_CAP_BYTES:
        elapsed = await asyncio.wait_for(stream_call(host, port, size), CALL_TIMEOUT_S * 4)
        mbps = size / elapsed / 1e6
        runs.append({"bytes": size, "seconds": round(elapsed, 3), "mb_per_s": round(mbps, 2)})
        if not best or mbps > best["mb_per_s"]:
            best = runs[-1]
        if elapsed * 2.5 > deadline - time.perf_counter():
            break
        size *= 2
    return {"chunk_bytes": CHUNK, "runs": runs, "best_mb_per_s": best.get("mb_per_s")}


# ------------------------------------------------------------------------------------ main


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    if hasattr(os, "getloadavg"):
        with contextlib.suppress(OSError):
            info["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    return info


async def run(seconds: float) -> dict[str, Any]:
    with reference_server() as (host, port):
        for _ in range(20):  # warm-up: imports and code paths of the server
            await sync_call(host, port)
        return {
            "sync_echo_u32": [await sync_rate(host, port, 1, seconds),
                              await sync_rate(host, port, 64, seconds)],
            "stream_echo_u8": await stream_rate(host, port, seconds * 1.5),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="time per phase (sync c=1, sync c=64, stream x1.5; default 12)")
    parser.add_argument("--out", type=Path, default=REPO / "reports" / "bench" / "bench.json")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    clock = time.perf_counter()
    results = asyncio.run(run(args.seconds))
    report = {
        "format": "wasmnet-bench/1",
        "started": started,
        "duration_s": round(time.perf_counter() - clock, 2),
        "target": "reference wRPC server (python -m wasmnet_reference.wrpc serve), loopback TCP",
        "machine": machine(),
        "results": results,
        "note": "measurements only; nothing is asserted",
    }
    for r in results["sync_echo_u32"]:
        print(f"sync echo-u32, concurrency {r['concurrency']:>3}: "
              f"{r['invocations_per_s']:>8.1f} invocations/s ({r['invocations']} in "
              f"{r['seconds']} s)")
    stream = results["stream_echo_u8"]
    for r in stream["runs"]:
        print(f"echo-stream-u8 {r['bytes'] / 2**20:>6.0f} MiB: {r['mb_per_s']:>7.2f} MB/s "
              f"({r['seconds']} s)")
    print(f"stream throughput (best): {stream['best_mb_per_s']} MB/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out} (total {report['duration_s']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
