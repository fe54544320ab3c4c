"""The reference wRPC server with exactly one deliberate bug, as a real process.

    python tests/faulty_servers/server.py BUG [--listen ADDR ...] [--exit-on-stdin-eof]

Prints ``listening ADDR`` per address like the reference (``python -m wasmnet_reference.wrpc
serve``), serves the conformance world with the reference handlers, and misbehaves in one way:

- ``accepts-bad-version``: reads any protocol version byte as 0 (wrpc.md §2: only 0 is defined);
- ``crashes-on-hostile-path-length``: the process dies when a frame's path length is over the
  limit (a robust server bounds it and fails the call, wrpc.md §2);
- ``ignores-stream-end-markers``: when the client half-closes, every parameter stream that got
  data is taken as complete, as if its empty end chunk had arrived (wrpc.md §3: each stream
  MUST finish with an empty list<T>);
- ``leaks-connection-per-call``: keeps a duplicate of every accepted socket forever (the client
  still sees a normal FIN), so descriptors grow by one per call.

Each bug sits in front of the unchanged reference ``Server`` (a filter on the bytes it reads,
or a hold on its sockets), so everything else behaves exactly like the reference. Used by
tests/test_wrpc_server_role_faulty.py to check that the suite reports the bug by case ID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

from wasmnet_reference.codec import ValueDecoder
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing import (
    ROOT,
    FrameData,
    Header,
    Path,
    StreamDecoder,
    encode_frame,
)
from wasmnet_reference.rules import Rule
from wasmnet_reference.values import PENDING
from wasmnet_reference.wit.loader import WitPackage, load_wit_path
from wasmnet_reference.wit.types import RecordType, StreamType, WitType
from wasmnet_reference.wrpc import Server, WrpcLimits, functions_from_wit, parse_address
from wasmnet_reference.wrpc_world.handlers import handlers
from wasmnet_reference.wrpc_world.world import wit_dir

CRASH_EXIT_CODE = 70
READ_CHUNK = 65536
END_OF_STREAM = b"\x00"


class Filter:
    """Rewrites the bytes a connection reads, before the reference server sees them."""

    def data(self, chunk: bytes) -> bytes:
        return chunk

    def eof(self) -> bytes:
        """Bytes to deliver just before the client's end-of-stream."""
        return b""


class VersionZero(Filter):
    """Bug: the first byte (the protocol version) is always read as 0."""

    def __init__(self) -> None:
        self.first = True

    def data(self, chunk: bytes) -> bytes:
        if self.first and chunk:
            self.first = False
            return b"\x00" + chunk[1:]
        return chunk


class CrashOnLongPath(Filter):
    """Bug: the process dies as soon as a frame announces a path longer than the limit."""

    def __init__(self) -> None:
        self.decoder: StreamDecoder | None = StreamDecoder(expect_header=True)

    def data(self, chunk: bytes) -> bytes:
        if self.decoder is not None:
            try:
                self.decoder.feed(chunk)
            except WireError as e:
                self.decoder = None
                if e.rule is Rule.LIMIT_PATH_LENGTH:
                    print(f"crashing on purpose: {e}", file=sys.stderr, flush=True)
                    os._exit(CRASH_EXIT_CODE)
        return chunk


def stream_paths(types: tuple[WitType, ...]) -> dict[Path, StreamType]:
    """Top-level stream parameters and stream fields of record parameters."""
    out: dict[Path, StreamType] = {}
    for i, ty in enumerate(types):
        if isinstance(ty, StreamType):
            out[(i,)] = ty
        elif isinstance(ty, RecordType):
            for j, f in enumerate(ty.fields):
                if isinstance(f.type, StreamType):
                    out[(i, j)] = f.type
    return out


class EndAtFin(Filter):
    """Bug: at the client's FIN, each parameter stream that got data but no end marker is
    ended, as if the client had sent the empty chunk."""

    def __init__(self, package: WitPackage) -> None:
        self.package = package
        self.decoder: StreamDecoder | None = StreamDecoder(expect_header=True)
        self.streams: dict[Path, StreamType] = {}
        self.chunks: dict[Path, ValueDecoder] = {}
        self.ended: set[Path] = set()
        self.seen: set[Path] = set()

    def _signature(self, header: Header) -> None:
        for iface in self.package.interfaces.values():
            if iface.qualified_name == header.instance and header.function in iface.functions:
                fn = iface.functions[header.function]
                self.streams = stream_paths(tuple(t for _, t in fn.params))

    def data(self, chunk: bytes) -> bytes:
        if self.decoder is None:
            return chunk
        try:
            for event in self.decoder.feed(chunk):
                if isinstance(event, Header):
                    self._signature(event)
                elif isinstance(event, FrameData) and event.path != ROOT:
                    self._track(event.path, event.data)
        except WireError:
            self.decoder = None
        return chunk

    def _track(self, path: Path, data: bytes) -> None:
        ty = self.streams.get(path)
        if ty is None or path in self.ended or not data:
            return
        self.seen.add(path)
        pos = 0
        while pos < len(data) and path not in self.ended:
            decoder = self.chunks.setdefault(path, ValueDecoder(ty))
            pos += decoder.feed(data[pos:])
            if decoder.done:
                del self.chunks[path]
                if decoder.value is PENDING:  # the empty chunk
                    self.ended.add(path)

    def eof(self) -> bytes:
        return b"".join(encode_frame(p, END_OF_STREAM) for p in sorted(self.seen - self.ended))


class FaultyServer(Server):
    """The reference server with a byte filter and/or a socket leak in front of it."""

    def __init__(self, *args: Any, make_filter: Callable[[], Filter] | None = None,
                 leak: bool = False, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.make_filter = make_filter
        self.leak = leak
        self.held: list[socket.socket] = []

    async def _on_connect(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        held: socket.socket | None = None
        if self.leak:
            sock = writer.get_extra_info("socket")
            if sock is not None:
                held = socket.socket(fileno=os.dup(sock.fileno()))
                self.held.append(held)
        pump: asyncio.Task[None] | None = None
        if self.make_filter is not None:
            filtered = asyncio.StreamReader(limit=self.limits.read_size)
            pump = asyncio.ensure_future(_pump(reader, filtered, self.make_filter()))
            reader = filtered
        try:
            await super()._on_connect(reader, writer)
        finally:
            if pump is not None:
                pump.cancel()
                await asyncio.gather(pump, return_exceptions=True)
            if held is not None:
                # The duplicate keeps the socket (and a descriptor) alive: end both
                # directions so the client still sees the connection end, but never close.
                with contextlib.suppress(OSError):
                    held.shutdown(socket.SHUT_RDWR)


async def _pump(src: asyncio.StreamReader, dst: asyncio.StreamReader, f: Filter) -> None:
    try:
        while True:
            chunk = await src.read(READ_CHUNK)
            if not chunk:
                break
            dst.feed_data(f.data(chunk))
        tail = f.eof()
        if tail:
            dst.feed_data(tail)
        dst.feed_eof()
    except (OSError, asyncio.IncompleteReadError) as e:
        dst.set_exception(e)


BUGS = ("accepts-bad-version", "crashes-on-hostile-path-length", "ignores-stream-end-markers",
        "leaks-connection-per-call")


def build(bug: str) -> FaultyServer:
    package = load_wit_path(wit_dir())
    functions = functions_from_wit(package, handlers(), skipped=[])
    make: Callable[[], Filter] | None = None
    if bug == "accepts-bad-version":
        make = VersionZero
    elif bug == "crashes-on-hostile-path-length":
        make = CrashOnLongPath
    elif bug == "ignores-stream-end-markers":
        def make() -> Filter:
            return EndAtFin(package)
    return FaultyServer(functions, limits=WrpcLimits(), make_filter=make,
                        leak=bug == "leaks-connection-per-call")


async def serve(server: FaultyServer, listens: list[str], exit_on_stdin_eof: bool) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for text in listens:
        address = parse_address(text)
        before = len(server.addresses)
        if address.kind == "unix":
            await server.start_unix(address.path)
        else:
            await server.start_tcp(address.host, address.port)
        for bound in server.addresses[before:]:
            print(f"listening {bound}", flush=True)
    if exit_on_stdin_eof:
        def wait_eof() -> None:
            with contextlib.suppress(OSError, ValueError):
                while sys.stdin.buffer.read(4096):
                    pass
            loop.call_soon_threadsafe(stop.set)

        threading.Thread(target=wait_eof, daemon=True).start()
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bug", choices=BUGS)
    parser.add_argument("--listen", action="append", default=[])
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    args = parser.parse_args(argv)
    asyncio.run(serve(build(args.bug), args.listen or ["tcp://127.0.0.1:0"],
                      args.exit_on_stdin_eof))
    return 0


if __name__ == "__main__":
    sys.exit(main())
