"""Reading and checking the request a client sends (wrpc.md §2, §3), sans-IO.

Feed the client's bytes as they arrive and call :meth:`RequestReader.eof` at its
end-of-stream. The reader never raises on bad input: the first broken rule is kept in
:attr:`RequestReader.error` and later bytes are ignored, so the suite can still answer the
client and judge what it does next. :func:`request_problems` turns what was read into the
findings a case judges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wasmnet_conformance.wrpc_client.assemble import AssemblyError, AsyncAssembler
from wasmnet_conformance.wrpc_client.rules import ClientRule
from wasmnet_reference.codec import encode_values
from wasmnet_reference.errors import EncodeError, FramingError
from wasmnet_reference.framing import FrameData, FrameStart, Header, StreamDecoder
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.values import Value, values_equal
from wasmnet_reference.wave import format_wave
from wasmnet_reference.wit.loader import WitFunction
from wasmnet_reference.wit.types import WitType


class RequestReader:
    """One client-to-server stream: header, then frames whose data makes up the parameters."""

    def __init__(self, function: WitFunction, limits: Limits = DEFAULT_LIMITS) -> None:
        self._frames = StreamDecoder(expect_header=True, limits=limits)
        self._types = tuple(t for _, t in function.params)
        self._values = AsyncAssembler(self._types, limits)
        self.header: Header | None = None
        self.error: str | None = None
        """The first broken rule, ``<rule id>: <detail>``."""
        self.frames = 0
        self.empty_frames = 0
        self.eof_seen = False

    @property
    def complete(self) -> bool:
        """The header and every parameter (async data included) have arrived."""
        return self.header is not None and self._values.done

    @property
    def stopped(self) -> bool:
        """Nothing more can change: complete, broken, or at end-of-stream."""
        return self.error is not None or self.eof_seen

    @property
    def values(self) -> tuple[Value, ...] | None:
        return self._values.values if self.complete else None

    @property
    def unclaimed(self) -> list[str]:
        return self._values.unclaimed

    def root_canonical(self) -> bytes | None:
        """What a canonical encoder writes on the root channel for the parameters as they
        were sent (pending markers in place), or None if that is not known."""
        if not self._values.root_done:
            return None
        try:
            return encode_values(self._values.root_values, self._types)
        except EncodeError:
            return None

    @property
    def root_bytes(self) -> bytes:
        return self._values.root_bytes

    def feed(self, data: bytes) -> None:
        if self.error is not None:
            return
        if self.eof_seen:
            return
        try:
            events = self._frames.feed(data)
        except FramingError as e:
            self.error = f"{e.rule.id}: {e}"
            return
        try:
            for event in events:
                if isinstance(event, Header):
                    self.header = event
                elif isinstance(event, FrameStart):
                    self.frames += 1
                    self.empty_frames += event.length == 0
                elif isinstance(event, FrameData):
                    self._values.feed(event.path, event.data)
        except AssemblyError as e:
            self.error = str(e)

    def eof(self) -> None:
        if self.error is not None or self.eof_seen:
            return
        self.eof_seen = True
        try:
            self._frames.end()
        except FramingError as e:
            self.error = f"{e.rule.id}: {e}"
            return
        if self.header is None:
            self.error = "header.truncated: end of stream before the invocation header"
            return
        try:
            self._values.end()
        except AssemblyError as e:
            self.error = str(e)


@dataclass(frozen=True)
class Problem:
    rule: ClientRule
    detail: str
    strict_only: bool = False
    """True for a finding only the strict profile fails (non-canonical encoding...)."""


def request_problems(
    reader: RequestReader,
    *,
    instance: str,
    function: WitFunction,
    expected: Sequence[Value],
    half_closed: bool,
) -> list[Problem]:
    """Everything wrong with the request, most fundamental first (empty: all good)."""
    out: list[Problem] = []
    header = reader.header
    if header is not None and (header.instance, header.function) != (instance, function.name):
        out.append(Problem(
            ClientRule.REQUEST_HEADER,
            f"header names instance {header.instance!r} function {header.function!r}, "
            f"expected {instance!r} {function.name!r}",
        ))
    if reader.error is not None:
        rule = ClientRule.REQUEST_HEADER if header is None else ClientRule.REQUEST_PARAMS
        out.append(Problem(rule, f"malformed request: {reader.error}"))
        return out
    values = reader.values
    if values is None:
        what = "header" if header is None else "parameters"
        out.append(Problem(
            ClientRule.REQUEST_HEADER if header is None else ClientRule.REQUEST_PARAMS,
            f"request incomplete: the {what} did not arrive in full",
        ))
        return out
    types = [t for _, t in function.params]
    if not values_equal(values, tuple(expected)):
        out.append(Problem(
            ClientRule.REQUEST_PARAMS,
            f"parameters {show_values(values, types)} differ from the call "
            f"{show_values(expected, types)}",
        ))
    if not half_closed:
        out.append(Problem(
            ClientRule.REQUEST_HALF_CLOSE,
            "the client did not shut down its write side after the parameters",
        ))
    for line in reader.unclaimed:
        out.append(Problem(ClientRule.REQUEST_PARAMS, f"request has {line}", strict_only=True))
    canonical = reader.root_canonical()
    if canonical is not None and canonical != reader.root_bytes:
        out.append(Problem(
            ClientRule.REQUEST_PARAMS,
            f"non-canonical parameter encoding {reader.root_bytes.hex()} "
            f"(canonical {canonical.hex()})",
            strict_only=True,
        ))
    return out


def show_values(values: Sequence[Value], types: Sequence[WitType]) -> str:
    """Parameters or results as ``(v1, v2, ...)`` in WAVE (WAVE itself has no empty tuple)."""
    return "(" + ", ".join(format_wave(v, t) for v, t in zip(values, types, strict=True)) + ")"
