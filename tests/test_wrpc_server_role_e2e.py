"""The server role end to end against real server processes over loopback: the bundled
reference over TCP and a Unix socket (the self-test of ``tox -e conformance``), an external
address, failed-case evidence and repro lines, and usage errors."""

from __future__ import annotations

import json
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wasmnet_conformance.cli import main

PART_MODULES = ["wasmnet_conformance.wrpc_server.cli"]
REPO = Path(__file__).resolve().parents[1]
FAULTY = REPO / "tests" / "faulty_servers" / "server.py"
HAS_UNIX = hasattr(socket, "AF_UNIX")
HAS_PROC_FD = sys.platform.startswith("linux")
MIN_PASSED_PER_TRANSPORT = 200
AMBIGUOUS_STRICT_FAILURES = {
    # The reference accepts zero-length non-root frames; the strict profile wants rejection.
    "wrpc-server.async.echo-stream-u8.zero-length-frame",
}


def run_suite(*argv: str) -> int:
    return main(list(argv), part_modules=PART_MODULES)


def summary(reports: Path, target: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((reports / target / "summary.json").read_text("utf-8"))
    return data


def outcomes(data: dict[str, Any], profile: str) -> dict[str, str]:
    return {c["id"]: c["profile_outcomes"][profile] for c in data["cases"]}


def test_reference_server_passes_over_tcp_and_unix(tmp_path: Path) -> None:
    """The self-test of ``tox -e conformance``: every case, over both transports."""
    assert run_suite("--reports", str(tmp_path), "--quiet") == 0
    targets = ["reference-server-tcp"] + (["reference-server-unix"] if HAS_UNIX else [])
    for target in targets:
        data = summary(tmp_path, target)
        lenient = outcomes(data, "lenient")
        assert list(lenient.values()).count("passed") >= MIN_PASSED_PER_TRANSPORT
        assert "skipped" not in lenient.values() or not HAS_PROC_FD
        assert not [i for i, o in lenient.items() if o in ("failed", "xpassed")]
        strict_failed = {i for i, o in outcomes(data, "strict").items() if o == "failed"}
        assert strict_failed <= AMBIGUOUS_STRICT_FAILURES
        assert data["meta"]["transport"] == target.rsplit("-", 1)[1]
        # Every ambiguity a case touched reports the reading the server took.
        assert "trailing-root-bytes" in data["ambiguities"]


@pytest.fixture
def reference_tcp() -> Iterator[str]:
    """A reference server the suite did not start: its address only."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "wasmnet_reference.wrpc", "serve", "--listen",
         "tcp://127.0.0.1:0", "--exit-on-stdin-eof"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening "), line
        yield line.split(" ", 1)[1]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_external_address(tmp_path: Path, reference_tcp: str) -> None:
    code = run_suite("--reports", str(tmp_path), "--quiet", "--wrpc-server", reference_tcp,
                     "--wrpc-server-target", "external", "-k", "wrpc-server.header.version",
                     "-k", "wrpc-server.echo.value.u32.max", "-k", "conn.fd-leak")
    assert code == 0
    lenient = outcomes(summary(tmp_path, "external"), "lenient")
    ran = {i: o for i, o in lenient.items() if o != "skipped" or "fd-leak" in i}
    assert ran["wrpc-server.header.version-1"] == "passed"
    assert ran["wrpc-server.echo.value.u32.max"] == "passed"
    # The suite did not start this server, so it cannot count its descriptors.
    assert ran["wrpc-server.conn.fd-leak"] == "skipped"
    case = next(c for c in summary(tmp_path, "external")["cases"]
                if c["id"] == "wrpc-server.header.version-1")
    assert case["repro"] == (
        f"python -m wasmnet_conformance --wrpc-server {reference_tcp} --wrpc-server-target "
        "external -k wrpc-server.header.version-1")


def test_failed_case_keeps_its_trace_and_its_repro_reruns_it(tmp_path: Path) -> None:
    command = f"{shlex.quote(sys.executable)} {shlex.quote(str(FAULTY))} accepts-bad-version " \
              "--exit-on-stdin-eof"
    code = run_suite("--reports", str(tmp_path / "a"), "--quiet", "--wrpc-server-cmd", command,
                     "--wrpc-server-target", "bad-version", "-k", "wrpc-server.header.version-1")
    assert code == 1
    case = next(c for c in summary(tmp_path / "a", "bad-version")["cases"]
                if c["id"] == "wrpc-server.header.version-1")
    assert case["outcome"] == "failed"
    assert case["detail"].startswith("accepted bad input")
    assert "wire trace" in case["detail"]
    trace = case["trace"]
    assert trace[1]["dir"] == "c2s" and trace[1]["hex"].startswith("01")
    assert any(e["dir"] == "s2c" and e["hex"] == "0003e58e26" for e in trace)
    assert all(isinstance(e["t"], float) for e in trace)
    words = shlex.split(case["repro"])
    assert words[:3] == ["python", "-m", "wasmnet_conformance"]
    assert run_suite(*words[3:], "--reports", str(tmp_path / "b"), "--quiet") == 1
    again = outcomes(summary(tmp_path / "b", "bad-version"), "lenient")
    assert again["wrpc-server.header.version-1"] == "failed"
    assert list(again.values()).count("skipped") == len(again) - 1


def test_list_prints_case_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_suite("--list", "-k", "wrpc-server.split.echo-u32.at-") == 0
    ids = capsys.readouterr().out.split()
    assert "wrpc-server.split.echo-u32.at-1" in ids
    assert all(i.startswith("wrpc-server.split.echo-u32.at-") for i in ids)


@pytest.mark.parametrize("argv", [
    ["--wrpc-server", "tcp://192.0.2.1:80"],
    ["--wrpc-server", "tcp://127.0.0.1:1", "--wrpc-server-target", "a",
     "--wrpc-server-target", "b"],
    ["--wrpc-server", "tcp://127.0.0.1:1", "--wrpc-server-target", "no/slash"],
])
def test_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    assert run_suite("--reports", str(tmp_path), "--quiet", *argv) == 2


def test_server_command_that_never_listens(tmp_path: Path) -> None:
    command = f"{shlex.quote(sys.executable)} -c 'import sys; sys.exit(3)'"
    assert run_suite("--reports", str(tmp_path), "--quiet", "--wrpc-server-cmd", command) == 2
