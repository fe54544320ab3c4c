"""The server role catches servers that mishandle one thing, by case ID, and runs to the end.

Each faulty server (tests/faulty_servers/server.py, or the reference with a crippling option)
is a real process the suite starts with ``--wrpc-server-cmd`` and talks to over loopback. Runs
are filtered with ``-k`` to the cases that must catch the bug plus controls that must still
pass, so each stays short; every selected case must be judged (none skipped, none lost)."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import pytest

from wasmnet_conformance.cli import main

PART_MODULES = ["wasmnet_conformance.wrpc_server.cli"]
FAULTY = Path(__file__).resolve().parent / "faulty_servers" / "server.py"
PY = shlex.quote(sys.executable)
LINUX_PROC = sys.platform.startswith("linux")


def faulty(bug: str) -> str:
    return f"{PY} {shlex.quote(str(FAULTY))} {bug} --exit-on-stdin-eof"


SCENARIOS = {
    "accepts-bad-version": (
        faulty("accepts-bad-version"),
        ["wrpc-server.header.version", "wrpc-server.header.function-unknown",
         "wrpc-server.echo.value.u32.max"],
        {"wrpc-server.header.version-1", "wrpc-server.header.version-127",
         "wrpc-server.header.version-128", "wrpc-server.header.version-255"},
    ),
    "crashes-on-hostile-path-length": (
        faulty("crashes-on-hostile-path-length"),
        ["wrpc-server.limits.path-length-2^32-", "wrpc-server.limits.path-length-leb",
         "wrpc-server.limits.data-length-2^3"],
        {"wrpc-server.limits.path-length-2^32-1",
         "wrpc-server.limits.path-length-2^32-1.with-elements"},
    ),
    "ignores-stream-end-markers": (
        faulty("ignores-stream-end-markers"),
        ["wrpc-server.async.echo-stream-u8", "wrpc-server.async.sum",
         "wrpc-server.async.two-streams"],
        {"wrpc-server.async.echo-stream-u8.missing-end",
         "wrpc-server.async.sum.missing-end",
         "wrpc-server.async.two-streams.right-missing-end"},
    ),
    "leaks-connection-per-call": (
        faulty("leaks-connection-per-call"),
        ["wrpc-server.conn.fd-leak", "wrpc-server.header.function-unknown",
         "wrpc-server.echo.value.u32.max"],
        {"wrpc-server.conn.fd-leak"},
    ),
    "serves-one-call-at-a-time": (
        f"{PY} -m wasmnet_reference.wrpc serve --max-concurrent 1 --exit-on-stdin-eof",
        ["wrpc-server.conn.stalled.mid-", "wrpc-server.conn.concurrent",
         "wrpc-server.conn.sequential"],
        {"wrpc-server.conn.stalled.mid-header", "wrpc-server.conn.stalled.mid-root-frame",
         "wrpc-server.conn.concurrent-16"},
    ),
}


@pytest.mark.skipif(os.name == "nt", reason="faulty-server commands are written for POSIX shells")
@pytest.mark.parametrize("bug", sorted(SCENARIOS))
def test_faulty_server_is_reported_by_case_id(tmp_path: Path, bug: str) -> None:
    if bug == "leaks-connection-per-call" and not LINUX_PROC:
        pytest.skip("the leak is seen by counting /proc/<pid>/fd, which only Linux has")
    command, filters, expected = SCENARIOS[bug]
    argv = ["--reports", str(tmp_path), "--quiet", "--wrpc-server-cmd", command,
            "--wrpc-server-target", bug]
    for f in filters:
        argv += ["-k", f]
    code = main(argv, part_modules=PART_MODULES)
    assert code == (1 if expected else 0)
    data = json.loads((tmp_path / bug / "summary.json").read_text("utf-8"))
    lenient = {c["id"]: c["profile_outcomes"]["lenient"] for c in data["cases"]}
    selected = {i for i in lenient if any(f in i for f in filters)}
    failed = {i for i, o in lenient.items() if o == "failed"}
    assert failed == expected
    # The run went on to the end: every selected case was judged, the controls passed.
    judged = {i for i in selected if lenient[i] != "skipped"}
    unjudged = selected - judged
    assert not unjudged
    assert all(lenient[i] == "passed" for i in judged - expected)
    assert len(judged - expected) >= 1
    for case in data["cases"]:
        if case["id"] in expected:
            assert case.get("trace") or "descriptors" in case["detail"], case["id"]
            assert case["repro"].endswith(f"-k {shlex.quote(case['id'])}")
