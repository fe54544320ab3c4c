"""Runs many scripts in one long-lived runner process (jco on Node, wasmtime-py), which
instantiates the probe afresh per script and frames each script's output with marker lines.
The batch file is a JSON array of script texts (strings), passed to the probe unchanged.


    stdout: {"wasmnet-runner": "start", "n": N, "id": ID} ... {"wasmnet-runner": "end", "n": N,
            "id": ID, "exit_code": 0|1, "error": TEXT|null}
    stderr: ##wasmnet-runner start N ... ##wasmnet-runner end N

A script that hangs past its timeout gets the process killed (``timed_out``); one that kills the
process (a crash, an exit call) is reported with the process's exit code; either way the runner
is restarted with the scripts not yet run, so one bad script costs only itself.
"""

from __future__ import annotations

import json
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from wasmnet_conformance.sockets.adapters.base import (
    MAX_CAPTURE_BYTES,
    RunOutput,
    _popen_kwargs,
    kill_tree,
    make_output,
)
from wasmnet_conformance.sockets.script import Script

MARKER_KEY = "wasmnet-runner"
STDERR_MARKER = "##wasmnet-runner "
STARTUP_TIMEOUT_S = 60.0
MIN_CHUNK = 4
"""Fewer scripts than this per process are not worth a second runner's start-up."""
"""Loading the runtime and compiling the probe happens before the first script starts."""


def _reader(stream: IO[bytes], q: queue.Queue[bytes | None]) -> None:
    for line in iter(stream.readline, b""):
        q.put(line)
    q.put(None)


def _stderr_reader(stream: IO[bytes], sink: list[bytes]) -> None:
    size = 0
    for line in iter(stream.readline, b""):
        size += len(line)
        if size <= MAX_CAPTURE_BYTES:
            sink.append(line)


def _split_stderr(lines: list[bytes]) -> tuple[dict[int, str], str]:
    """Per-script stderr (by marker) and the process's own stderr (outside any script)."""
    per: dict[int, list[str]] = {}
    outside: list[str] = []
    current: int | None = None
    for raw in lines:
        line = raw.decode("utf-8", "replace")
        if line.startswith(STDERR_MARKER):
            parts = line.split()
            if len(parts) == 3 and parts[2].isdigit():
                current = int(parts[2]) if parts[1] == "start" else None
                continue
        (per.setdefault(current, []) if current is not None else outside).append(line)
    return {k: "".join(v) for k, v in per.items()}, "".join(outside)


def _marker(line: bytes) -> dict[str, Any] | None:
    if MARKER_KEY.encode() not in line:
        return None
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if isinstance(obj, dict) and obj.get(MARKER_KEY) in ("start", "end") and isinstance(
            obj.get("n"), int):
        return obj
    return None


def run_batch(scripts: Sequence[Script], argv_for: Callable[[Path], list[str]], *,
              env: dict[str, str], timeout_s: float, jobs: int = 1,
              startup_timeout_s: float = STARTUP_TIMEOUT_S) -> list[RunOutput]:
    """Run ``scripts`` through runner processes started as ``argv_for(batch_json_path)``;
    with ``jobs`` > 1 the scripts are split into that many contiguous chunks run at once
    (instantiating the probe costs a few hundred ms per script on Node)."""
    chunks = _chunks(list(scripts), jobs)
    if len(chunks) <= 1:
        return _run_serial(scripts, argv_for, env=env, timeout_s=timeout_s,
                           startup_timeout_s=startup_timeout_s)
    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        parts = pool.map(lambda c: _run_serial(c, argv_for, env=env, timeout_s=timeout_s,
                                               startup_timeout_s=startup_timeout_s), chunks)
        return [o for part in parts for o in part]


def _chunks(scripts: list[Script], jobs: int) -> list[list[Script]]:
    n = max(1, min(jobs, len(scripts) // MIN_CHUNK))
    size = -(-len(scripts) // n) if scripts else 0
    return [scripts[i:i + size] for i in range(0, len(scripts), size)] if scripts else []


def _run_serial(scripts: Sequence[Script], argv_for: Callable[[Path], list[str]], *,
                env: dict[str, str], timeout_s: float,
                startup_timeout_s: float) -> list[RunOutput]:
    outputs: list[RunOutput] = []
    remaining = list(scripts)
    with tempfile.TemporaryDirectory(prefix="wasmnet-batch-") as tmp:
        rounds = 0
        while remaining:
            rounds += 1
            batch = Path(tmp) / f"batch-{rounds}.json"
            # Each script's JSON text travels as a JSON string, so the runner hands the probe
            # exactly the text to_json() made (a re-serialisation in JavaScript would round
            # u64 values such as 2^64-1 to doubles).
            batch.write_text(json.dumps([s.to_json() for s in remaining]))
            done, failure = _one_process(remaining, argv_for(batch), env=env,
                                         timeout_s=timeout_s,
                                         startup_timeout_s=startup_timeout_s)
            outputs.extend(done)
            remaining = remaining[len(done):]
            if failure is not None:
                # The runner died (or hung) before starting a script: report every script
                # left with its exit code and stderr rather than retrying forever.
                code, stderr, hung = failure
                outputs.extend(make_output(s.id, "", stderr, code, 0.0, hung)
                               for s in remaining)
                remaining = []
    return outputs


def _one_process(scripts: list[Script], argv: list[str], *, env: dict[str, str],
                 timeout_s: float, startup_timeout_s: float
                 ) -> tuple[list[RunOutput], tuple[int | None, str, bool] | None]:
    """Run one runner process; returns the outputs of the scripts it got through and, when it
    started no script at all, (exit code or None if killed, its stderr, killed)."""
    start_time = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, **_popen_kwargs())
    except OSError as e:
        return [], (127, f"cannot start {argv[0]}: {e}", False)
    assert proc.stdout is not None and proc.stderr is not None
    q: queue.Queue[bytes | None] = queue.Queue()
    err_lines: list[bytes] = []
    readers = [threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True),
               threading.Thread(target=_stderr_reader, args=(proc.stderr, err_lines),
                                daemon=True)]
    for t in readers:
        t.start()

    # per script: stdout lines, start/end times, end marker
    current: int | None = None
    started: dict[int, float] = {}
    ended: dict[int, dict[str, Any]] = {}
    ended_at: dict[int, float] = {}
    stdout: dict[int, list[bytes]] = {}
    size = 0
    deadline = start_time + startup_timeout_s
    timed_out_at: int | None = None
    killed = False
    while True:
        wait = deadline - time.monotonic()
        try:
            line = q.get(timeout=max(wait, 0.0)) if wait > 0 else q.get_nowait()
        except queue.Empty:
            timed_out_at = current
            killed = True
            kill_tree(proc)
            break
        if line is None:
            break
        m = _marker(line)
        if m is not None and m[MARKER_KEY] == "start":
            current = m["n"]
            started[current] = time.monotonic()
            stdout[current] = []
            size = 0
            deadline = started[current] + timeout_s
        elif m is not None and m[MARKER_KEY] == "end" and current is not None \
                and m["n"] == current:
            ended[current] = m
            ended_at[current] = time.monotonic()
            current = None
            deadline = time.monotonic() + startup_timeout_s
        elif current is not None:
            size += len(line)
            if size <= MAX_CAPTURE_BYTES:  # a runaway runtime cannot fill our memory
                stdout[current].append(line)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        proc.wait()
    for t in readers:
        t.join(timeout=5)
    per_err, outside = _split_stderr(err_lines)

    outputs: list[RunOutput] = []
    for n, script in enumerate(scripts):
        if n not in started:
            break
        text = b"".join(stdout.get(n, [])).decode("utf-8", "replace")
        err = per_err.get(n, "")
        if n in ended:
            m = ended[n]
            code = m.get("exit_code")
            outputs.append(make_output(script.id, text, err, code if isinstance(code, int)
                                       else 1, ended_at[n] - started[n], False))
            continue
        # began and never ended: killed by us (timeout) or the process died under it
        timed_out = timed_out_at == n
        err_all = err + outside
        outputs.append(make_output(script.id, text, err_all,
                                   None if timed_out else proc.returncode,
                                   time.monotonic() - started[n], timed_out))
        break
    if not started:
        if killed:
            reason = f"runner started no script within {startup_timeout_s:.0f} s\n{outside}"
        else:
            reason = outside or f"runner exited with {proc.returncode} before its first script"
        return [], (None if killed else proc.returncode, reason, killed)
    return outputs, None
