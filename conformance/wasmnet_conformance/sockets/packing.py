"""Packing several scenarios into one probe script, and splitting the output back.

Starting an instance costs far more than a scenario's calls on some runtimes (jco instantiates
a large component per script), so scenarios that cannot trap by design are run several to a
script. Each member's resources get a prefix (``z3_s``), so members never share a name; the
output is split by step index and the names in ok values are mapped back, so the model and the
judge see exactly what an unpacked run would have produced. A member whose run a trap or hang
cut short is not judged from the pack: the runner reruns it alone (so one runtime bug never
costs the other members).

Pure: builds scripts and rewrites outputs; running is the runner's job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from wasmnet_conformance.sockets.adapters.base import RunOutput
from wasmnet_conformance.sockets.script import MAX_SCRIPT_BYTES, Script, StepResult

MAX_MEMBERS = 10
MAX_STEPS = 400
DEFAULT_NAMED = frozenset({"instance-network", "create-tcp-socket", "create-udp-socket",
                           "resolve-addresses", "tcp.accept"})
"""Calls whose resource is named ``_<k>`` when the step has no ``as`` (k = step index, which
changes in a pack: such steps get an explicit name)."""
STREAM_SUFFIXES = (".in", ".out")


@dataclass(frozen=True)
class Member:
    script: Script
    """The member's own (filled, unpacked) script."""
    offset: int
    """Index of its first step in the packed script."""
    prefix: str
    names: dict[str, str] = field(default_factory=dict)
    """Packed name -> original name."""

    @property
    def count(self) -> int:
        return len(self.script.steps)


@dataclass(frozen=True)
class Pack:
    script: Script
    members: tuple[Member, ...]


def _inner_call(step: dict[str, Any]) -> str:
    call = str(step.get("call"))
    if call == "finish" and step.get("args"):
        return str(step["args"][0])
    return call


def _rename_value(value: Any, prefix: str) -> Any:
    if isinstance(value, str):
        return "$" + prefix + value[1:] if value.startswith("$") else value
    if isinstance(value, list):
        return [_rename_value(v, prefix) for v in value]
    if isinstance(value, dict):
        return {k: _rename_value(v, prefix) for k, v in value.items()}
    return value


def rename_steps(steps: Sequence[dict[str, Any]], prefix: str
                 ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The steps with every resource name prefixed; returns (steps, packed -> original)."""
    out: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for k, step in enumerate(steps):
        new = dict(step)
        args = step.get("args")
        if isinstance(args, list):
            new["args"] = _rename_value(args, prefix)
            if step.get("call") in ("drop", "wait") and args and isinstance(args[0], str) \
                    and not args[0].startswith("$"):
                new["args"][0] = prefix + args[0]
        inner = _inner_call(step)
        as_name = step.get("as")
        if isinstance(as_name, str):
            new["as"] = prefix + as_name
            names[prefix + as_name] = as_name
        elif inner in DEFAULT_NAMED or inner.endswith("subscribe"):
            new["as"] = f"{prefix}_{k}"
            names[f"{prefix}_{k}"] = f"_{k}"
        out.append(new)
    return out, names


def packable(script: Script, may_trap: bool) -> bool:
    return not may_trap and bool(script.steps)


def pack(scripts: Sequence[Script], *, granted: bool, pack_id: str,
         max_members: int = MAX_MEMBERS, max_steps: int = MAX_STEPS) -> list[Pack]:
    """Greedy packs of ``scripts`` (in order) within the member, step and size bounds."""
    packs: list[Pack] = []
    current: list[Member] = []
    steps: list[dict[str, Any]] = []

    def close() -> None:
        if current:
            sid = f"{pack_id}.{len(packs)}"
            packs.append(Pack(Script.of(sid, steps, granted=granted), tuple(current)))

    for script in scripts:
        prefix = f"z{len(current)}_"
        renamed, names = rename_steps(script.steps, prefix)
        member = Member(script, len(steps), prefix, names)
        size = len(json.dumps({"id": pack_id, "steps": steps + renamed},
                              separators=(",", ":")).encode())
        if current and (len(current) >= max_members or len(steps) + len(renamed) > max_steps
                        or size > MAX_SCRIPT_BYTES):
            close()
            current, steps = [], []
            prefix = "z0_"
            renamed, names = rename_steps(script.steps, prefix)
            member = Member(script, 0, prefix, names)
        current.append(member)
        steps = steps + renamed
    close()
    return packs


def _unrename(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        if value in names:
            return names[value]
        for suffix in STREAM_SUFFIXES:
            if value.endswith(suffix) and value[: -len(suffix)] in names:
                return names[value[: -len(suffix)]] + suffix
        return value
    if isinstance(value, list):
        return [_unrename(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _unrename(v, names) for k, v in value.items()}
    return value


def split(p: Pack, out: RunOutput) -> tuple[list[tuple[Member, RunOutput]], list[Member]]:
    """Per member the output it would have had alone, for members that ran completely and
    cleanly; the members a trap or hang cut short (or that never ran) are returned for a
    rerun on their own."""
    done: list[tuple[Member, RunOutput]] = []
    rerun: list[Member] = []
    by_index = {r.i: r for r in out.results}
    stop = out.trapped_at if out.trapped_at is not None else (
        next((r.i for r in out.results if r.kind == "timeout"), None))
    for m in p.members:
        last = m.offset + m.count - 1
        cut = stop is not None and stop <= last
        if cut or out.script_error is not None or (not out.done and stop is None):
            rerun.append(m)
            continue
        results = []
        for k in range(m.count):
            r = by_index.get(m.offset + k)
            if r is not None:
                results.append(StepResult(k, r.call, r.kind, _unrename(r.value, m.names),
                                          _unrename(r.extra, m.names)))
        share = out.duration_s / max(1, len(p.members))
        done.append((m, replace(out, script_id=m.script.id, lines=[], trapped_at=None,
                                done=True, results=results, duration_s=share,
                                timed_out=False)))
    return done, rerun
