"""Where a finding came from: target, libFuzzer seed, tool versions, date. Campaigns write it
next to each crash file (``<crash>.json``); ``to_vector`` copies it into the vector file."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any

SIDECAR_SUFFIX = ".json"


def tool_versions() -> dict[str, str]:
    versions = {"python": platform.python_version(), "platform": sys.platform}
    for dist in ("atheris", "wasmnet-conformance"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return versions


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def record(target: str, *, seed: int | None, **extra: Any) -> dict[str, Any]:
    return {"target": target, "seed": seed, "tools": tool_versions(), "date": now(), **extra}


def sidecar(crash: Path) -> Path:
    return crash.with_name(crash.name + SIDECAR_SUFFIX)


def write_sidecar(crash: Path, data: dict[str, Any]) -> None:
    sidecar(crash).write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def read_sidecar(crash: Path) -> dict[str, Any]:
    path = sidecar(crash)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
