"""``python -m wasmnet_fuzz.peer``: peer fuzzing of a live wRPC server.

Exit status: 0 no findings, 1 findings (crash, hang, liveness loss), 2 the run could not be
done (bad options, a non-loopback address, the server command does not start).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from wasmnet_conformance.errors import SuiteError
from wasmnet_fuzz.peer.fuzzer import Config, Infrastructure, PeerFuzzer
from wasmnet_fuzz.peer.target import PeerTarget

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INFRA = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The peer-fuzzing options, in their own group (so a campaign CLI can include them)."""
    g = parser.add_argument_group("peer fuzzing of a wRPC server")
    g.add_argument("--wrpc-server", metavar="ADDR",
                   help="a running server: tcp://127.0.0.1:PORT or unix:PATH (loopback only)")
    g.add_argument("--wrpc-server-cmd", metavar="CMD",
                   help="start this server command (it prints 'listening ADDR'); restarted "
                   "after a crash")
    g.add_argument("--time", type=float, default=60.0, metavar="SECONDS",
                   help="fuzzing time (default 60; minimizing findings comes on top, bounded)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    g.add_argument("--max-inputs", type=int, default=None, metavar="N",
                   help="stop after N inputs")
    g.add_argument("--reports", type=Path, default=Path("reports/fuzz/peer"), metavar="DIR",
                   help="report and findings directory (default reports/fuzz/peer/)")
    g.add_argument("--corpus", type=Path, default=Path("fuzz/corpus/peer"), metavar="DIR",
                   help="corpus directory, read and extended (default fuzz/corpus/peer/)")
    g.add_argument("--input-timeout", type=float, default=2.0, metavar="SECONDS",
                   help="per input: how long the server may take to answer or close after "
                   "the client's end-of-stream before it counts as a hang (default 2)")
    g.add_argument("--minimize-time", type=float, default=25.0, metavar="SECONDS",
                   help="bound on minimizing one finding (default 25)")
    g.add_argument("--quiet", action="store_true", help="no progress line")


def config(args: argparse.Namespace) -> Config:
    return Config(time_s=args.time, seed=args.seed, max_inputs=args.max_inputs,
                  reports=args.reports, corpus=args.corpus, input_timeout=args.input_timeout,
                  minimize_seconds=args.minimize_time, quiet=args.quiet)


def run(args: argparse.Namespace) -> int:
    """Run one peer-fuzzing campaign from parsed options; the exit status."""
    if args.wrpc_server is None and args.wrpc_server_cmd is None:
        print("error: give --wrpc-server ADDR or --wrpc-server-cmd CMD", file=sys.stderr)
        return EXIT_INFRA
    if args.time <= 0 or (args.max_inputs is not None and args.max_inputs <= 0):
        print("error: --time and --max-inputs must be positive", file=sys.stderr)
        return EXIT_INFRA
    try:
        target = PeerTarget(args.wrpc_server, args.wrpc_server_cmd)
        fuzzer = PeerFuzzer(target, config(args))
        return asyncio.run(fuzzer.run())
    except (SuiteError, Infrastructure, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_INFRA


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wasmnet_fuzz.peer",
        description="Send mutated invocations to a live wRPC server (loopback only), keep every "
        "input that changes its behaviour, and record crashes, hangs and liveness loss.",
        epilog="exit status: 0 no findings, 1 findings, 2 infrastructure error",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args)
