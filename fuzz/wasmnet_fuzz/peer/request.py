"""What an input asks for, as far as the server can tell (sans-IO): which function its header
names, that function's result type, and the value an echo must return.

A header that does not parse, or names a function the conformance world does not have, must
make the server fail the call (wrpc.md §1, §2); the fuzzer then expects no results at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmnet_conformance.wrpc_server.request import Target
from wasmnet_fuzz.structure import StreamFormat
from wasmnet_reference.values import Value
from wasmnet_reference.wit.types import WitType
from wasmnet_reference.wrpc_world.values import ECHO_SAMPLES

BAD_HEADER = "bad-header"
UNKNOWN_FUNCTION = "unknown-function"
ECHO_MANY = "echo-many"
"""Returns its four parameters as one tuple (``wrpc_world/values.py``)."""


@dataclass(frozen=True)
class Request:
    label: str
    """The function's wire name, or BAD_HEADER / UNKNOWN_FUNCTION."""
    target: Target | None
    expected: tuple[Value] | None
    """``(value,)`` an echo must return, when the parameters decode and the function is a
    synchronous echo; else None."""

    @property
    def result_type(self) -> WitType | None:
        return None if self.target is None else self.target.function.result


def describe(data: bytes, fmt: StreamFormat, table: dict[tuple[str, str], Target]) -> Request:
    doc = fmt.parse(data)
    if doc.header is None:
        return Request(BAD_HEADER, None, None)
    names = doc.header.names()
    target = None if names is None or doc.header.version != 0 else table.get(names)
    if target is None:
        return Request(UNKNOWN_FUNCTION if names is not None else BAD_HEADER, None, None)
    expected: tuple[Value] | None = None
    values = doc.root_values
    if values is not None and not doc.tail and target.name in ECHO_SAMPLES and \
            all(f.path == () for f in doc.frames):
        expected = (tuple(values),) if target.name == ECHO_MANY else (values[0],)
    return Request(target.name, target, expected)
