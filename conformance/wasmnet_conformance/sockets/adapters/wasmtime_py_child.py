"""The wasmtime-py runner process: runs the probe with the ``wasmtime`` PyPI package, a fresh
Store and instance per script, framing each script's output like the Node runner does
(adapters/batch.py). It runs in its own process so a hanging script can be killed.

    python -m wasmnet_conformance.sockets.adapters.wasmtime_py_child --compile PROBE.wasm OUT
    python -m wasmnet_conformance.sockets.adapters.wasmtime_py_child --component OUT
        [--granted] [--markers] (--batch BATCH.json | SCRIPT.json...)

``--granted`` calls the C API's ``wasi_config_inherit_network`` and
``wasi_config_allow_ip_name_lookup`` (not wrapped by WasiConfig; reached through
``wasmtime._ffi``). The C API has no switch for TCP or UDP, so socket creation stays
access-denied: only ip-name-lookup is reachable (wasi-sockets.md §12).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

RUN_INTERFACE = "wasi:cli/run@0.2.12"


def _write(fd: int, data: bytes) -> None:
    while data:
        n = os.write(fd, data)
        data = data[n:]


def _marker(obj: dict[str, Any]) -> None:
    # a leading newline keeps the marker on its own line after a partial probe line
    _write(1, ("\n" + json.dumps({"wasmnet-runner": obj.pop("kind"), **obj}) + "\n").encode())


def _compile(probe: str, out: str) -> int:
    import wasmtime
    from wasmtime.component import Component

    engine = wasmtime.Engine(wasmtime.Config())
    component = Component.from_file(engine, probe)
    Path(out).write_bytes(bytes(component.serialize()))
    return 0


def _run_one(engine: Any, component: Any, script: str, *, granted: bool) -> None:
    import wasmtime
    from wasmtime import _ffi as ffi
    from wasmtime.component import Linker

    wasi = wasmtime.WasiConfig()
    wasi.env = [("WASMNET_SCRIPT", script)]
    wasi.argv = ["probe"]
    wasi.stdout_custom = lambda b: _write(1, b)
    wasi.stderr_custom = lambda b: _write(2, b)
    if granted:
        ffi.wasi_config_inherit_network(wasi.ptr())
        ffi.wasi_config_allow_ip_name_lookup(wasi.ptr(), True)
    store = wasmtime.Store(engine)
    store.set_wasi(wasi)
    linker = Linker(engine)
    linker.add_wasip2()
    instance = linker.instantiate(store, component)
    iface = instance.get_export_index(store, RUN_INTERFACE)
    index = instance.get_export_index(store, "run", iface) if iface is not None else None
    if index is None:
        raise RuntimeError(f"the component exports no {RUN_INTERFACE}#run")
    func = instance.get_func(store, index)
    if func is None:
        raise RuntimeError("run is not a function")
    result = func(store)
    tag = getattr(result, "tag", "ok")
    if tag != "ok":
        raise RuntimeError(f"run returned {result!r}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="wasmtime_py_child")
    p.add_argument("--compile", nargs=2, metavar=("PROBE", "OUT"))
    p.add_argument("--component")
    p.add_argument("--granted", action="store_true")
    p.add_argument("--markers", action="store_true")
    p.add_argument("--batch")
    p.add_argument("scripts", nargs="*")
    a = p.parse_args(argv)
    if a.compile:
        return _compile(*a.compile)
    if not a.component:
        p.error("--component is required")

    import wasmtime
    from wasmtime.component import Component

    texts: list[str] = []
    if a.batch:
        # script texts, passed through unchanged (an object is accepted too)
        texts += [s if isinstance(s, str) else json.dumps(s)
                  for s in json.loads(Path(a.batch).read_text())]
    texts += [Path(f).read_text() for f in a.scripts]
    engine = wasmtime.Engine(wasmtime.Config())
    component = Component.deserialize_file(engine, a.component)
    failures = 0
    for n, text in enumerate(texts):
        try:
            sid = json.loads(text).get("id")
        except (ValueError, AttributeError):
            sid = None
        if a.markers:
            _marker({"kind": "start", "n": n, "id": sid})
            _write(2, f"##wasmnet-runner start {n}\n".encode())
        error = None
        try:
            _run_one(engine, component, text, granted=a.granted)
        except Exception as e:
            error = f"{type(e).__name__}: {e}"
            _write(2, (traceback.format_exc(limit=3) + "\n").encode())
            failures += 1
        if a.markers:
            _write(2, f"\n##wasmnet-runner end {n}\n".encode())
            _marker({"kind": "end", "n": n, "id": sid, "exit_code": 0 if error is None else 1,
                     "error": error})
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
