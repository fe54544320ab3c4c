"""A small wRPC client for the client-role self-tests, with at most one deliberate bug.

Usage (docs/wrpc-client-contract.md, with the bug chosen first)::

    python faulty_client.py [--bug NAME] ADDR INSTANCE FUNCTION [WAVE-ARG ...]

Without ``--bug`` it is a plain, correct client written independently of the reference client
(blocking sockets, reads the whole answer to end-of-stream, then decodes it): the suite must
pass it. Each bug breaks exactly one rule, and the self-tests check that the cases naming that
rule fail while an unrelated case still passes:

- ``no-half-close``: never shuts down its write side (wrpc.md §1 MUST);
- ``accepts-truncated``: pads results cut short by end-of-stream with zero bytes and prints them;
- ``u32-fixed-width``: encodes ``u32`` parameters as 4 little-endian bytes, not LEB128;
- ``ignores-stream-end``: treats a stream as complete at end-of-stream, end marker or not;
- ``no-timeout``: ignores WASMNET_CLIENT_TIMEOUT and waits for the server forever;
- ``retries``: after a failed invocation, connects and tries once more;
- ``exit-0-on-failure``: reports a failed invocation with exit status 0;
- ``frame-is-value``: decodes the results from the first root frame only.

Supported calls: parameters and results whose futures and streams are top-level (the shapes
the tests use).
"""

from __future__ import annotations

import os
import socket
import struct
import sys
from pathlib import Path

from wasmnet_reference.codec import decode_prefix, encode_value
from wasmnet_reference.errors import WireError, WitError
from wasmnet_reference.framing import ROOT, decode_stream, encode_frame, encode_header
from wasmnet_reference.values import PENDING, Ready, Value
from wasmnet_reference.wave import WaveError, format_wave, parse_wave
from wasmnet_reference.wit.loader import WitFunction, load_wit_path
from wasmnet_reference.wit.types import FutureType, ListType, Prim, StreamType, WitType

BUGS = ("no-half-close", "accepts-truncated", "u32-fixed-width", "ignores-stream-end",
        "no-timeout", "retries", "exit-0-on-failure", "frame-is-value")
DEFAULT_TIMEOUT_S = 10.0
MAX_ANSWER = 16 << 20


class Failed(Exception):
    """The invocation failed: exit 1."""


class Usage(Exception):
    """The command line is unusable: exit 2."""


def find_function(instance: str, name: str) -> WitFunction:
    wit = os.environ.get("WASMNET_CONFORMANCE_WIT")
    if not wit:
        raise Usage("WASMNET_CONFORMANCE_WIT is not set")
    try:
        package = load_wit_path(Path(wit))
    except WitError as e:
        raise Usage(f"cannot load WIT: {e}") from None
    if instance == "":
        for functions in package.world_functions.values():
            if name in functions:
                return functions[name]
    for iface in package.interfaces.values():
        if iface.qualified_name == instance and name in iface.functions:
            return iface.functions[name]
    raise Usage(f"no function {name!r} in instance {instance!r}")


def encode_params(values: list[Value], types: list[WitType], bug: str | None) \
        -> tuple[bytes, list[bytes]]:
    """Root bytes, then the frames of pending streams/futures (top-level only)."""
    root = bytearray()
    later: list[bytes] = []
    for i, (value, ty) in enumerate(zip(values, types, strict=True)):
        if isinstance(ty, StreamType) and isinstance(value, Ready):
            assert ty.inner is not None and isinstance(value.value, list)
            root += b"\x00"
            if value.value:
                later.append(encode_frame((i,), encode_value(value.value, ListType(ty.inner))))
            later.append(encode_frame((i,), b"\x00"))
        elif isinstance(ty, FutureType) and isinstance(value, Ready):
            assert ty.inner is not None
            root += b"\x00"
            later.append(encode_frame((i,), encode_value(value.value, ty.inner)))
        elif bug == "u32-fixed-width" and ty is Prim.U32:
            assert isinstance(value, int)
            root += struct.pack("<I", value)
        else:
            root += encode_value(value, ty)
    return bytes(root), later


def connect(address: str, timeout: float | None) -> socket.socket:
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://"):].rpartition(":")
        sock = socket.create_connection((host.strip("[]"), int(port)), timeout=timeout)
    elif address.startswith("unix:"):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # type: ignore[attr-defined,unused-ignore]
        sock.settimeout(timeout)
        sock.connect(address[len("unix:"):])
    else:
        raise Usage(f"bad address {address!r}")
    return sock


def exchange(address: str, request: bytes, timeout: float | None, bug: str | None) -> bytes:
    """Send the request, half-close, read the whole answer."""
    try:
        with connect(address, timeout) as sock:
            sock.sendall(request)
            if bug != "no-half-close":
                sock.shutdown(socket.SHUT_WR)
            answer = bytearray()
            while True:
                data = sock.recv(65536)
                if not data:
                    return bytes(answer)
                answer += data
                if len(answer) > MAX_ANSWER:
                    raise Failed("answer too large")
    except TimeoutError:
        raise Failed(f"no complete answer within {timeout} s") from None
    except OSError as e:
        raise Failed(f"{type(e).__name__}: {e}") from None


def decode_results(answer: bytes, result: WitType | None, bug: str | None) -> Value:
    try:
        _, frames = decode_stream(answer, expect_header=False)
    except WireError as e:
        raise Failed(f"bad frames: {e}") from None
    paths: dict[tuple[int, ...], bytearray] = {}
    for frame in frames:
        paths.setdefault(frame.path, bytearray()).extend(frame.data)
        if bug == "frame-is-value" and frame.path == ROOT:
            break
    root = bytes(paths.pop(ROOT, b""))
    if result is None:
        if root or any(paths.values()):
            raise Failed("data for a function without results")
        return None
    try:
        value, used = decode_prefix(root, result)
    except WireError as e:
        if bug != "accepts-truncated" or "truncated" not in e.rule.id:
            raise Failed(f"bad result: {e}") from None
        value, used = decode_prefix(root + bytes(16), result)
        used = len(root)
    if used != len(root):
        raise Failed(f"{len(root) - used} bytes after the result")
    if value is PENDING:
        value = Ready(collect(result, bytes(paths.pop((0,), b"")), bug))
    if any(paths.values()):
        raise Failed(f"data on unknown paths {sorted(paths)}")
    return value


def collect(ty: WitType, data: bytes, bug: str | None) -> Value:
    """A pending stream's chunks or a pending future's value from its path's bytes."""
    assert isinstance(ty, (StreamType, FutureType)) and ty.inner is not None
    try:
        if isinstance(ty, FutureType):
            value, used = decode_prefix(data, ty.inner)
            if used != len(data):
                raise Failed("bytes after the future's value")
            return value
        items: list[Value] = []
        pos = 0
        while True:
            if pos == len(data) and bug == "ignores-stream-end":
                return items
            chunk, used = decode_prefix(data[pos:], ListType(ty.inner))
            pos += used
            assert isinstance(chunk, list)
            if not chunk:
                break
            items.extend(chunk)
        if pos != len(data):
            raise Failed("bytes after the stream's end")
        return items
    except WireError as e:
        raise Failed(f"bad async data: {e}") from None


def main(argv: list[str]) -> int:
    bug = None
    if argv[:1] == ["--bug"]:
        bug, argv = argv[1], argv[2:]
        if bug not in BUGS:
            print(f"unknown bug {bug!r}; one of {', '.join(BUGS)}", file=sys.stderr)
            return 2
    try:
        if len(argv) < 3:
            raise Usage("usage: faulty_client.py [--bug NAME] ADDR INSTANCE FUNCTION [ARG ...]")
        address, instance, name, *texts = argv
        fn = find_function(instance, name)
        types = [t for _, t in fn.params]
        if len(texts) != len(types):
            raise Usage(f"{name} takes {len(types)} arguments, got {len(texts)}")
        try:
            values = [parse_wave(t, ty) for t, ty in zip(texts, types, strict=True)]
        except WaveError as e:
            raise Usage(f"bad argument: {e}") from None
        root, later = encode_params(values, types, bug)
        request = encode_header(instance, fn.name) + encode_frame(ROOT, root) + b"".join(later)
        env_timeout = os.environ.get("WASMNET_CLIENT_TIMEOUT")
        timeout = None if bug == "no-timeout" else float(env_timeout or DEFAULT_TIMEOUT_S)
        attempts = 2 if bug == "retries" else 1
        for attempt in range(attempts):
            try:
                answer = exchange(address, request, timeout, bug)
                value = decode_results(answer, fn.result, bug)
                break
            except Failed:
                if attempt + 1 == attempts:
                    raise
        print("" if fn.result is None else format_wave(value, fn.result))
        return 0
    except Usage as e:
        print(f"usage error: {e}", file=sys.stderr)
        return 2
    except Failed as e:
        print(f"invocation failed: {e}", file=sys.stderr)
        return 0 if bug == "exit-0-on-failure" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
