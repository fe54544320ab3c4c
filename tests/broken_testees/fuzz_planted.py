"""Broken testee: has the bug planted for the fuzzing experiment (fuzz/wasmnet_fuzz/planted.py).

Its value decoder crashes on a ``list<option<entry>>`` (``record entry { a: u32, b: string }``)
that holds ``some({a: 7, b: "boom"})``; everything else is the reference. The vector the fuzzer
finding becomes (``python -m wasmnet_fuzz.to_vector``) must fail this testee in a conformance
run, and the reference must pass it.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

try:
    from wasmnet_fuzz.planted import PLANTED_TYPE, planted_decode_value
except ImportError:  # fuzz/ is not installed with the project: use it from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fuzz"))
    from wasmnet_fuzz.planted import PLANTED_TYPE, planted_decode_value

from wasmnet_reference.errors import WireError, WitError
from wasmnet_reference.testee.__main__ import run
from wasmnet_reference.testee.protocol import Message
from wasmnet_reference.testee.server import handle_request
from wasmnet_reference.wit.json_form import from_json


def handle(request: Message) -> Message:
    if request.get("op") == "decode-value" and isinstance(request.get("bytes"), str):
        try:
            ty = from_json(request.get("type"))
            data = bytes.fromhex(request["bytes"])
        except (WitError, ValueError):
            return handle_request(request)
        if ty == PLANTED_TYPE:
            # PlantedBug propagates: the testee crashes; a rejection is answered below
            with contextlib.suppress(WireError):
                planted_decode_value(data, ty)
    return handle_request(request)


if __name__ == "__main__":
    sys.exit(run(handle))
