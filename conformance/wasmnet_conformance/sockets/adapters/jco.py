"""jco on Node: the probe transpiled by ``jco transpile --instantiation async`` and run with
``@bytecodealliance/preview2-shim`` (both pinned in conformance/node, installed by ``npm ci``
into the cache). One Node process runs a whole batch, instantiating the component per script
(conformance/node/probe-runner.mjs). Network access: granted by default in preview2-shim;
denied per instance with ``createSockets({enableNetwork: false})`` (the instance-local form of
``_denyTcp``/``_denyUdp``/``_denyDnsLookup``, wasi-sockets.md §12). Node 20 needs
``--experimental-wasm-extended-const`` for componentize-py output (added when V8 knows it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wasmnet_conformance.sockets import build
from wasmnet_conformance.sockets.adapters.base import (
    Adapter,
    AdapterUnavailable,
    Availability,
    RunOutput,
    shell_join,
)
from wasmnet_conformance.sockets.adapters.batch import run_batch
from wasmnet_conformance.sockets.script import Script

NODE_ENV = "WASMNET_NODE"
"""Path of a node binary to use instead of the one on PATH."""
MIN_NODE_MAJOR = 18
EXTENDED_CONST = "--experimental-wasm-extended-const"
SHIM_PACKAGE = Path("@bytecodealliance", "preview2-shim")

JOBS = 2
"""Runner processes at a time (the suite runs on 2-core machines)."""


def _node() -> str | None:
    return os.environ.get(NODE_ENV) or shutil.which("node")


class Jco(Adapter):
    name = "jco"
    capabilities = frozenset({"tcp", "udp", "lookup", "deny"})

    def __init__(self) -> None:
        self.jobs = JOBS
        """Processes at a time for one run() call."""
        self._cache: Path | None = None
        self._node: str | None = None
        self._flags: list[str] = []
        self._probe_js: Path | None = None
        self._node_version: str | None = None

    def _node_info(self, node: str) -> tuple[str, list[str]]:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
        version = out.stdout.strip()
        v8 = subprocess.run([node, "--v8-options"], capture_output=True, text=True, timeout=60,
                            stdin=subprocess.DEVNULL)
        flags = [EXTENDED_CONST] if EXTENDED_CONST in v8.stdout else []
        return version, flags

    def availability(self) -> Availability:
        node = _node()
        if node is None:
            return Availability(False, "node not found: install Node.js >= 18 (with npm)")
        try:
            version, _ = self._node_info(node)
        except (OSError, subprocess.SubprocessError) as e:
            return Availability(False, f"{node} does not run: {e}")
        m = re.match(r"v(\d+)", version)
        if not m or int(m.group(1)) < MIN_NODE_MAJOR:
            return Availability(False, f"node {version} is too old (need >= {MIN_NODE_MAJOR})")
        if shutil.which("npm") is None:
            return Availability(False, f"node {version} found but npm is missing (needed once "
                                       "to install jco and preview2-shim)")
        return Availability(True, f"node {version} at {node}")

    def _package_version(self, package: Path) -> str:
        if self._cache is None:
            return "unknown"
        meta = build.node_dir(self._cache) / "node_modules" / package / "package.json"
        try:
            return str(json.loads(meta.read_text())["version"])
        except (OSError, ValueError, KeyError):
            return "unknown"

    def version(self) -> str:
        return (f"jco {self._package_version(build.JCO_PACKAGE)}, preview2-shim "
                f"{self._package_version(SHIM_PACKAGE)}, node {self._node_version or '?'}")

    def prepare(self, cache_dir: Path) -> None:
        self._cache = cache_dir
        avail = self.availability()
        if not avail.ok:
            raise AdapterUnavailable(avail.reason)
        node = _node()
        assert node is not None
        self._node = node
        self._node_version, self._flags = self._node_info(node)
        try:
            build.ensure_node_packages(cache_dir)
            probe = build.build_probe(cache_dir)
            self._probe_js = build.transpile_jco(cache_dir, probe, node)
        except build.BuildError as e:
            raise AdapterUnavailable(str(e)) from None

    def argv(self, *, granted: bool, markers: bool) -> list[str]:
        if self._cache is None or self._node is None or self._probe_js is None:
            raise RuntimeError("call prepare() first")
        argv = [self._node, *self._flags, str(build.node_dir(self._cache) / build.NODE_RUNNER),
                "--component", str(self._probe_js)]
        if not granted:
            argv.append("--deny")
        if markers:
            argv.append("--markers")
        return argv

    def run(self, scripts: Sequence[Script], *, granted: bool,
            timeout_s: float) -> list[RunOutput]:
        assert self._cache is not None, "call prepare() first"
        base = self.argv(granted=granted, markers=True)
        return run_batch(scripts, lambda batch: [*base, "--batch", str(batch)],
                         env=build.tool_env(self._cache), timeout_s=timeout_s, jobs=self.jobs)

    def repro(self, script_path: Path, *, granted: bool) -> str:
        return shell_join([*self.argv(granted=granted, markers=False), str(script_path)])

    def meta(self) -> dict[str, Any]:
        return {**super().meta(), "version": self.version(), "node": self._node,
                "node_flags": self._flags, "component": str(self._probe_js),
                "grant": "preview2-shim default network",
                "deny": "createSockets({enableNetwork: false}) per instance"}
