"""Names and fixed behaviour of the conformance world ``wasmnet:conformance@0.1.0``.

The WIT lives in ``conformance/wit/``; docs/conformance-world.md is the implementers' guide.
Every constant here is a documented promise of that guide, so the suite and the reference
handlers agree on it without parsing prose.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = "wasmnet:conformance@0.1.0"
WORLD = "conformance"

# wRPC instance names: namespace:package/interface@version (wrpc.md §2, Naming).
ECHO = "wasmnet:conformance/echo@0.1.0"
ASYNC_ECHO = "wasmnet:conformance/async-echo@0.1.0"
RESOURCES = "wasmnet:conformance/resources@0.1.0"
# Functions exported by the world itself travel with the empty instance name (wrpc.md §2).
WORLD_INSTANCE = ""

PING_REPLY = "pong"
"""``ping() -> string`` returns exactly this."""

CONSTANT = "wasmnet:conformance@0.1.0 ƒ𐍈Ő"
"""``constant() -> string`` returns exactly this (the non-ASCII tail is wrpc.md §4's string
example: 2-, 4- and 2-byte UTF-8 sequences)."""

STREAM_RESULT_MAX = 1_000_000
"""``stream-result(n)`` answers ``err(STREAM_RESULT_TOO_MANY)`` when ``n`` exceeds this."""
STREAM_RESULT_TOO_MANY = "too many"

COUNT_MAX = 1_000_000
"""``count(n)`` fails (the server closes early) when ``n`` exceeds this: bounds the work one
call can demand."""

CHUNK_ELEMENTS = 1024
"""Generated streams (count, stream-result) are written in chunks of at most this many elements;
chunking carries no meaning (wrpc.md §2), peers must not rely on it."""

HANG_LIMIT_S = 60.0
"""``hang()`` never returns a value; the reference gives up (the call fails) after this many
seconds. Over TCP a server cannot see that a client that already half-closed has gone away
until a write fails, so without this bound a forgotten call would pin a slot for good."""


def wit_dir() -> Path:
    """``conformance/wit`` of the source tree this package runs from (checkout or editable
    install); raises FileNotFoundError naming the path when the WIT is not there."""
    path = Path(__file__).resolve().parents[3] / "conformance" / "wit"
    if not (path / "world.wit").is_file():
        raise FileNotFoundError(
            f"conformance WIT not found at {path}: run from a source checkout of "
            "wasmnet-conformance"
        )
    return path
