"""wasmtime-py (PyPI ``wasmtime``): runs the probe through wasmtime's C API, in a runner
process (adapters/wasmtime_py_child.py) that keeps one deserialized component for a batch.

What it cannot reach: its C API exposes only ``wasi_config_inherit_network`` and
``wasi_config_allow_ip_name_lookup``; there is no switch to allow TCP or UDP, so
``create-tcp-socket``/``create-udp-socket`` give ``access-denied`` even with the network
granted. Capabilities are therefore ``lookup`` (granted) and ``deny``; TCP and UDP scenarios
are not run here (wasi-sockets.md §12).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
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

CHILD = "wasmnet_conformance.sockets.adapters.wasmtime_py_child"
FFI_FUNCTIONS = ("wasi_config_inherit_network", "wasi_config_allow_ip_name_lookup")
JOBS = 2
"""Runner processes at a time (the suite runs on 2-core machines)."""
LIMITATION = ("wasmtime-py's C API has no switch to allow TCP or UDP (only "
              "wasi_config_inherit_network and wasi_config_allow_ip_name_lookup), so socket "
              "creation is always access-denied: only ip-name-lookup is reachable")


class WasmtimePy(Adapter):
    name = "wasmtime-py"
    capabilities = frozenset({"lookup", "deny"})

    def __init__(self) -> None:
        self.jobs = JOBS
        """Processes at a time for one run() call."""
        self._cache: Path | None = None
        self._compiled: Path | None = None

    def availability(self) -> Availability:
        if importlib.util.find_spec("wasmtime") is None:
            return Availability(False, "wasmtime-py not installed (pip install wasmtime)")
        try:
            from wasmtime import _ffi as ffi
        except Exception as e:  # a broken native library shows up here
            return Availability(False, f"wasmtime-py does not load: {e}")
        missing = [f for f in FFI_FUNCTIONS if not hasattr(ffi, f)]
        if missing:
            return Availability(False, "wasmtime-py lacks " + ", ".join(missing))
        return Availability(True, f"wasmtime-py {self.version()}; {LIMITATION}")

    def version(self) -> str:
        try:
            return importlib.metadata.version("wasmtime")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def prepare(self, cache_dir: Path) -> None:
        self._cache = cache_dir
        avail = self.availability()
        if not avail.ok:
            raise AdapterUnavailable(avail.reason)
        try:
            probe = build.build_probe(cache_dir)
            key = build.content_key(build.CACHE_FORMAT, build.probe_build_key(probe),
                                    self.version(), sys.platform)

            def produce(tmp: Path) -> None:
                build.run_tool([sys.executable, "-m", CHILD, "--compile", str(probe),
                                str(tmp / "probe.serialized")],
                               env=build.tool_env(cache_dir), what="wasmtime-py compile")

            d, _ = build.cached_dir(cache_dir / "wasmtime-py", key, produce)
        except build.BuildError as e:
            raise AdapterUnavailable(str(e)) from None
        self._compiled = d / "probe.serialized"

    def argv(self, *, granted: bool, markers: bool) -> list[str]:
        if self._compiled is None:
            raise RuntimeError("call prepare() first")
        argv = [sys.executable, "-m", CHILD, "--component", str(self._compiled)]
        if granted:
            argv.append("--granted")
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
        return {**super().meta(), "version": self.version(), "limitation": LIMITATION,
                "component": str(self._compiled),
                "grant": "wasi_config_inherit_network + wasi_config_allow_ip_name_lookup",
                "deny": "neither call"}
