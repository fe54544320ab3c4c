"""Configurable bounds checked before anything is allocated (wrpc.md §2: a robust peer bounds
every length it reads). Defaults are generous enough for every golden vector."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Limits:
    max_name_length: int = 64 * 1024
    max_path_length: int = 32
    max_frame_data: int = 0xFFFF_FFFF
    max_list_length: int = 1 << 24
    max_string_length: int = 1 << 26
    max_depth: int = 64

    def to_json(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Limits:
        """Defaults overridden by the known keys of ``data``; unknown keys raise ValueError."""
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown limit(s): {', '.join(sorted(unknown))}")
        for k, v in data.items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"limit {k} must be a non-negative integer")
        return replace(cls(), **data)


DEFAULT_LIMITS = Limits()
