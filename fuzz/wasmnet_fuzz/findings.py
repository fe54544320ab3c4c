"""Findings: reproducing a crashing input, its signature, and minimizing it.

A finding's **signature** is (target, exception type, where): ``where`` is the property for an
:class:`~wasmnet_fuzz.common.InvariantViolation` (and the rule involved), the rule for an escaped
rule-carrying error, otherwise the innermost frame of project code (module and function, never
a line number, so the signature survives unrelated edits). Findings with the same signature are
one bug: campaigns report them once and ``to_vector`` writes one file per signature.

The minimizer keeps the signature while making the input smaller: first at the level of the
structure (drop frames, join frames, drop list elements, ``none`` for options, shorter strings,
zero for numbers; every candidate re-encoded with the reference encoder, so it stays well
formed), then bytes (delta debugging over chunks). Bounded in attempts and time.
"""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from wasmnet_fuzz.common import InvariantViolation
from wasmnet_fuzz.structure import FrameSpec, StreamFormat, TypedFormat
from wasmnet_fuzz.targets import Target
from wasmnet_fuzz.tree import node_at, replace_at, size
from wasmnet_reference.codec.encode import encode_value
from wasmnet_reference.errors import EncodeError
from wasmnet_reference.values import Handle, Some, Value
from wasmnet_reference.wit.types import ListType, OptionType, Prim, WitType

PROJECT_PACKAGES = ("wasmnet_reference", "wasmnet_fuzz", "wasmnet_conformance")
MAX_ATTEMPTS = 4000
MAX_SECONDS = 60.0


@dataclass(frozen=True)
class Signature:
    target: str
    exception: str
    where: str

    def slug(self) -> str:
        """A file-name-safe form: lowercase letters, digits and dashes."""
        text = f"{self.target}-{self.exception}-{self.where}".lower()
        text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
        return text[:96].rstrip("-")

    def text(self) -> str:
        return f"{self.target} | {self.exception} | {self.where}"


def reproduce(target: Target, data: bytes) -> Exception | None:
    """The exception ``target`` raises on ``data``, or None if it handles it."""
    try:
        target.run(data)
    except Exception as exc:  # a finding is any exception: that is the point
        return exc
    return None


def _project_frame(exc: BaseException) -> str | None:
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        path = frame.filename.replace("\\", "/")
        for package in PROJECT_PACKAGES:
            marker = f"/{package}/"
            if marker in path:
                module = path.split(marker, 1)[1].removesuffix(".py").replace("/", ".")
                short = package.removeprefix("wasmnet_")
                return f"{short}.{module}.{frame.name}"
    return frames[-1].name if frames else None


def signature_of(target: Target, exc: BaseException) -> Signature:
    name = type(exc).__name__
    if isinstance(exc, InvariantViolation):
        where = exc.check if exc.rule is None else f"{exc.check} {exc.rule}"
        return Signature(target.name, name, where)
    rule = getattr(exc, "rule", None)
    rule_id = getattr(rule, "id", None)
    if isinstance(rule_id, str):
        return Signature(target.name, name, rule_id)
    return Signature(target.name, name, _project_frame(exc) or "unknown")


# ----------------------------------------------------------------------------- minimization


def _shrunk_values(ty: WitType, value: Value) -> Iterator[Value]:
    """Smaller values of ``ty`` than ``value`` (at this node only)."""
    if isinstance(ty, ListType) and isinstance(value, list) and value:
        yield []
        for i in range(len(value)):
            yield value[:i] + value[i + 1 :]
    elif isinstance(ty, OptionType) and isinstance(value, Some):
        yield None
    elif isinstance(ty, Prim):
        if ty is Prim.STRING and isinstance(value, str) and value:
            yield ""
            yield value[: len(value) // 2]
            yield value[1:]
        elif ty.is_integer and value != 0:
            yield 0
        elif ty in (Prim.F32, Prim.F64) and value != 0.0:
            yield 0.0
    elif isinstance(value, Handle) and value.data:
        yield Handle(b"")


def _value_candidates(ty: WitType, value: Value) -> Iterator[Value]:
    """``value`` with one node made smaller, outer nodes first."""
    for k in range(size(ty, value)):
        node_ty, node_value = node_at(ty, value, k)
        for smaller in _shrunk_values(node_ty, node_value):
            yield replace_at(ty, value, k, _constant(smaller))[1]


def _constant(value: Value) -> Callable[[WitType, Value], tuple[WitType, Value]]:
    def change(ty: WitType, _old: Value) -> tuple[WitType, Value]:
        return ty, value

    return change


def _structure_candidates(target: Target, data: bytes) -> Iterator[bytes]:
    fmt = target.format
    if isinstance(fmt, TypedFormat):
        typed = fmt.parse(data)
        if typed.value is not None:
            for value in _value_candidates(typed.ty, typed.value):
                try:
                    yield typed.type_bytes + encode_value(value, typed.ty)
                except EncodeError:
                    continue
        return
    assert isinstance(fmt, StreamFormat)
    doc = fmt.parse(data)
    if doc.expects_header and doc.header is None:
        return
    frames = list(doc.frames)
    for i in range(len(frames)):  # drop one frame
        doc.frames = frames[:i] + frames[i + 1 :]
        yield doc.encode()
    for i in range(len(frames) - 1):  # join two frames of one path
        a, b = frames[i], frames[i + 1]
        if a.path == b.path:
            doc.frames = [*frames[:i], FrameSpec(a.path, a.data + b.data), *frames[i + 2 :]]
            yield doc.encode()
    doc.frames = frames
    if doc.tail:
        tail, doc.tail = doc.tail, b""
        yield doc.encode()
        doc.tail = tail
    ty = doc.root_type
    if ty is not None and doc.root_values is not None:
        for value in _value_candidates(ty, doc.root_values):
            try:
                root = encode_value(value, ty)
            except EncodeError:
                continue
            copy = fmt.parse(data)
            copy.set_root(root)
            yield copy.encode()


def _byte_candidates(data: bytes) -> Iterator[bytes]:
    """Delta debugging: remove chunks, halving the chunk size down to one byte."""
    chunk = max(1, len(data) // 2)
    while True:
        for start in range(0, len(data), chunk):
            yield data[:start] + data[start + chunk :]
        if chunk == 1:
            return
        chunk //= 2


def minimize(target: Target, data: bytes, signature: Signature, *,
             max_attempts: int = MAX_ATTEMPTS, max_seconds: float = MAX_SECONDS,
             log: Callable[[str], None] = lambda _: None) -> bytes:
    """The smallest input found that still gives ``signature``."""
    deadline = time.monotonic() + max_seconds
    attempts = 0
    best = data

    def keeps(candidate: bytes) -> bool:
        nonlocal attempts
        attempts += 1
        exc = reproduce(target, candidate)
        return exc is not None and signature_of(target, exc) == signature

    for source in (lambda d: _structure_candidates(target, d), _byte_candidates):
        improved = True
        while improved and attempts < max_attempts and time.monotonic() < deadline:
            improved = False
            for candidate in source(best):
                if attempts >= max_attempts or time.monotonic() >= deadline:
                    break
                if len(candidate) <= len(best) and candidate != best and keeps(candidate):
                    best = candidate
                    improved = True
                    break
    log(f"minimized {len(data)} -> {len(best)} bytes in {attempts} attempts")
    return best
