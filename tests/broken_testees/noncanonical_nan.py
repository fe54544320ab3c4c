"""Broken testee: accepts any NaN bit pattern for top-level ``f32`` / ``f64``.

wrpc.md §4: a NaN is valid only as the canonical pattern. Where the reference rejects a float
as a non-canonical NaN, this testee answers ``nan``, so exactly the non-canonical NaN vectors
should fail.
"""

from __future__ import annotations

import sys

from wasmnet_reference.testee.__main__ import run
from wasmnet_reference.testee.protocol import Message
from wasmnet_reference.testee.server import handle_request


def handle(request: Message) -> Message:
    response = handle_request(request)
    if (
        request.get("op") == "decode-value"
        and request.get("type") in ("f32", "f64")
        and response.get("class") == "non-canonical-nan"
    ):
        return {"id": request["id"], "status": "ok", "value": "nan"}
    return response


if __name__ == "__main__":
    sys.exit(run(handle))
