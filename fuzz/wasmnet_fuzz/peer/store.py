"""Files the fuzzer keeps: the corpus (inputs with new behaviour), findings (replayable JSON
plus the raw bytes), and the run report (``report.json`` and ``report.txt``).

Finding file format (``wasmnet-peer-finding/1``): the exact client-to-server bytes (hex), the
transport writes they were sent in (lengths), that the client half-closed, the class observed
(``crash``, ``hang``, ``liveness-lost``) and its detail, the function named, the server's stderr
tail, and provenance (target, seed, tool versions, date).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wasmnet_fuzz.peer.behaviour import Behaviour
from wasmnet_fuzz.peer.inputs import PeerInput
from wasmnet_fuzz.provenance import read_sidecar, write_sidecar

FINDING_FORMAT = "wasmnet-peer-finding/1"
CORPUS_SUFFIX = ".bin"
MAX_CORPUS_LOAD = 2000


def write_lengths(inp: PeerInput) -> list[int]:
    return [len(w) for w in inp.writes()]


def from_lengths(data: bytes, lengths: list[int]) -> PeerInput:
    cuts: list[int] = []
    pos = 0
    for n in lengths[:-1]:
        pos += n
        cuts.append(pos)
    return PeerInput(data, tuple(cuts))


def load_corpus(directory: Path) -> list[PeerInput]:
    """Inputs kept by earlier runs (unreadable files are skipped)."""
    if not directory.is_dir():
        return []
    out: list[PeerInput] = []
    for path in sorted(directory.glob(f"*{CORPUS_SUFFIX}"))[:MAX_CORPUS_LOAD]:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        raw = read_sidecar(path).get("writes")
        lengths = [n for n in raw if isinstance(n, int)] if isinstance(raw, list) else []
        ok = isinstance(raw, list) and len(lengths) == len(raw) > 0 and \
            sum(lengths) == len(data)
        out.append(from_lengths(data, lengths) if ok else PeerInput(data))
    return out


def save_corpus_entry(directory: Path, inp: PeerInput, behaviour: Behaviour) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{inp.digest()}{CORPUS_SUFFIX}"
    path.write_bytes(inp.data)
    write_sidecar(path, {"signature": behaviour.signature, "class": behaviour.cls.value,
                         "detail": behaviour.detail, "writes": write_lengths(inp)})
    return path


def slug(behaviour: Behaviour) -> str:
    """One file per signature, so later runs find earlier findings."""
    text = f"{behaviour.cls.value}-{behaviour.detail}"
    text = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].rstrip("-")
    return f"{text}-{behaviour.signature.split(':')[1][:8]}"


@dataclass
class Finding:
    behaviour: Behaviour
    function: str
    original: PeerInput
    minimized: PeerInput
    attempts: int
    stderr: str
    path: Path | None = None
    known: bool = False
    """A finding with this signature was already on disk (from an earlier run)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def document(self, provenance: dict[str, Any]) -> dict[str, Any]:
        return {
            "format": FINDING_FORMAT,
            "role": "wrpc-server",
            "signature": self.behaviour.signature,
            "class": self.behaviour.cls.value,
            "detail": self.behaviour.detail,
            "function": self.function,
            "request": {"hex": self.minimized.data.hex(),
                        "writes": write_lengths(self.minimized), "half_close": True},
            "original": {"hex": self.original.data.hex(),
                         "writes": write_lengths(self.original)},
            "minimize_attempts": self.attempts,
            "server_stderr_tail": self.stderr,
            "provenance": provenance,
        }


def save_finding(directory: Path, finding: Finding, provenance: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = slug(finding.behaviour)
    path = directory / f"{name}.json"
    finding.known = path.exists()
    if not finding.known:
        doc = finding.document(provenance)
        doc["to_case"] = f"python -m wasmnet_fuzz.peer.to_case {path}"
        path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (directory / f"{name}.bin").write_bytes(finding.minimized.data)
    finding.path = path
    return path


def write_report(directory: Path, report: dict[str, Any]) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    js = directory / "report.json"
    txt = directory / "report.txt"
    js.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    txt.write_text(report_text(report), encoding="utf-8")
    return js, txt


def report_text(r: dict[str, Any]) -> str:
    lines = [
        f"peer fuzzing of {r['target'].get('address')} "
        f"(cmd: {r['target'].get('wrpc_server_cmd')})",
        f"seed {r['seed']}  time {r['time_s']:.1f}s  inputs {r['inputs']} "
        f"({r['inputs_per_s']:.1f}/s)  probes {r['probes']}  restarts {r['restarts']}",
        f"behaviours {len(r['behaviours'])} (new this run {r['new_behaviours']}), "
        f"corpus entries written {r['corpus_written']}",
        f"stopped: {r['stopped']}",
        "",
        "behaviours:",
    ]
    for b in r["behaviours"]:
        lines.append(f"  {b['count']:>7}  {b['class']:<14} {b['detail']}")
    lines.append("")
    lines.append(f"findings: {len(r['findings'])}")
    for f in r["findings"]:
        state = "known" if f["known"] else "new"
        lines.append(f"  [{state}] {f['class']} ({f['detail']}) on {f['function']}: "
                     f"{f['original_size']} -> {f['minimized_size']} bytes, {f['file']}")
        lines.append(f"         {f['to_case']}")
    return "\n".join(lines) + "\n"
