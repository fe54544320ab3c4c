"""``python -m wasmnet_fuzz.peer.to_case FINDING.json``: a peer finding as a network case the
suite can replay (the ``to_vector`` of server-role findings).

The finding's exact bytes are sent, in the same writes and with the same half-close, to the
reference server (started here), whose behaviour becomes the expected class: a conformant
server does what the reference does, and in any case must not do what the finding recorded.
Case file format (``wasmnet-peer-case/1``)::

    {"format": "wasmnet-peer-case/1", "id": "wrpc-server.fuzz.<slug>", "role": "wrpc-server",
     "request": {"hex": "...", "writes": [46], "half_close": true},
     "expect": {"class": "closed-early", "accept": ["closed-early", "reset"],
                "detail": "...", "then_alive": true},
     "found": {"class": "crash", "detail": "exit 70"},
     "sources": {...provenance of the finding..., "reference": "..."}}

``accept``: the classes that count as the expected outcome (a failed call may be seen as a close
or a reset, wrpc.md §1); ``then_alive``: a plain ``echo-u32`` call right after must succeed.
Exit status: 0 written, 1 the reference itself crashes, hangs or loses liveness on the input
(nothing written), 2 bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from wasmnet_fuzz.peer import behaviour as B
from wasmnet_fuzz.peer.fuzzer import Config, PeerFuzzer
from wasmnet_fuzz.peer.store import FINDING_FORMAT, from_lengths
from wasmnet_fuzz.peer.target import PeerTarget

CASE_FORMAT = "wasmnet-peer-case/1"
REFERENCE_CMD = f"{shlex.quote(sys.executable)} -m wasmnet_reference.wrpc serve " \
    "--exit-on-stdin-eof"


def load_finding(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or doc.get("format") != FINDING_FORMAT:
        raise ValueError(f"{path}: not a {FINDING_FORMAT} file")
    return doc


async def reference_behaviour(finding: dict[str, Any], command: str, timeout: float
                              ) -> B.Behaviour:
    req = finding["request"]
    inp = from_lengths(bytes.fromhex(req["hex"]), list(req["writes"]))
    target = PeerTarget(None, command)
    fuzzer = PeerFuzzer(target, Config(input_timeout=timeout, quiet=True))
    await target.start()
    try:
        b, _ = await fuzzer.behaviour_of(inp)
    finally:
        await target.stop()
    return b


def case(finding: dict[str, Any], ref: B.Behaviour, name: str, command: str) -> dict[str, Any]:
    accept = sorted(c.value for c in B.FAILED_CALL) if ref.cls in B.FAILED_CALL \
        else [ref.cls.value]
    return {
        "format": CASE_FORMAT,
        "id": f"wrpc-server.fuzz.{name}",
        "role": "wrpc-server",
        "request": finding["request"],
        "expect": {"class": ref.cls.value, "accept": accept, "detail": ref.detail,
                   "then_alive": True},
        "found": {"class": finding["class"], "detail": finding["detail"]},
        "sources": {**finding.get("provenance", {}), "reference": command},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wasmnet_fuzz.peer.to_case",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("finding", type=Path)
    parser.add_argument("--out", type=Path, default=Path("reports/fuzz/peer/cases"),
                        help="directory for the case file (default reports/fuzz/peer/cases/)")
    parser.add_argument("--reference-cmd", default=REFERENCE_CMD,
                        help="server whose behaviour is expected (default: the reference)")
    parser.add_argument("--input-timeout", type=float, default=2.0)
    args = parser.parse_args(argv)
    try:
        finding = load_finding(args.finding)
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    ref = asyncio.run(reference_behaviour(finding, args.reference_cmd, args.input_timeout))
    if ref.finding:
        print(f"the reference itself shows {ref.text()} on this input: fix it first",
              file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / args.finding.name
    doc = case(finding, ref, args.finding.stem, args.reference_cmd)
    out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{out}: expect {ref.text()} (found: {finding['class']} {finding['detail']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
