"""Scripts for the wasi:sockets probe and the parsing of what the probe prints.

The contract (the probe is ``conformance/probe/app.py``):

* A script is ``{"id": ID, "steps": [{"call": NAME, "args": [...], "as": NAME?}, ...]}``,
  delivered in the env var ``WASMNET_SCRIPT``. Resources are named by ``as`` and referenced as
  ``"$name"``; without ``as`` a resource is named ``_<k>`` (k = step index), except that
  ``tcp.finish-connect`` and ``udp.stream`` name their streams after the socket (``s.in``,
  ``s.out``). ``{name}`` placeholders (whole values keep their JSON type, e.g. an int port; in a
  longer string they are formatted in) are filled from the fixtures by :meth:`Script.substitute`
  before the script runs; ``{{`` and ``}}`` stand for literal braces.
* Values: families ``"ipv4"``/``"ipv6"``; socket addresses ``{"ipv4": [a,b,c,d], "port": P}`` or
  ``{"ipv6": [8 x u16], "port": P, "flow-info": F, "scope-id": S}``; ip-addresses ``{"ipv4":
  [...]}``/``{"ipv6": [...]}``; bytes as lowercase hex, or the compact form ``{"repeat": HEX,
  "count": N}`` (HEX repeated N times, at most 1 MiB in all) wherever data is expected;
  durations in ns; timeouts in ms.
* Output, one JSON object per line, flushed: ``{"i": k, "begin": NAME}`` before step k, then
  exactly one of ``{"i": k, "ok": V}``, ``{"i": k, "err": CODE}`` (a wasi:sockets error-code, or
  the stream-error ``closed``/``last-operation-failed``), ``{"i": k, "probe-error": TEXT}`` (bad
  script: a suite bug); extra fields allowed (``would_block``, ``closed``, ``written``, ``data``,
  ``debug``). ``{"done": true}`` after the last step and the clean-up (resources dropped newest
  first). A script the probe cannot read gives ``{"probe-error": TEXT}`` without ``i``.
* A step that began and has no result, without ``done``, trapped (or the runtime died); the
  adapters report it as ``RunOutput.trapped_at`` (or ``timed_out`` when the suite killed it).

Helpers (not WASI calls): ``drop(name)``; ``wait(name, timeout_ms)`` -> ``{"ready": bool}``;
``finish(call, "$s", timeout_ms)`` retries a would-block call (``tcp.finish-bind``,
``tcp.finish-connect``, ``tcp.finish-listen``, ``tcp.accept``, ``udp.finish-bind``,
``resolve-next-address``) waiting on ``s.subscribe()``, and adds ``would_block`` (the number of
would-block answers before the reported one; a final ``err: would-block`` means it timed out);
``read-exact("$in", n, timeout_ms)`` -> hex, plus ``closed``; ``write-all("$out", hex,
timeout_ms = 5000)`` -> null plus ``written`` (``err: would-block`` when it timed out);
``output.write-beyond-permit("$out", timeout_ms = 5000)``: check-write (after waiting, bounded,
for the stream to be writable) then a write of one byte more than granted, which must trap; an
``ok`` carries ``permit`` and ``written``, an ``err`` says ``at`` (``check-write`` or ``write``).
Each output line is written whole (4096-byte blocking-write-and-flush calls on wasi:cli/stdout).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

SCRIPT_ENV = "WASMNET_SCRIPT"
"""The env var that carries the script's JSON into the probe."""
MAX_SCRIPT_BYTES = 100_000
"""Scripts travel in a command-line argument on some runtimes (wasmtime ``--env``): Linux caps
one argument at 128 KiB."""
MAX_OUTPUT_LINES = 100_000
"""Bound on the probe lines parsed per script (far beyond any scenario)."""

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*)\}")
_WHOLE = re.compile(r"\{([a-z][a-z0-9_]*)\}")

RESULT_KINDS = ("ok", "err", "probe-error")
"""The result keys of a step line (exactly one per step)."""


class ScriptError(ValueError):
    """A malformed script or a placeholder without a value: a suite bug."""


def _substitute(value: Any, values: Mapping[str, str | int], used: set[str]) -> Any:
    if isinstance(value, str):
        whole = _WHOLE.fullmatch(value)
        if whole:
            name = whole.group(1)
            if name not in values:
                raise ScriptError(f"no value for placeholder {{{name}}}")
            used.add(name)
            return values[name]

        def one(m: re.Match[str]) -> str:
            if m.group(0) == "{{":
                return "{"
            if m.group(0) == "}}":
                return "}"
            name = m.group(1)
            if name not in values:
                raise ScriptError(f"no value for placeholder {{{name}}}")
            used.add(name)
            return str(values[name])

        return _PLACEHOLDER.sub(one, value)
    if isinstance(value, list):
        return [_substitute(v, values, used) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, values, used) for k, v in value.items()}
    return value


def _placeholders(value: Any, out: set[str]) -> None:
    if isinstance(value, str):
        out.update(m.group(1) for m in _PLACEHOLDER.finditer(value) if m.group(1))
    elif isinstance(value, list):
        for v in value:
            _placeholders(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _placeholders(v, out)


@dataclass(frozen=True)
class Script:
    """One probe run: ``granted`` says whether the runtime grants network access."""

    id: str
    steps: tuple[dict[str, Any], ...]
    granted: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ScriptError("a script needs a non-empty string id")
        for k, step in enumerate(self.steps):
            if not isinstance(step, dict) or not isinstance(step.get("call"), str):
                raise ScriptError(f"{self.id}: step {k} needs a \"call\" string")
            extra = set(step) - {"call", "args", "as"}
            if extra:
                raise ScriptError(f"{self.id}: step {k} has unknown keys {sorted(extra)}")
            if not isinstance(step.get("args", []), list):
                raise ScriptError(f"{self.id}: step {k}: args must be a list")

    @classmethod
    def of(cls, id: str, steps: Sequence[Mapping[str, Any]], *, granted: bool = True) -> Script:
        return cls(id, tuple(dict(s) for s in steps), granted)

    @classmethod
    def from_json(cls, text: str, *, granted: bool = True) -> Script:
        try:
            obj = json.loads(text)
        except ValueError as e:
            raise ScriptError(f"script is not JSON: {e}") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("steps"), list):
            raise ScriptError("a script is an object with \"id\" and a \"steps\" list")
        return cls.of(obj.get("id", ""), obj["steps"], granted=granted)

    def placeholders(self) -> set[str]:
        """The placeholder names the script uses."""
        out: set[str] = set()
        for step in self.steps:
            _placeholders(step.get("args", []), out)
        return out

    def substitute(self, values: Mapping[str, str | int]) -> Script:
        """The script with every ``{name}`` filled in; unknown names are a ScriptError."""
        used: set[str] = set()
        steps = tuple(
            {**s, "args": _substitute(s.get("args", []), values, used)} if "args" in s else s
            for s in self.steps
        )
        return replace(self, steps=steps)

    def to_json(self) -> str:
        """The text the probe reads; ScriptError if it is too long to pass in an env var."""
        text = json.dumps({"id": self.id, "steps": list(self.steps)}, separators=(",", ":"))
        if len(text.encode()) > MAX_SCRIPT_BYTES:
            raise ScriptError(f"{self.id}: script longer than {MAX_SCRIPT_BYTES} bytes")
        return text


@dataclass(frozen=True)
class StepResult:
    """What became of one step that began."""

    i: int
    call: str | None
    kind: str
    """``ok``, ``err``, ``probe-error``, or, for the step that never ended, ``trap`` or
    ``timeout``."""
    value: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def observation(self) -> dict[str, Any]:
        """The model's Observation fields (kind/value/extra) as a plain dict."""
        return {"kind": self.kind, "value": self.value, "extra": dict(self.extra)}


@dataclass(frozen=True)
class ParsedOutput:
    lines: list[dict[str, Any]]
    """Every probe line (JSON object) in order."""
    results: list[StepResult]
    """One per step that began, in step order (index == step number)."""
    unfinished_at: int | None
    """The step that began and never reported a result."""
    done: bool
    script_error: str | None
    """A ``probe-error`` about the whole script (no step index)."""
    junk: list[str]
    """Output lines that are not probe lines (runtime noise), first few only."""
    protocol_errors: list[str]
    """Lines out of contract (wrong order, double results): a probe or runtime bug."""


def parse_output(text: str) -> ParsedOutput:
    """Parse a probe's stdout. Tolerates noise; never raises on bad input."""
    lines: list[dict[str, Any]] = []
    results: list[StepResult] = []
    junk: list[str] = []
    errors: list[str] = []
    begun: tuple[int, str | None] | None = None
    done = False
    script_error: str | None = None
    for raw in text.splitlines()[:MAX_OUTPUT_LINES]:
        raw = raw.strip()
        if not raw:
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            obj = None
        if not isinstance(obj, dict):
            if len(junk) < 20:
                junk.append(raw[:300])
            continue
        lines.append(obj)
        if obj.get("done") is True:
            done = True
            continue
        if "i" not in obj:
            if "probe-error" in obj:
                script_error = str(obj["probe-error"])
            else:
                errors.append(f"line without a step index: {raw[:200]}")
            continue
        i = obj["i"]
        if "begin" in obj:
            if begun is not None:
                errors.append(f"step {i} began before step {begun[0]} ended")
            if i != len(results):
                errors.append(f"step {i} began out of order (expected {len(results)})")
            call = obj["begin"]
            begun = (i, call if isinstance(call, str) else None)
            continue
        kinds = [k for k in RESULT_KINDS if k in obj]
        if len(kinds) != 1 or begun is None or begun[0] != i:
            errors.append(f"unexpected result line: {raw[:200]}")
            continue
        kind = kinds[0]
        extra = {k: v for k, v in obj.items() if k not in ("i", kind)}
        results.append(StepResult(i, begun[1], kind, obj[kind], extra))
        begun = None
    if done and begun is not None:
        errors.append(f"done while step {begun[0]} had no result")
    return ParsedOutput(
        lines=lines,
        results=results,
        unfinished_at=begun[0] if begun is not None else None,
        done=done,
        script_error=script_error,
        junk=junk,
        protocol_errors=errors,
    )


def with_unfinished(parsed: ParsedOutput, *, timed_out: bool) -> list[StepResult]:
    """The step results with the unfinished step (if any) as ``trap`` or ``timeout``."""
    results = list(parsed.results)
    if parsed.unfinished_at is not None and not parsed.done:
        call = None
        for line in reversed(parsed.lines):
            if line.get("i") == parsed.unfinished_at and "begin" in line:
                call = line["begin"] if isinstance(line["begin"], str) else None
                break
        results.append(StepResult(parsed.unfinished_at, call,
                                  "timeout" if timed_out else "trap"))
    return results
