"""Command line of the reference wRPC server and client.

``python -m wasmnet_reference.wrpc serve [--wit PATH] [--world-module MODULE]
[--listen ADDR ...] [--exit-on-stdin-eof]``
    Serves every function for which MODULE's ``handlers()`` returns a handler (a dict
    ``{(instance, wire function name): async handler}``). Prints one line
    ``listening ADDR`` per bound address on stdout (flushed), so a parent process can read the
    port of ``tcp://127.0.0.1:0``. Serves until SIGINT/SIGTERM, or until stdin reaches EOF
    with ``--exit-on-stdin-eof``. Functions whose signature the reference does not support
    (nested async values) are left out with a note on stderr.

``python -m wasmnet_reference.wrpc invoke ADDR INSTANCE FUNCTION [WAVE-ARG ...] [--wit PATH]``
    Calls one function, parameters given as WAVE text, one argument each. Options go before
    ADDR: every word after FUNCTION is an argument, also one starting with ``-`` (``-inf``).
    ``--timeout`` defaults to $WASMNET_CLIENT_TIMEOUT, else 30 s. Prints the result as WAVE on
    one line (streams and futures collected: ``ready([...])`` / ``ready(v)``; an empty line
    for a function without result); on failure prints nothing on stdout and
    ``error: <class>: <message>`` on stderr. Stream and future parameters written
    ``ready(...)`` are sent as pending values with their data on their paths
    (``--async-params pending``, the default) or complete on the root
    (``--async-params ready``). The contract a client CLI follows for the suite:
    docs/wrpc-client-contract.md.

Defaults: ``--wit`` is $WASMNET_CONFORMANCE_WIT, else the repository's ``conformance/wit``;
``--world-module`` is ``wasmnet_reference.wrpc_world.handlers``.

Exit codes:
    0  success (serve: stopped by a signal or stdin EOF)
    1  invoke: the invocation failed (connection refused or reset, the server closed before
       complete results, malformed results, timeout); serve: cannot listen
    2  usage error (bad arguments, address, WIT, WAVE value, world module, unknown function)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wasmnet_reference.errors import EncodeError, WitError
from wasmnet_reference.values import Ready
from wasmnet_reference.wave import WaveError, format_wave, parse_wave
from wasmnet_reference.wit.loader import WitFunction, WitPackage, load_wit_path
from wasmnet_reference.wit.types import StreamType
from wasmnet_reference.wrpc.address import Address, AddressError, parse_address
from wasmnet_reference.wrpc.client import invoke
from wasmnet_reference.wrpc.errors import InvocationFailed
from wasmnet_reference.wrpc.limits import WrpcLimits
from wasmnet_reference.wrpc.paths import AsyncType, PayloadPathReading, map_async
from wasmnet_reference.wrpc.server import Handler, Server, functions_from_wit
from wasmnet_reference.wrpc.signature import Signature

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

WIT_ENV = "WASMNET_CONFORMANCE_WIT"
TIMEOUT_ENV = "WASMNET_CLIENT_TIMEOUT"
DEFAULT_WORLD_MODULE = "wasmnet_reference.wrpc_world.handlers"
DEFAULT_LISTEN = "tcp://127.0.0.1:0"
DEFAULT_TIMEOUT_S = 30.0

EPILOG = """\
exit codes:
  0  success (serve: stopped by SIGINT/SIGTERM or stdin EOF)
  1  invoke: the invocation failed (connection refused/reset, server closed before complete
     results, malformed results, timeout); serve: cannot listen
  2  usage error (arguments, address, WIT, WAVE value, world module, unknown function)
"""


class UsageError(Exception):
    """Bad command-line input: exit code 2."""


def repo_root() -> Path:
    """The repository holding this package: parents of reference/wasmnet_reference."""
    return Path(__file__).resolve().parents[3]


def default_wit() -> Path:
    env = os.environ.get(WIT_ENV)
    return Path(env) if env else repo_root() / "conformance" / "wit"


def default_timeout() -> float:
    """$WASMNET_CLIENT_TIMEOUT (docs/wrpc-client-contract.md) if it is a positive number."""
    try:
        value = float(os.environ.get(TIMEOUT_ENV, ""))
    except ValueError:
        return DEFAULT_TIMEOUT_S
    return value if value > 0 else DEFAULT_TIMEOUT_S


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m wasmnet_reference.wrpc",
        description="The reference wRPC server and client (TCP and Unix sockets).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser(
        "serve", help="serve a WIT world", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(serve)
    serve.add_argument(
        "--world-module", default=DEFAULT_WORLD_MODULE,
        help="module whose handlers() returns {(instance, function): handler} "
        f"(default {DEFAULT_WORLD_MODULE})",
    )
    serve.add_argument(
        "--listen", action="append", metavar="ADDR",
        help=f"tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:PATH; repeatable "
        f"(default {DEFAULT_LISTEN})",
    )
    serve.add_argument(
        "--exit-on-stdin-eof", action="store_true", help="stop when stdin reaches end-of-file"
    )
    serve.add_argument("--max-concurrent", type=int, default=WrpcLimits.max_concurrent,
                       help="invocations served at once; more are closed at once")

    call = commands.add_parser(
        "invoke", help="call one function and print its result as WAVE", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    call.add_argument("address", help="tcp://HOST:PORT, tcp://[IPV6]:PORT or unix:PATH")
    call.add_argument("instance", help='qualified interface name, or "" for a world export')
    call.add_argument("function", help="wire function name")
    call.add_argument("args", nargs="*", metavar="WAVE-ARG",
                      help="one WAVE value per parameter; options go before ADDR, every word "
                      "after FUNCTION is an argument (also -1, -inf)")
    _common(call)
    call.add_argument("--timeout", type=float, default=default_timeout(),
                      help=f"seconds for the whole call (default ${TIMEOUT_ENV}, else "
                      f"{DEFAULT_TIMEOUT_S:g})")
    call.add_argument(
        "--async-params", choices=("pending", "ready"), default="pending",
        help="send ready(...) stream/future parameters as pending values with path data "
        "(default) or complete on the root",
    )
    return parser


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wit", type=Path, default=None,
                        help=f"WIT file or directory (default ${WIT_ENV} or conformance/wit)")
    parser.add_argument(
        "--payload-paths", choices=[r.value for r in PayloadPathReading],
        default=PayloadPathReading.UPSTREAM.value,
        help="variant/option/result payload paths [ambiguous in wrpc.md §3] (default upstream)",
    )
    parser.add_argument("--idle-timeout", type=float, default=WrpcLimits.idle_timeout,
                        help="seconds without progress before an invocation is closed")


INVOKE_VALUE_OPTIONS = frozenset(
    {"--wit", "--timeout", "--payload-paths", "--idle-timeout", "--async-params"}
)


def split_invoke_argv(words: Sequence[str]) -> list[str]:
    """``invoke`` options come before ADDR; every word after FUNCTION is a WAVE argument, also
    one that starts with ``-`` (``-1``, ``-inf``; docs/wrpc-client-contract.md). Returns the
    words with ``--`` put where the options end, so argparse reads the rest as positionals."""
    options: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            i += 1
            break
        if not word.startswith("-") or word == "-":
            break
        options.append(word)
        if "=" not in word and word in INVOKE_VALUE_OPTIONS and i + 1 < len(words):
            options.append(words[i + 1])
            i += 1
        i += 1
    return [*options, "--", *words[i:]]


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if words and words[0] == "invoke":
        words = ["invoke", *split_invoke_argv(words[1:])]
    args = build_parser().parse_args(words)
    try:
        if args.command == "serve":
            return _serve_main(args)
        return _invoke_main(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE


def _load_wit(path: Path | None) -> WitPackage:
    wit = path if path is not None else default_wit()
    if not wit.exists():
        raise UsageError(f"no WIT at {wit}: pass --wit or set {WIT_ENV}")
    try:
        return load_wit_path(wit)
    except WitError as e:
        raise UsageError(f"cannot load WIT {wit}: {e}") from None


def _limits(args: argparse.Namespace, **extra: Any) -> WrpcLimits:
    try:
        return WrpcLimits(idle_timeout=args.idle_timeout, **extra)
    except ValueError as e:
        raise UsageError(str(e)) from None


# ---------------------------------------------------------------------------------- serve


def _serve_main(args: argparse.Namespace) -> int:
    try:
        listens = [parse_address(a) for a in (args.listen or [DEFAULT_LISTEN])]
    except AddressError as e:
        raise UsageError(str(e)) from None
    package = _load_wit(args.wit)
    try:
        module = importlib.import_module(args.world_module)
        handlers: dict[tuple[str, str], Handler] = module.handlers()
    except Exception as e:
        raise UsageError(f"world module {args.world_module}: {type(e).__name__}: {e}") from None
    skipped: list[tuple[tuple[str, str], str]] = []
    try:
        functions = functions_from_wit(package, handlers, skipped=skipped)
    except WitError as e:
        raise UsageError(str(e)) from None
    for (instance, name), reason in skipped:
        print(f"note: not serving {instance}#{name}: {reason}", file=sys.stderr)
    limits = _limits(args, max_concurrent=args.max_concurrent)
    server = Server(functions, limits=limits,
                    payload_paths=PayloadPathReading(args.payload_paths))
    try:
        return asyncio.run(_serve(server, listens, args.exit_on_stdin_eof))
    except KeyboardInterrupt:  # where signal handlers cannot be installed (Windows)
        return EXIT_OK


async def _serve(server: Server, listens: list[Address], exit_on_stdin_eof: bool) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Handlers first: a parent may signal as soon as it has read a ``listening`` line.
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers: SIGINT arrives as KeyboardInterrupt there.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    try:
        for address in listens:
            before = len(server.addresses)
            if address.kind == "unix":
                await server.start_unix(address.path)
            else:
                await server.start_tcp(address.host, address.port)
            for bound in server.addresses[before:]:
                print(f"listening {bound}", flush=True)
    except OSError as e:
        print(f"error: cannot listen: {type(e).__name__}: {e}", file=sys.stderr)
        await server.close()
        return EXIT_FAILED
    if exit_on_stdin_eof:
        threading.Thread(target=_wait_stdin_eof, args=(loop, stop), daemon=True).start()
    try:
        await stop.wait()
    finally:
        await server.close()
    return EXIT_OK


def _wait_stdin_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """A daemon thread (portable; it cannot block exit): reads stdin until EOF."""
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except (OSError, ValueError):
        pass
    loop.call_soon_threadsafe(stop.set)


# ---------------------------------------------------------------------------------- invoke


def find_function(package: WitPackage, instance: str, function: str) -> WitFunction:
    """The function ``function`` of ``instance`` (a qualified interface name, or ``""`` for
    a world export); ``UsageError`` listing what exists otherwise."""
    if instance == "":
        for world_functions in package.world_functions.values():
            if function in world_functions:
                return world_functions[function]
        available = sorted({n for fs in package.world_functions.values() for n in fs})
    else:
        for iface in package.interfaces.values():
            if iface.qualified_name == instance:
                if function in iface.functions:
                    return iface.functions[function]
                available = sorted(iface.functions)
                break
        else:
            names = sorted(i.qualified_name for i in package.interfaces.values())
            raise UsageError(f"no instance {instance!r} in the WIT; instances: {names}")
    raise UsageError(f"no function {function!r} in instance {instance!r}; "
                     f"functions: {available}")


def _invoke_main(args: argparse.Namespace) -> int:
    try:
        address = parse_address(args.address)
    except AddressError as e:
        raise UsageError(str(e)) from None
    package = _load_wit(args.wit)
    fn = find_function(package, args.instance, args.function)
    try:
        signature = Signature.from_function(fn)
    except WitError as e:
        raise UsageError(str(e)) from None
    if len(args.args) != len(signature.params):
        raise UsageError(
            f"{fn.wit_name} takes {len(signature.params)} parameter(s) "
            f"({', '.join(n for n, _ in fn.params) or 'none'}), {len(args.args)} given"
        )
    try:
        params = tuple(parse_wave(text, ty) for text, ty in
                       zip(args.args, signature.params, strict=True))
    except WaveError as e:
        raise UsageError(f"bad WAVE argument: {e}") from None
    reading = PayloadPathReading(args.payload_paths)
    limits = _limits(args)
    try:
        result = asyncio.run(_call(address, args, signature, params, reading, limits))
    except EncodeError as e:
        raise UsageError(f"parameter does not fit {fn.wit_name}: {e}") from None
    except InvocationFailed as e:
        print(f"error: InvocationFailed: {e}", file=sys.stderr)
        return EXIT_FAILED
    except asyncio.TimeoutError:
        print(f"error: TimeoutError: no complete result within {args.timeout:g} s",
              file=sys.stderr)
        return EXIT_FAILED
    if fn.result is None:
        print("", flush=True)
    else:
        print(format_wave(result, fn.result), flush=True)
    return EXIT_OK


async def _call(
    address: Address,
    args: argparse.Namespace,
    signature: Signature,
    params: tuple[Any, ...],
    reading: PayloadPathReading,
    limits: WrpcLimits,
) -> Any:
    if args.async_params == "pending":
        params = map_async(params, signature.params, reading, _as_pending)
    return await invoke(
        address, args.instance, args.function, signature, params,
        limits=limits, timeout=args.timeout, payload_paths=reading,
    )


def _as_pending(_path: tuple[int, ...], ty: AsyncType, value: Any) -> Any:
    """A ``Ready`` parameter turned into data sent on its path: a stream's list as one chunk,
    a future's value once its awaitable runs."""
    if not isinstance(value, Ready):
        return value  # PENDING: rejected by the client with a clear message
    if isinstance(ty, StreamType):
        return value.value
    return _resolved(value.value)


async def _resolved(value: Any) -> Any:
    return value
