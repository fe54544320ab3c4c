"""Broken testee: behaves like the reference except on one decode input, where it crashes,
hangs or writes garbage to its stdout.

Usage: ``misbehave_on_input.py crash|hang|garbage HEX`` where HEX is the ``bytes`` of the
decode-value request to misbehave on. The conformance runner must fail that one case with a
clear reason, restart the testee and judge every other case.
"""

from __future__ import annotations

import os
import sys
import time

from wasmnet_reference.testee.__main__ import run
from wasmnet_reference.testee.protocol import Message
from wasmnet_reference.testee.server import handle_request

CRASH_STATUS = 3


def main() -> int:
    mode, trigger = sys.argv[1], sys.argv[2].lower()
    out = sys.stdout.buffer

    def handle(request: Message) -> Message:
        if request.get("op") == "decode-value" and request.get("bytes") == trigger:
            print(f"misbehaving ({mode}) on {trigger}", file=sys.stderr, flush=True)
            if mode == "crash":
                os._exit(CRASH_STATUS)
            if mode == "hang":
                time.sleep(3600)
            if mode == "garbage":
                out.write(b"this is not a protocol message\n")
                out.flush()
        return handle_request(request)

    return run(handle)


if __name__ == "__main__":
    sys.exit(main())
