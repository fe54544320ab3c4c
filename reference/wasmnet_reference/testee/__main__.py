"""``python -m wasmnet_reference.testee`` / ``wasmnet-testee``: the reference codec testee.

Speaks docs/testee-protocol.md on stdin/stdout; logs go to stderr.
"""

from __future__ import annotations

import sys

from wasmnet_reference.testee.server import Handler, handle_request, serve


def run(handler: Handler) -> int:
    """Serve ``handler`` on the process's stdin/stdout.

    The binary stdout is kept for protocol messages and ``sys.stdout`` is pointed at stderr,
    so a stray ``print`` cannot corrupt the message stream.
    """
    protocol_out = sys.stdout.buffer
    sys.stdout = sys.stderr
    try:
        return serve(handler, sys.stdin.buffer, protocol_out)
    except (BrokenPipeError, KeyboardInterrupt):
        return 1


def main() -> int:
    return run(handle_request)


if __name__ == "__main__":
    sys.exit(main())
