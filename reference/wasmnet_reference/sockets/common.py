"""The pieces every call handler uses: the parsed step, possibilities (an allowed result plus
the state transition it causes), constructors for allowed results, the tolerant codes, and the
builder for an async operation's final results.

A handler maps (world, step) to a list of :class:`Possibility`; the simulator judges the
observation against their ``allowed`` and applies the matching ones' ``apply`` to copies of the
world. ``apply`` may return several worlds when an ambiguity forks the state.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from .addresses import AddressError, Family, SockAddr
from .errors import ALWAYS_POSSIBLE, ErrorCode, StreamError
from .judgment import Allowed, Observation, Pred
from .rules import (
    ASYNC_ERROR_TIMING,
    ASYNC_START_OK,
    ASYNC_WOULD_BLOCK,
    ERR_ALWAYS_POSSIBLE,
    ERR_RESOURCE_EXHAUSTION,
    SocketRule,
)
from .state import HostFacts, Pollable, World

U8_MAX = 0xFF
U16_MAX = 0xFFFF
U32_MAX = 0xFFFF_FFFF
U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


class BadStep(Exception):
    """The step cannot be judged: unknown call, resource or malformed argument (a suite bug)."""


@dataclass(frozen=True)
class Step:
    """One script step (placeholders already substituted)."""

    index: int
    call: str
    args: tuple[Any, ...]
    as_: str | None

    @classmethod
    def parse(cls, index: int, raw: Any) -> Step:
        if not isinstance(raw, dict) or not isinstance(raw.get("call"), str):
            raise BadStep(f"step {index} is not an object with a \"call\" string")
        args = raw.get("args", [])
        if not isinstance(args, list):
            raise BadStep(f"step {index}: args must be a list")
        as_ = raw.get("as")
        if as_ is not None and (not isinstance(as_, str) or not as_ or as_.startswith("$")):
            raise BadStep(f"step {index}: bad \"as\" name {as_!r}")
        return cls(index, raw["call"], tuple(args), as_)

    def name(self, default: str | None = None) -> str:
        """The name the probe gives this step's new resource (``as``, else default / ``_k``)."""
        if self.as_ is not None:
            return self.as_
        return default if default is not None else f"_{self.index}"

    def arity(self, lo: int, hi: int | None = None) -> None:
        hi = lo if hi is None else hi
        if not lo <= len(self.args) <= hi:
            raise BadStep(f"{self.call} takes {lo}..{hi} arguments, got {len(self.args)}")

    def arg(self, i: int) -> Any:
        if i >= len(self.args):
            raise BadStep(f"{self.call}: missing argument {i}")
        return self.args[i]

    def ref(self, i: int, *, bare: bool = False) -> str:
        """A resource reference ``"$name"`` (``bare``: the ``$`` may be left out)."""
        v = self.arg(i)
        if not isinstance(v, str) or not (v.startswith("$") or bare) or v in ("$", ""):
            raise BadStep(f"{self.call}: argument {i} must be a \"$name\" reference, got {v!r}")
        return v[1:] if v.startswith("$") else v

    def integer(self, i: int, hi: int) -> int:
        v = self.arg(i)
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= hi:
            raise BadStep(f"{self.call}: argument {i} must be an integer in [0, {hi}], got {v!r}")
        return v

    def boolean(self, i: int) -> bool:
        v = self.arg(i)
        if not isinstance(v, bool):
            raise BadStep(f"{self.call}: argument {i} must be true or false, got {v!r}")
        return v

    def text(self, i: int) -> str:
        v = self.arg(i)
        if not isinstance(v, str):
            raise BadStep(f"{self.call}: argument {i} must be a string, got {v!r}")
        return v

    def hex_len(self, i: int) -> int:
        """Length in bytes of a data argument (hex string or repeat form, see data_len)."""
        n = data_len(self.arg(i))
        if n is None:
            raise BadStep(f"{self.call}: argument {i} must be a hex string or "
                          f"{{\"repeat\": hex, \"count\": n}}, got {str(self.arg(i))[:40]!r}")
        return n

    def family(self, i: int) -> Family:
        v = self.arg(i)
        try:
            return Family(v)
        except ValueError:
            raise BadStep(f"{self.call}: argument {i} must be \"ipv4\" or \"ipv6\"") from None

    def address(self, i: int) -> SockAddr:
        try:
            return SockAddr.from_json(self.arg(i))
        except AddressError as e:
            raise BadStep(f"{self.call}: argument {i}: {e}") from None

    def optional_address(self, i: int) -> SockAddr | None:
        return None if self.arg(i) is None else self.address(i)

    def references(self) -> set[str]:
        """Names of the resources the step refers to (for ambiguity attribution)."""
        out: set[str] = set()
        for v in self.args:
            if isinstance(v, str) and v.startswith("$"):
                out.add(v[1:])
            elif isinstance(v, list):
                out.update(x[1:] for x in v if isinstance(x, str) and x.startswith("$"))
        if self.call in ("drop", "wait") and self.args and isinstance(self.args[0], str):
            out.add(self.args[0].lstrip("$"))
        if self.call == "finish" and len(self.args) > 1 and isinstance(self.args[1], str):
            out.add(self.args[1].lstrip("$"))
        return out


@dataclass(frozen=True)
class Ctx:
    granted: bool
    host: HostFacts


Apply = Callable[[World, Observation], list[World]]


def unchanged(w: World, obs: Observation) -> list[World]:
    return [w]


@dataclass
class Possibility:
    allowed: Allowed
    apply: Apply = field(default=unchanged)


Handler = Callable[[World, Step, Ctx], list[Possibility]]


# ---------------------------------------------------------------- allowed constructors

def ok(rule: SocketRule, value: Any = None, *, flag: SocketRule | None = None,
       reading: str | None = None, tolerant_only: bool = False) -> Allowed:
    return Allowed("ok", value, rule=rule, reading=reading, tolerant_only=tolerant_only,
                   flag=flag.id if flag else None)


def any_ok(rule: SocketRule, shape: Pred | None = None, *, flag: SocketRule | None = None,
           reading: str | None = None, tolerant_only: bool = False) -> Allowed:
    return Allowed("any-ok", shape, rule=rule, reading=reading, tolerant_only=tolerant_only,
                   flag=flag.id if flag else None)


def err(code: ErrorCode | StreamError | None, rule: SocketRule, *,
        flag: SocketRule | None = None, reading: str | None = None,
        tolerant_only: bool = False) -> Allowed:
    return Allowed("err", code.value if code is not None else None, rule=rule, reading=reading,
                   tolerant_only=tolerant_only, flag=flag.id if flag else None)


def trap(rule: SocketRule, *, flag: SocketRule | None = None,
         reading: str | None = None) -> Allowed:
    return Allowed("trap", None, rule=rule, reading=reading, flag=flag.id if flag else None)


def tag(a: Allowed, flag: SocketRule, reading: str) -> Allowed:
    """``a`` as one reading of ``flag`` (an allowed result keeps its own flag if it has one)."""
    if a.flag is not None:
        return a
    return replace(a, flag=flag.id, reading=reading)


def add_tolerant(poss: list[Possibility], on_err: Callable[[str], Apply] | None = None, *,
                 extra: Iterable[ErrorCode] = ()) -> list[Possibility]:
    """Append the five always-possible codes (and ``extra`` resource codes) as tolerant-only,
    except the codes already allowed for this step (documented or tolerated)."""
    present = {p.allowed.value for p in poss if p.allowed.kind == "err"}
    for code in ErrorCode:
        if code.value in present:
            continue
        if code in ALWAYS_POSSIBLE:
            rule = ERR_ALWAYS_POSSIBLE
        elif code in extra:
            rule = ERR_RESOURCE_EXHAUSTION
        else:
            continue
        poss.append(Possibility(err(code, rule, tolerant_only=True),
                                on_err(code.value) if on_err else unchanged))
    return poss


# ---------------------------------------------------------------- async operations (§4)

class Finals:
    """The possible final results of an operation: required errors (``fail``) remove the ok;
    permitted errors (``maybe``) sit next to it."""

    def __init__(self, success: Allowed) -> None:
        self.success = success
        self.musts: list[Allowed] = []
        self.maybes: list[Allowed] = []

    def fail(self, code: ErrorCode, rule: SocketRule) -> None:
        self.musts.append(err(code, rule))

    def maybe(self, code: ErrorCode, rule: SocketRule, *, flag: SocketRule | None = None,
              reading: str | None = None) -> None:
        self.maybes.append(err(code, rule, flag=flag, reading=reading))

    def tag_success(self, flag: SocketRule, reading: str) -> None:
        self.success = tag(self.success, flag, reading)

    @property
    def required_error(self) -> bool:
        return bool(self.musts)

    def build(self) -> list[Allowed]:
        out: list[Allowed] = [] if self.musts else [self.success]
        seen: set[Any] = set()
        for a in self.musts + self.maybes:
            if a.value not in seen:
                seen.add(a.value)
                out.append(a)
        return out


def is_success(a: Allowed) -> bool:
    return a.kind in ("ok", "any-ok")


def async_start(finals: list[Allowed], on_ok: Apply,
                on_err: Callable[[str], Apply]) -> list[Possibility]:
    """start-X: ok (in progress; the result comes from finish-X) or any final error now."""
    poss = [Possibility(any_ok(ASYNC_START_OK), on_ok)]
    for a in finals:
        if a.kind == "err":
            poss.append(Possibility(tag(a, ASYNC_ERROR_TIMING, "at-start"),
                                    on_err(str(a.value))))
    return add_tolerant(poss, on_err)


def async_finish(finals: list[Allowed], on_ok: Apply,
                 on_err: Callable[[str], Apply]) -> list[Possibility]:
    """finish-X while in progress: would-block (nothing changes) or a final result."""
    poss = [Possibility(err(ErrorCode.WOULD_BLOCK, ASYNC_WOULD_BLOCK))]
    for a in finals:
        if is_success(a):
            poss.append(Possibility(a, on_ok))
        else:
            poss.append(Possibility(tag(a, ASYNC_ERROR_TIMING, "at-finish"),
                                    on_err(str(a.value))))
    return add_tolerant(poss, on_err)


# ---------------------------------------------------------------- small shared pieces

def fork(w: World) -> World:
    return copy.deepcopy(w)


def add_pollable(step: Step, parent: str) -> Apply:
    def apply(w: World, obs: Observation) -> list[World]:
        name = obs.value if isinstance(obs.value, str) and obs.value else step.name()
        w.resources[name] = Pollable(name, parent)
        return [w]
    return apply


def is_hex(value: Any, max_bytes: int | None = None, min_bytes: int = 0) -> bool:
    if not isinstance(value, str) or len(value) % 2:
        return False
    try:
        n = len(bytes.fromhex(value))
    except ValueError:
        return False
    return n >= min_bytes and (max_bytes is None or n <= max_bytes)


MAX_REPEAT_BYTES = 1 << 20
"""Bound on the bytes one repeat-form data value may stand for (the probe's bound too)."""


def data_len(value: Any) -> int | None:
    """Length in bytes of a script data value, None if it is not one. A data value is a hex
    string, or the compact form ``{"repeat": HEX, "count": N}`` = HEX repeated N times (so a
    65,508-byte datagram fits a script passed on a command line)."""
    if isinstance(value, str):
        try:
            return len(bytes.fromhex(value)) if len(value) % 2 == 0 else None
        except ValueError:
            return None
    if isinstance(value, dict) and set(value) == {"repeat", "count"}:
        unit = data_len(value["repeat"])
        count = value["count"]
        if unit is None or not is_uint(count, MAX_REPEAT_BYTES) \
                or unit * count > MAX_REPEAT_BYTES:
            return None
        return unit * int(count)
    return None


def data_hex(value: Any) -> str | None:
    """The hex a script data value stands for (see data_len), None if it is not one."""
    if data_len(value) is None:
        return None
    if isinstance(value, str):
        return value.lower()
    return str(value["repeat"]).lower() * int(value["count"])


def is_uint(value: Any, hi: int) -> bool:
    return not isinstance(value, bool) and isinstance(value, int) and 0 <= value <= hi


def address_pred(description: str, check: Callable[[SockAddr], bool]) -> Pred:
    """A Pred on an ip-socket-address value (JSON form parsed first)."""
    return Pred(description, lambda v: check(SockAddr.from_json(v)))


def new_name_free(w: World, *names: str) -> None:
    for n in names:
        if n in w.resources:
            raise BadStep(f"resource name {n!r} is already in use")
