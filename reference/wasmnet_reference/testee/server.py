"""The reference testee: answers testee-protocol requests with the reference codec and framing.

docs/testee-protocol.md is the contract. Three kinds of answer besides ``ok``:

- ``error`` with an :class:`~wasmnet_reference.rules.ErrorClass` value: the *input* was
  rejected (the class and rule come from the reference's WireError);
- ``error`` with class ``bad-request``: the *request* itself is malformed (not an object, a
  missing or mistyped field, bad hex, an unparsable type). The testee never dies on one;
- ``unsupported``: an op it does not know, or a limit key it cannot apply.

:func:`handle_request` is a plain function from request to response so that wrappers (the
deliberately broken testees under tests/broken_testees/) can change one behaviour and delegate
the rest; :func:`serve` is the stdin/stdout loop around any such handler.
"""

from __future__ import annotations

import importlib.metadata
import sys
from collections.abc import Callable
from dataclasses import fields
from typing import IO, Any

from wasmnet_reference.codec.decode import decode_value
from wasmnet_reference.codec.encode import encode_value
from wasmnet_reference.errors import WireError, WitError
from wasmnet_reference.framing import decode_stream
from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import ErrorClass
from wasmnet_reference.testee.protocol import (
    BAD_REQUEST,
    Message,
    ProtocolError,
    decode_body,
    parse_hex,
    read_body,
    write_message,
)
from wasmnet_reference.wave import WaveError, format_wave, parse_wave
from wasmnet_reference.wit.json_form import from_json
from wasmnet_reference.wit.types import WitType

TESTEE_NAME = "wasmnet-reference"

Handler = Callable[[Message], Message]

_LIMIT_KEYS = frozenset(f.name for f in fields(Limits))


class BadRequest(Exception):
    """The request does not follow docs/testee-protocol.md."""


class Unsupported(Exception):
    """The request is well-formed but asks for something this testee cannot do."""


def handle_request(request: Message) -> Message:
    """Answer one request; never raises for anything a peer can send."""
    request_id = request.get("id")
    if not isinstance(request_id, int) or isinstance(request_id, bool):
        return bad_request(None, f"'id' must be an integer, not {request_id!r}")
    op = request.get("op")
    try:
        if not isinstance(op, str):
            raise BadRequest(f"'op' must be a string, not {op!r}")
        operation = OPERATIONS.get(op)
        if operation is None:
            raise Unsupported(f"unknown op {op!r}; supported: {', '.join(OPERATIONS)}")
        return {"id": request_id, "status": "ok", **operation(request)}
    except WireError as e:
        return {
            "id": request_id,
            "status": "error",
            "class": e.error_class.value,
            "rule": e.rule.id,
            "message": str(e),
        }
    except WaveError as e:
        return {
            "id": request_id,
            "status": "error",
            "class": ErrorClass.INVALID_VALUE.value,
            "message": f"value does not belong to the type: {e}",
        }
    except Unsupported as e:
        return {"id": request_id, "status": "unsupported", "message": str(e)}
    except BadRequest as e:
        return bad_request(request_id, str(e))
    except RecursionError:
        return bad_request(request_id, "request nests too deeply")


def bad_request(request_id: int | None, message: str) -> Message:
    """The ``error``/``bad-request`` response for a malformed request."""
    return {"id": request_id, "status": "error", "class": BAD_REQUEST, "message": message}


def _hello(request: Message) -> dict[str, Any]:
    return {"name": TESTEE_NAME, "version": _version(), "ops": list(OPERATIONS)}


def _decode_value(request: Message) -> dict[str, Any]:
    ty = _type(request)
    value = decode_value(_hex(request, "bytes"), ty, _limits(request))
    return {"value": format_wave(value, ty)}


def _encode_value(request: Message) -> dict[str, Any]:
    ty = _type(request)
    text = _field(request, "value", str)
    return {"bytes": encode_value(parse_wave(text, ty), ty).hex()}


def _decode_frames(request: Message) -> dict[str, Any]:
    header_expected = _field(request, "header", bool)
    header, frames = decode_stream(
        _hex(request, "bytes"), expect_header=header_expected, limits=_limits(request)
    )
    return {
        "header": None
        if header is None
        else {"version": header.version, "instance": header.instance, "function": header.function},
        "frames": [{"path": list(f.path), "data": bytes(f.data).hex()} for f in frames],
    }


OPERATIONS: dict[str, Callable[[Message], dict[str, Any]]] = {
    "hello": _hello,
    "decode-value": _decode_value,
    "encode-value": _encode_value,
    "decode-frames": _decode_frames,
}


def _field(request: Message, name: str, kind: type[Any]) -> Any:
    value = request.get(name)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise BadRequest(f"'{name}' must be a {kind.__name__}, not {value!r}")
    return value


def _hex(request: Message, name: str) -> bytes:
    try:
        return parse_hex(_field(request, name, str))
    except ValueError as e:
        raise BadRequest(f"'{name}': {e}") from None


def _type(request: Message) -> WitType:
    """The neutral JSON form (``type``); ``wit``/``wit_definitions`` are for testees with a WIT
    parser and are not needed here."""
    if "type" not in request:
        raise BadRequest("'type' is missing")
    try:
        return from_json(request["type"])
    except WitError as e:
        raise BadRequest(f"'type' is not a valid neutral JSON type: {e}") from None


def _limits(request: Message) -> Limits:
    data = request.get("limits")
    if data is None:
        return Limits()
    if not isinstance(data, dict):
        raise BadRequest(f"'limits' must be an object, not {data!r}")
    unknown = sorted(set(data) - _LIMIT_KEYS)
    if unknown:
        raise Unsupported(f"cannot apply unknown limit(s): {', '.join(unknown)}")
    try:
        return Limits.from_json(data)
    except ValueError as e:
        raise BadRequest(f"bad 'limits': {e}") from None


def _version() -> str:
    try:
        return importlib.metadata.version("wasmnet-conformance")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def serve(handler: Handler, stdin: IO[bytes], stdout: IO[bytes]) -> int:
    """Answer requests from ``stdin`` until it closes; the process exit status.

    A body that is not a JSON object is answered as a bad request and the loop goes on. A bad
    length prefix or a message cut short leaves the stream out of step: that is answered as a
    bad request too, then the loop ends with status 2.
    """
    while True:
        try:
            body = read_body(stdin)
        except ProtocolError as e:
            write_message(stdout, bad_request(None, f"unreadable message, stopping: {e}"))
            print(f"{TESTEE_NAME}: {e}", file=sys.stderr)
            return 2
        if body is None:
            return 0
        try:
            request = decode_body(body)
        except ProtocolError as e:
            write_message(stdout, bad_request(None, str(e)))
            continue
        write_message(stdout, handler(request))
