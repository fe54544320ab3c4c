"""What every runtime adapter offers (in the spirit of wasi-testsuite's adapters,
wasi-sockets.md §11), and the one result shape they all return.

An adapter knows how to find (or install) its runtime, its version, how to grant or deny
network access, how to run the probe with a batch of scripts, and how to print a one-line
command that reruns one script. ``prepare`` does the slow, cached work (build, compile,
transpile, ``npm ci``); ``run`` only runs.
"""

from __future__ import annotations

import abc
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasmnet_conformance.sockets.script import (
    ParsedOutput,
    Script,
    StepResult,
    parse_output,
    with_unfinished,
)

CAPABILITIES = frozenset({"tcp", "udp", "lookup", "deny"})
"""tcp/udp/lookup: reachable with network granted; deny: a denial mode exists."""
STDERR_TAIL_LINES = 20
MAX_CAPTURE_BYTES = 4 << 20
"""Bound on the stdout/stderr kept per script."""
KILL_GRACE_S = 5.0


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str
    """Why not (or, when ok, what was found: the binary, the version)."""


class AdapterUnavailable(Exception):
    """The runtime cannot be used here (missing, unsupported OS, failed install)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RunOutput:
    script_id: str
    lines: list[dict[str, Any]]
    """Every probe line (parsed JSON objects)."""
    trapped_at: int | None
    """The step that began and never ended while the runtime ended on its own."""
    exit_code: int | None
    """None when the suite killed the run (``timed_out``)."""
    stderr_tail: str
    duration_s: float
    timed_out: bool
    done: bool = False
    """The probe printed ``{"done": true}``: every step ran and the clean-up did not trap."""
    results: list[StepResult] = field(default_factory=list)
    """One per step that began; the unfinished one as ``trap`` or ``timeout``."""
    script_error: str | None = None
    junk: list[str] = field(default_factory=list)
    protocol_errors: list[str] = field(default_factory=list)

    def observations(self) -> list[dict[str, Any]]:
        """kind/value/extra per step that began (index == step number)."""
        return [r.observation() for r in self.results]


def tail(text: str, n: int = STDERR_TAIL_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def make_output(script_id: str, stdout: str, stderr: str, exit_code: int | None,
                duration_s: float, timed_out: bool) -> RunOutput:
    parsed: ParsedOutput = parse_output(stdout)
    trapped = parsed.unfinished_at if (not parsed.done and not timed_out) else None
    return RunOutput(
        script_id=script_id,
        lines=parsed.lines,
        trapped_at=trapped,
        exit_code=exit_code,
        stderr_tail=tail(stderr),
        duration_s=duration_s,
        timed_out=timed_out,
        done=parsed.done,
        results=with_unfinished(parsed, timed_out=timed_out),
        script_error=parsed.script_error,
        junk=parsed.junk,
        protocol_errors=parsed.protocol_errors,
    )


class Adapter(abc.ABC):
    """A runtime the probe can run in."""

    name: str
    capabilities: frozenset[str]
    jobs: int
    """Processes one ``run`` call keeps busy at a time (default 2, for 2-core machines)."""

    @abc.abstractmethod
    def availability(self) -> Availability:
        """Cheap: is the runtime (or a way to install it) here? Never installs."""

    @abc.abstractmethod
    def version(self) -> str:
        """The runtime's version (``unknown`` if it cannot say)."""

    @abc.abstractmethod
    def prepare(self, cache_dir: Path) -> None:
        """Build/compile/transpile (cached) and install what can be installed.
        Raises AdapterUnavailable with a reason when the runtime cannot be used."""

    @abc.abstractmethod
    def run(self, scripts: Sequence[Script], *, granted: bool,
            timeout_s: float) -> list[RunOutput]:
        """Run each script once (network granted or denied); one output per script, in order."""

    @abc.abstractmethod
    def repro(self, script_path: Path, *, granted: bool) -> str:
        """A one-line shell command that reruns the script file in this runtime."""

    def meta(self) -> dict[str, Any]:
        """JSON-able facts for the report (version, binary, limitations)."""
        return {"name": self.name, "capabilities": sorted(self.capabilities)}


# ---------------------------------------------------------------- process helpers


@dataclass(frozen=True)
class ProcessResult:
    stdout: str
    stderr: str
    exit_code: int | None
    timed_out: bool
    duration_s: float


def _popen_kwargs() -> dict[str, Any]:
    """Own process group (POSIX) so a timeout kills wrappers and their children too."""
    if sys.platform == "win32":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    if sys.platform == "win32":
        proc.kill()
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _decode(b: bytes) -> str:
    return b[:MAX_CAPTURE_BYTES].decode("utf-8", "replace")


def run_process(argv: Sequence[str], *, env: dict[str, str] | None, timeout_s: float,
                cwd: Path | None = None) -> ProcessResult:
    """Run one process to completion or kill it (and its group) after ``timeout_s``."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=env, cwd=cwd, **_popen_kwargs())
    except OSError as e:
        return ProcessResult("", f"cannot start {argv[0]}: {e}", 127, False,
                             time.monotonic() - start)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_tree(proc)
        try:
            out, err = proc.communicate(timeout=KILL_GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = b"", b"(output lost: the process did not die after kill)"
    return ProcessResult(_decode(out), _decode(err), None if timed_out else proc.returncode,
                         timed_out, time.monotonic() - start)


def run_each(scripts: Sequence[Script], argv_for: Any, *, env: dict[str, str],
             timeout_s: float, jobs: int) -> list[RunOutput]:
    """One process per script, ``jobs`` at a time; ``argv_for(script) -> (argv, env)``."""

    def one(script: Script) -> RunOutput:
        argv, script_env = argv_for(script)
        r = run_process(argv, env=script_env or env, timeout_s=timeout_s)
        return make_output(script.id, r.stdout, r.stderr, r.exit_code, r.duration_s,
                           r.timed_out)

    if jobs <= 1 or len(scripts) <= 1:
        return [one(s) for s in scripts]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, scripts))


SCRIPT_SENTINEL = "\x00script\x00"
"""Stands for the script's JSON text in argv given to :func:`shell_join`."""


def shell_join(argv: Sequence[str], env: dict[str, str] | None = None,
               script_path: Path | None = None) -> str:
    """A POSIX shell command line (``K=V ... argv``); SCRIPT_SENTINEL inside a word becomes
    ``"$(cat SCRIPT_PATH)"``, so the line reads the script from its file."""

    def word(w: str) -> str:
        if SCRIPT_SENTINEL not in w or script_path is None:
            return shlex.quote(w)
        cat = f"\"$(cat {shlex.quote(str(script_path))})\""
        return cat.join(shlex.quote(part) if part else "" for part in w.split(SCRIPT_SENTINEL))

    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (env or {}).items())
    cmd = " ".join(word(w) for w in argv)
    return f"{prefix} {cmd}" if prefix else cmd
