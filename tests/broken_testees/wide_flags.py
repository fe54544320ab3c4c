"""Broken testee: encodes a top-level ``flags`` value one byte too wide.

wrpc.md §4: flags with N labels take exactly ceil(N/8) bytes. This testee appends a zero byte,
so every encode case of a flags vector should fail (the reference reads the extra byte as
trailing bytes) and nothing else.
"""

from __future__ import annotations

import sys

from wasmnet_reference.testee.__main__ import run
from wasmnet_reference.testee.protocol import Message
from wasmnet_reference.testee.server import handle_request


def handle(request: Message) -> Message:
    response = handle_request(request)
    ty = request.get("type")
    if (
        request.get("op") == "encode-value"
        and isinstance(ty, dict)
        and "flags" in ty
        and response.get("status") == "ok"
    ):
        response["bytes"] += "00"
    return response


if __name__ == "__main__":
    sys.exit(run(handle))
