"""Bad input: wrong version, unknown instance or function, names that are not UTF-8, streams
cut short, hostile lengths, frames on paths that name nothing, and the world's failing calls.
Every case expects the server to close without complete results and to stay alive (a liveness
call follows each one)."""

from __future__ import annotations

from wasmnet_conformance.wrpc_server.cases.common import (
    R_FAILED_CALL,
    R_LIMITS,
    R_NAME_UTF8,
    R_NAMES,
    R_PATHS,
    R_TRUNCATED,
    R_VERSION,
    TRAILING_ROOT_BYTES,
    acceptable,
    cid,
    invalid,
    sent_whole,
)
from wasmnet_conformance.wrpc_server.model import ServerCase
from wasmnet_conformance.wrpc_server.request import Target, call, header, params_bytes
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.framing import ROOT, encode_frame, encode_header
from wasmnet_reference.framing.uleb32 import write_u32
from wasmnet_reference.values import Handle
from wasmnet_reference.wrpc_world import world as world_contract

U32_MAX = 0xFFFF_FFFF
PROBE_VALUE = 624485
"""echo-u32's argument in bad-input cases: a valid call apart from the broken part."""

# Byte sequences that are not UTF-8 (wrpc.md §4: strict UTF-8 everywhere).
BAD_UTF8: tuple[tuple[str, bytes], ...] = (
    ("overlong-slash", b"echo\xc0\xaf"),
    ("surrogate", b"echo\xed\xa0\x80"),
    ("lone-continuation", b"\x80echo"),
    ("cut-sequence", b"echo\xe2\x82"),
    ("above-10ffff", b"echo\xf4\x90\x80\x80"),
    ("byte-ff", b"echo\xff"),
)

LEB_6_BYTES = bytes.fromhex("808080808000")
"""0 as a 6-byte LEB128: one byte more than a uleb32 may take (wrpc.md §4)."""
LEB_UNUSED_BITS = bytes.fromhex("ffffffff1f")
"""A 5-byte uleb32 whose last byte sets bits beyond 32 (wrpc.md §4: they must be zero)."""
LEB_2_POW_32 = bytes.fromhex("8080808010")
"""2^32: one more than a uleb32 holds."""

UNKNOWN_PATH_AFTER_PARAMS = "unknown-path-after-params"
UNKNOWN_PATH_NOTE = (
    "A frame on a path that names no pending value, arriving after the parameters are "
    "complete: a server may already have answered (upstream's ingress fails only when the "
    "frame arrives, while the handler may have run), so which reading a server shows can "
    "depend on timing. Both pass under both profiles; the reading is recorded."
)


def bad_cases(world: World) -> list[ServerCase]:
    probe = world.target("echo", "echo-u32")
    root = params_bytes(probe, [PROBE_VALUE])
    good = call(probe, root)
    out: list[ServerCase] = []
    out.extend(_version(probe, good))
    out.extend(_names(world, probe, root))
    out.extend(_truncation(probe, good))
    out.extend(_limits(probe, root))
    out.extend(_paths(probe, root))
    out.extend(_world_failures(world))
    return out


def _version(probe: Target, good: bytes) -> list[ServerCase]:
    return [
        invalid(cid("header", f"version-{version}"), "header", R_VERSION,
                f"echo-u32 with version byte {version:#04x}", probe,
                sent_whole(bytes([version]) + good[1:]))
        for version in (1, 0x7F, 0x80, 0xFF)
    ]


def _names(world: World, probe: Target, root: bytes) -> list[ServerCase]:
    echo = probe.instance
    frame = encode_frame(ROOT, root)
    wrong: list[tuple[str, str, str, str]] = [
        ("instance-unknown", "wasmnet:conformance/nope@0.1.0", "echo-u32", "no such interface"),
        ("instance-other-version", "wasmnet:conformance/echo@0.2.0", "echo-u32",
         "the interface at another version"),
        ("instance-unversioned", "wasmnet:conformance/echo", "echo-u32",
         "the interface without its @version"),
        ("instance-empty-for-interface-function", "", "echo-u32",
         "an interface function called on the world's empty instance"),
        ("instance-world-function-in-interface", echo, "ping",
         "a world-level function called on an interface"),
        ("instance-uppercase", echo.upper(), "echo-u32", "names are case-sensitive"),
        ("function-unknown", echo, "echo-u33", "no such function"),
        ("function-empty", echo, "", "the empty function name"),
        ("function-uppercase", echo, "ECHO-U32", "names are case-sensitive"),
        ("function-trailing-space", echo, "echo-u32 ", "names are compared exactly"),
    ]
    out = [
        invalid(cid("header", label), "header", R_NAMES, f"{why}: {inst!r} {fn!r}", probe,
                sent_whole(encode_header(inst, fn) + frame))
        for label, inst, fn, why in wrong
    ]
    resources = world.target("resources", "counter.get")
    method_root = encode_frame(ROOT, params_bytes(resources, [Handle(b"\x00" * 4)]))
    for label, name in (("method-prefix", "[method]counter.get"),
                        ("constructor-prefix", "[constructor]counter")):
        out.append(invalid(
            cid("header", f"function-{label}"), "header", R_NAMES,
            f"{name!r}: the WIT name with its prefix is not the wire name", resources,
            sent_whole(encode_header(resources.instance, name) + method_root)))
    for label, raw in BAD_UTF8:
        out.append(invalid(cid("header", "instance-utf8", label), "header", R_NAME_UTF8,
                           f"instance name {raw.hex()}", probe,
                           sent_whole(encode_header(raw, "echo-u32") + frame)))
        out.append(invalid(cid("header", "function-utf8", label), "header", R_NAME_UTF8,
                           f"function name {raw.hex()}", probe,
                           sent_whole(encode_header(echo, raw) + frame)))
    return out


def _truncation(probe: Target, good: bytes) -> list[ServerCase]:
    head = len(header(probe))
    out = [
        invalid(cid("header", "truncated", f"at-{n}"), "header", R_TRUNCATED,
                f"echo-u32 header cut after {n} of {head} bytes, then FIN", probe,
                sent_whole(good[:n]))
        for n in range(head)
    ]
    out.append(invalid(cid("frame", "params-missing"), "frame",
                       f"wrpc.md §3: echo-u32 needs its u32 on the root channel; {R_FAILED_CALL}",
                       "echo-u32: header, no frame, FIN", probe, sent_whole(good[:head])))
    out.extend(
        invalid(cid("frame", "truncated", f"at-{n}"), "frame", R_TRUNCATED,
                f"echo-u32 cut {n - head} bytes into its root frame, then FIN", probe,
                sent_whole(good[:n]))
        for n in range(head + 1, len(good))
    )
    return out


def _limits(probe: Target, root: bytes) -> list[ServerCase]:
    head = header(probe)
    frame = encode_frame(ROOT, root)
    # Cut inside the parameter: a server may answer as soon as the parameters are complete,
    # so the stream must break before that for the call to be unanswerable.
    partial = root[:-1]
    hostile: list[tuple[str, bytes, str]] = [
        ("name-length-2^32-1", bytes([0]) + write_u32(U32_MAX, None) + b"wasmnet",
         "instance name length 2^32-1, 7 bytes of it, FIN"),
        ("name-length-2^31", bytes([0]) + write_u32(1 << 31, None) + b"wasmnet",
         "instance name length 2^31, 7 bytes of it, FIN"),
        ("name-length-leb-6-bytes", bytes([0]) + LEB_6_BYTES + b"\x08echo-u32" + frame,
         "instance name length as a 6-byte LEB128"),
        ("name-length-unused-bits", bytes([0]) + LEB_UNUSED_BITS + b"wasmnet",
         "instance name length with bits beyond 32 set"),
        ("path-length-2^32-1", head + write_u32(U32_MAX, None),
         "a frame announcing 2^32-1 path elements, then FIN"),
        ("path-length-2^32-1.with-elements", head + write_u32(U32_MAX, None) + b"\x00" * 64,
         "a frame announcing 2^32-1 path elements, 64 of them, FIN"),
        ("path-length-33", head + write_u32(33, None) + b"\x00" * 33 + b"\x01\x00" + frame,
         "a frame with 33 path elements (upstream limit 32; names no pending value)"),
        ("path-length-leb-6-bytes", head + LEB_6_BYTES + b"\x00" + frame,
         "path length as a 6-byte LEB128"),
        ("path-length-unused-bits", head + LEB_UNUSED_BITS + frame,
         "path length with bits beyond 32 set"),
        ("path-length-2^32", head + LEB_2_POW_32 + frame, "path length 2^32"),
        ("path-element-2^32-1", head + b"\x01" + write_u32(U32_MAX, None) + b"\x01\x00" + frame,
         "path [2^32-1] (names no pending value)"),
        ("path-element-leb-6-bytes", head + b"\x01" + LEB_6_BYTES + b"\x01\x00" + frame,
         "a path element as a 6-byte LEB128"),
        ("data-length-2^32-1", head + b"\x00" + write_u32(U32_MAX, None) + partial,
         "a root frame announcing 2^32-1 bytes, the first 2 of the u32's 3, FIN"),
        ("data-length-2^32-2", head + b"\x00" + write_u32(U32_MAX - 1, None) + partial,
         "a root frame announcing 2^32-2 bytes, the first 2 of the u32's 3, FIN"),
        ("data-length-2^31", head + b"\x00" + write_u32(1 << 31, None) + partial,
         "a root frame announcing 2^31 bytes, the first 2 of the u32's 3, FIN"),
        ("data-length-2^32", head + b"\x00" + LEB_2_POW_32 + root, "root data length 2^32"),
        ("data-length-leb-6-bytes", head + b"\x00" + LEB_6_BYTES + frame,
         "root data length as a 6-byte LEB128"),
        ("data-length-unused-bits", head + b"\x00" + LEB_UNUSED_BITS + root,
         "root data length with bits beyond 32 set"),
        ("data-length-2^32-1.unknown-path", head + b"\x01\x09" + write_u32(U32_MAX, None)
         + b"\x00" * 16, "a frame on path [9] announcing 2^32-1 bytes"),
    ]
    return [
        invalid(cid("limits", label), "limits", R_LIMITS, f"echo-u32: {text}", probe,
                sent_whole(data))
        for label, data, text in hostile
    ]


def _paths(probe: Target, root: bytes) -> list[ServerCase]:
    head = header(probe)
    frame = encode_frame(ROOT, root)
    out = [
        invalid(cid("frame", "unknown-path", "before-params"), "frame", R_PATHS,
                "echo-u32: a frame on path [1] (there is no parameter 1), then the parameters",
                probe, sent_whole(head + encode_frame((1,), b"\x2a") + frame)),
        invalid(cid("frame", "unknown-path", "sync-parameter"), "frame", R_PATHS,
                "echo-u32: a frame on path [0] (a u32 has no async data), then the parameters",
                probe, sent_whole(head + encode_frame((0,), b"\x2a") + frame)),
        invalid(cid("frame", "unknown-path", "deep"), "frame", R_PATHS,
                "echo-u32: a frame on path [0, 0, 0], then the parameters", probe,
                sent_whole(head + encode_frame((0, 0, 0), b"\x2a") + frame)),
        acceptable(cid("frame", "unknown-path", "after-params"), "frame",
                   f"{R_PATHS} [ambiguous: {UNKNOWN_PATH_AFTER_PARAMS}]",
                   "echo-u32: the parameters, then a frame on path [1]", probe,
                   sent_whole(head + frame + encode_frame((1,), b"\x2a")), [PROBE_VALUE],
                   flags=(UNKNOWN_PATH_AFTER_PARAMS,), strict_rejects=False),
        acceptable(cid("frame", "root-after-params"), "frame",
                   f"wrpc.md §3 [ambiguous: {TRAILING_ROOT_BYTES}]",
                   "echo-u32: the parameters, then another root frame with one byte", probe,
                   sent_whole(head + frame + encode_frame(ROOT, b"\x01")), [PROBE_VALUE],
                   flags=(TRAILING_ROOT_BYTES,), strict_rejects=False),
    ]
    return out


def _world_failures(world: World) -> list[ServerCase]:
    fail = world.target("echo", "fail")
    get = world.target("resources", "counter.get")
    increment = world.target("resources", "counter.increment")
    count = world.target("async-echo", "count")
    r_fail = f"docs/conformance-world.md: fail always fails; {R_FAILED_CALL}"
    r_handle = (
        "docs/conformance-world.md: counter methods fail on a handle the server did not "
        f"issue; {R_FAILED_CALL}"
    )
    bogus = Handle(b"not a handle of this server")
    return [
        invalid(cid("call", "fail"), "call", r_fail, "fail()", fail,
                sent_whole(call(fail, b""))),
        invalid(cid("resources", "counter.get", "unknown-handle"), "resources", r_handle,
                "counter.get on bytes the server never issued", get,
                sent_whole(call(get, params_bytes(get, [bogus])))),
        invalid(cid("resources", "counter.get", "empty-handle"), "resources", r_handle,
                "counter.get on an empty handle", get,
                sent_whole(call(get, params_bytes(get, [Handle(b"")])))),
        invalid(cid("resources", "counter.increment", "unknown-handle"), "resources", r_handle,
                "counter.increment on bytes the server never issued", increment,
                sent_whole(call(increment, params_bytes(increment, [bogus])))),
        invalid(cid("async", "count", "over-limit"), "async",
                f"docs/conformance-world.md: count fails when n > {world_contract.COUNT_MAX}; "
                f"{R_FAILED_CALL}", f"count({world_contract.COUNT_MAX + 1})", count,
                sent_whole(call(count, params_bytes(count, [world_contract.COUNT_MAX + 1])))),
    ]
