"""Peer fuzzing of a live wRPC server (fuzz/wasmnet_fuzz/peer/): against the reference it finds
nothing and keeps behaviours; against a server with a planted crash it finds and minimizes the
crash. Servers are real processes on loopback; every run is bounded in time and inputs."""

from __future__ import annotations

import asyncio
import json
import os
import random
import shlex
import sys
from pathlib import Path

import pytest

from wasmnet_fuzz.peer import behaviour as B
from wasmnet_fuzz.peer.cli import main
from wasmnet_fuzz.peer.inputs import PeerInput, load_world, seeds, stream_format
from wasmnet_fuzz.peer.minimize import Minimizer
from wasmnet_fuzz.peer.mutate import PeerMutator, random_cuts
from wasmnet_fuzz.peer.to_case import main as to_case_main
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing import StreamDecoder
from wasmnet_reference.rules import Rule

PY = shlex.quote(sys.executable)
FAULTY = Path(__file__).resolve().parent / "faulty_servers" / "server.py"
REFERENCE_CMD = f"{PY} -m wasmnet_reference.wrpc serve --exit-on-stdin-eof"
CRASH_EXIT_CODE = 70
"""tests/faulty_servers/server.py exits with this code when it crashes on purpose."""
PATH_LIMIT = 32
"""wrpc.md §2: upstream's frame decoder bounds path length at 32."""
posix_only = pytest.mark.skipif(os.name == "nt", reason="server commands are POSIX shell words")


def _report(reports: Path) -> dict[str, object]:
    data = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ------------------------------------------------------------------ sans-IO parts


def test_cut_patterns_cover_the_stream_exactly() -> None:
    rng = random.Random(3)
    data = bytes(range(200))
    for _ in range(200):
        inp = PeerInput(data, random_cuts(len(data), rng))
        assert b"".join(inp.writes()) == data
        assert all(inp.writes())


def test_seeds_are_valid_invocations() -> None:
    world = load_world()
    got = seeds(world, random.Random(0))
    assert len(got) > 50
    for _target, data in got:
        dec = StreamDecoder(expect_header=True)
        dec.feed(data)
        dec.end()  # raises on any framing error: every seed is well framed


def test_hostile_path_lengths_are_generated_often() -> None:
    """A frame path over the limit (wrpc.md §2) must be a common mutation, not luck."""
    world = load_world()
    rng = random.Random(0)
    base = [PeerInput(d) for _, d in seeds(world, rng)]
    mut = PeerMutator(stream_format(world, []))
    over = 0
    for _ in range(300):
        out = mut.mutate(rng.choice(base), rng)
        try:
            StreamDecoder(expect_header=True).feed(out.data)
        except WireError as e:
            over += e.rule is Rule.LIMIT_PATH_LENGTH
    assert over >= 10


def test_behaviour_signatures() -> None:
    assert B.crash(70).detail == "exit 70"
    assert B.crash(-11).detail == "signal 11"
    assert B.crash(None).detail == "refused"
    assert B.crash(70).finding and B.hang("echo-u8", 0).finding
    ok = B.answered("echo-u8", B.Answer(True, True, True))
    assert not ok.finding
    assert ok.signature == B.answered("echo-u8", B.Answer(True, True, True)).signature
    assert ok.signature != B.answered("echo-u8", B.Answer(False, True, True)).signature
    assert B.failed(B.Cls.CLOSED_EARLY, "x", 0).signature != B.failed(B.Cls.RESET, "x", 0
                                                                         ).signature


def test_minimizer_keeps_the_class() -> None:
    world = load_world()

    async def reproduce(inp: PeerInput) -> B.Cls:
        return B.Cls.CRASH if b"\xde\xad" in inp.data else B.Cls.CLOSED_EARLY

    data = bytes(40) + b"\xde\xad" + bytes(40)
    mini = Minimizer(reproduce, stream_format(world, []))
    out = asyncio.run(mini.run(PeerInput(data, (5, 50)), B.Cls.CRASH))
    assert out.data == b"\xde\xad" and out.cuts == ()


def test_non_loopback_address_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    code = main(["--wrpc-server", "tcp://192.0.2.1:80", "--time", "1",
                 "--reports", str(tmp_path / "r"), "--corpus", str(tmp_path / "c")])
    assert code == 2
    assert "loopback" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


# ------------------------------------------------------------------ live servers


@posix_only
def test_reference_server_no_findings_and_behaviours_kept(tmp_path: Path) -> None:
    reports, corpus = tmp_path / "r", tmp_path / "c"
    code = main(["--wrpc-server-cmd", REFERENCE_CMD, "--time", "6", "--seed", "1",
                 "--reports", str(reports), "--corpus", str(corpus), "--quiet"])
    report = _report(reports)
    assert code == 0, report["findings"]
    assert report["findings"] == []
    assert isinstance(report["inputs"], int) and report["inputs"] > 50
    classes = {b["class"] for b in report["behaviours"]}  # type: ignore[attr-defined]
    assert {"answered", "closed-early"} <= classes
    assert not classes & {"crash", "hang", "liveness-lost"}
    kept = list(corpus.glob("*.bin"))
    assert len(kept) == report["corpus_written"] and len(kept) >= 10
    assert (reports / "report.txt").read_text(encoding="utf-8").startswith("peer fuzzing")


@posix_only
def test_planted_crash_is_found_and_minimized(tmp_path: Path) -> None:
    reports, corpus = tmp_path / "r", tmp_path / "c"
    cmd = f"{PY} {shlex.quote(str(FAULTY))} crashes-on-hostile-path-length --exit-on-stdin-eof"
    code = main(["--wrpc-server-cmd", cmd, "--time", "4", "--seed", "7",
                 "--minimize-time", "10", "--reports", str(reports),
                 "--corpus", str(corpus), "--quiet"])
    assert code == 1
    report = _report(reports)
    findings = report["findings"]
    assert isinstance(findings, list) and len(findings) == 1
    f = findings[0]
    assert (f["class"], f["detail"]) == ("crash", f"exit {CRASH_EXIT_CODE}")
    assert f["minimized_size"] <= f["original_size"]
    doc = json.loads(Path(f["file"]).read_text(encoding="utf-8"))
    assert doc["format"] == "wasmnet-peer-finding/1"
    assert "limit.path-length" in doc["server_stderr_tail"]
    assert doc["provenance"]["seed"] == 7 and doc["provenance"]["wrpc_server_cmd"] == cmd
    data = bytes.fromhex(doc["request"]["hex"])
    assert sum(doc["request"]["writes"]) == len(data)
    with pytest.raises(WireError) as err:  # the minimized input still breaks the path limit
        StreamDecoder(expect_header=True).feed(data)
    assert err.value.rule is Rule.LIMIT_PATH_LENGTH
    # to_case: the reference fails this call (closes or resets) and stays alive
    out = tmp_path / "cases"
    assert to_case_main([f["file"], "--out", str(out)]) == 0
    case = json.loads((out / Path(f["file"]).name).read_text(encoding="utf-8"))
    assert case["expect"]["class"] in ("closed-early", "reset")
    assert case["found"] == {"class": "crash", "detail": f"exit {CRASH_EXIT_CODE}"}
    assert case["request"] == doc["request"]


def test_unreachable_server_is_an_infrastructure_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["--wrpc-server", f"tcp://127.0.0.1:{port}", "--time", "1", "--quiet",
                 "--reports", str(tmp_path / "r"), "--corpus", str(tmp_path / "c")])
    assert code == 2
