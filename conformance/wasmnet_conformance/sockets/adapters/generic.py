"""A runtime we have never heard of, driven by a command template (one process per script).

The template is split like a POSIX shell line (no shell runs it); in every word ``{wasm}``
becomes the probe component's path, ``{script_json}`` the script's JSON text and
``{script_file}`` the path of a file holding it. The script is also in the env var
``WASMNET_SCRIPT`` of the process, for runtimes that pass their environment through. Example
(the wasmtime CLI)::

    wasmtime run -S inherit-network,tcp,udp,allow-ip-name-lookup \
        --env WASMNET_SCRIPT={script_json} {wasm}

An optional deny template runs the denial pass; without one, ``deny`` is not a capability.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wasmnet_conformance.sockets import build
from wasmnet_conformance.sockets.adapters.base import (
    CAPABILITIES,
    SCRIPT_SENTINEL,
    Adapter,
    AdapterUnavailable,
    Availability,
    RunOutput,
    run_each,
    shell_join,
)
from wasmnet_conformance.sockets.script import SCRIPT_ENV, Script

CMD_ENV = "WASMNET_RUNTIME_CMD"
DENY_CMD_ENV = "WASMNET_RUNTIME_DENY_CMD"
NAME_ENV = "WASMNET_RUNTIME_NAME"
CAPS_ENV = "WASMNET_RUNTIME_CAPS"
VERSION_ENV = "WASMNET_RUNTIME_VERSION"
PLACEHOLDERS = ("{wasm}", "{script_json}", "{script_file}")
DEFAULT_JOBS = 2
_ANY_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


class TemplateError(ValueError):
    """A command template that cannot work (unknown placeholder, no {wasm})."""


def _split(template: str) -> list[str]:
    words = shlex.split(template, posix=sys.platform != "win32")
    if not words:
        raise TemplateError("empty command template")
    for w in words:
        for p in _ANY_PLACEHOLDER.findall(w):
            if p not in PLACEHOLDERS:
                raise TemplateError(f"unknown placeholder {p} (known: {', '.join(PLACEHOLDERS)})")
    if not any("{wasm}" in w for w in words):
        raise TemplateError("the template must contain {wasm}")
    return words


def _fill(words: list[str], values: dict[str, str]) -> list[str]:
    out = []
    for w in words:
        for k, v in values.items():
            w = w.replace(k, v)
        out.append(w)
    return out


class Generic(Adapter):
    def __init__(self, template: str, *, deny_template: str | None = None,
                 name: str = "generic", capabilities: frozenset[str] | None = None,
                 version: str | None = None, jobs: int = DEFAULT_JOBS) -> None:
        self.name = name
        self._words = _split(template)
        self._deny_words = _split(deny_template) if deny_template else None
        caps = capabilities if capabilities is not None else frozenset({"tcp", "udp", "lookup"})
        unknown = caps - CAPABILITIES
        if unknown:
            raise TemplateError(f"unknown capabilities {sorted(unknown)}")
        self.capabilities = caps | {"deny"} if self._deny_words else caps - {"deny"}
        self._version = version
        self.jobs = jobs
        self._cache: Path | None = None
        self._wasm: Path | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Generic | None:
        """From WASMNET_RUNTIME_CMD (+ _DENY_CMD, _NAME, _CAPS, _VERSION), or None if unset."""
        e = os.environ if env is None else env
        template = e.get(CMD_ENV)
        if not template:
            return None
        caps = e.get(CAPS_ENV)
        return cls(template, deny_template=e.get(DENY_CMD_ENV) or None,
                   name=e.get(NAME_ENV) or "generic",
                   capabilities=frozenset(c.strip() for c in caps.split(",") if c.strip())
                   if caps else None,
                   version=e.get(VERSION_ENV) or None)

    def _program(self) -> str | None:
        prog = self._words[0]
        if os.sep in prog or (os.altsep and os.altsep in prog):
            return prog if Path(prog).exists() else None
        return shutil.which(prog)

    def availability(self) -> Availability:
        prog = self._program()
        if prog is None:
            return Availability(False, f"command {self._words[0]!r} not found")
        return Availability(True, f"command template: {shlex.join(self._words)}")

    def version(self) -> str:
        if self._version is None:
            prog = self._program()
            self._version = "unknown"
            if prog is not None:
                try:
                    out = subprocess.run([prog, "--version"], capture_output=True, text=True,
                                         timeout=30, stdin=subprocess.DEVNULL)
                    first = (out.stdout or out.stderr).strip().splitlines()
                    if out.returncode == 0 and first:
                        self._version = first[0][:200]
                except (OSError, subprocess.SubprocessError):
                    pass
        return self._version

    def prepare(self, cache_dir: Path) -> None:
        self._cache = cache_dir
        avail = self.availability()
        if not avail.ok:
            raise AdapterUnavailable(avail.reason)
        try:
            self._wasm = build.build_probe(cache_dir)
        except build.BuildError as e:
            raise AdapterUnavailable(str(e)) from None

    def _words_for(self, granted: bool) -> list[str]:
        if granted:
            return self._words
        if self._deny_words is None:
            raise AdapterUnavailable(f"{self.name}: no deny template configured")
        return self._deny_words

    def run(self, scripts: Sequence[Script], *, granted: bool,
            timeout_s: float) -> list[RunOutput]:
        if self._cache is None or self._wasm is None:
            raise RuntimeError("call prepare() first")
        words = self._words_for(granted)
        base_env = build.tool_env(self._cache)
        wasm = str(self._wasm)
        with tempfile.TemporaryDirectory(prefix="wasmnet-generic-") as tmp:

            def argv_for(script: Script) -> tuple[list[str], dict[str, str]]:
                text = script.to_json()
                path = Path(tmp) / f"script-{uuid.uuid4().hex}.json"
                path.write_text(text)
                argv = _fill(words, {"{wasm}": wasm, "{script_json}": text,
                                     "{script_file}": str(path)})
                return argv, {**base_env, SCRIPT_ENV: text}

            return run_each(scripts, argv_for, env=base_env, timeout_s=timeout_s,
                            jobs=self.jobs)

    def repro(self, script_path: Path, *, granted: bool) -> str:
        if self._wasm is None:
            raise RuntimeError("call prepare() first")
        words = _fill(self._words_for(granted), {"{wasm}": str(self._wasm),
                                                 "{script_file}": str(script_path),
                                                 "{script_json}": SCRIPT_SENTINEL})
        return shell_join(words, None, script_path)

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "version": self.version(), "template": shlex.join(self._words),
                "deny_template": shlex.join(self._deny_words) if self._deny_words else None,
                "component": str(self._wasm)}
