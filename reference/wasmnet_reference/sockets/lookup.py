"""ip-name-lookup (wasi-sockets.md §8): which names are IP literals (returned as given, then
none), which are syntactically invalid (invalid-argument), which depend on the host resolver
(soft checks), and the [ambiguous] forms: IPv4-mapped, bracketed and zoned literals.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .addresses import ip_from_json, ip_to_json
from .common import (
    BadStep,
    Ctx,
    Possibility,
    Step,
    add_pollable,
    add_tolerant,
    any_ok,
    err,
    new_name_free,
    ok,
)
from .errors import RESOLVER_FAILURES, ErrorCode
from .judgment import Observation, Pred
from .rules import (
    IO_SUBSCRIBE,
    LOOKUP_AFTER_NONE,
    LOOKUP_BRACKET_ZONE,
    LOOKUP_DENIED,
    LOOKUP_DENIED_OTHER,
    LOOKUP_INVALID,
    LOOKUP_INVALID_LATE,
    LOOKUP_LITERAL,
    LOOKUP_MAPPED,
    LOOKUP_NAME,
    LOOKUP_NEVER_MAPPED,
    LOOKUP_UNCERTAIN,
    LOOKUP_WOULD_BLOCK,
    SocketRule,
)
from .state import Network, Resolver, World


class NameClass(str, enum.Enum):
    LITERAL = "literal"
    """An IPv4 dotted quad or an IPv6 literal: that address, then none."""
    MAPPED = "mapped"
    """``::ffff:a.b.c.d``: [ambiguous] mapped address, IPv4 address or invalid-argument."""
    BRACKETED = "bracketed"
    """``[::1]``: [ambiguous] invalid-argument or the address."""
    ZONED = "zoned"
    """``fe80::1%eth0``: [ambiguous] invalid-argument or the address."""
    INVALID = "invalid"
    """Empty, blanks, illegal characters, host:port, URLs: invalid-argument."""
    NAME = "name"
    """A syntactically valid host name: depends on the host resolver."""
    UNCERTAIN = "uncertain"
    """Neither clearly valid nor clearly invalid (legacy numeric forms, over-long labels)."""


@dataclass(frozen=True)
class Classified:
    kind: NameClass
    expected: tuple[str, ...] = ()
    """Canonical IP texts: LITERAL/BRACKETED/ZONED the address; MAPPED (mapped, IPv4)."""


_IPV4 = re.compile(r"(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}")
_LEGACY_NUMERIC = re.compile(r"[0-9][0-9a-fA-FxX.]*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?")
_ILLEGAL = frozenset("<>&\"'\\/?#@!$^*()=+,;{}|~`[]%:")
MAX_NAME = 253
MAX_LABEL = 63


def _v6(text: str) -> ipaddress.IPv6Address | None:
    if "%" in text or not text:
        return None
    try:
        return ipaddress.IPv6Address(text)
    except ValueError:
        return None


def classify(name: str) -> Classified:
    if not name or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return Classified(NameClass.INVALID)
    if name.startswith("[") and name.endswith("]"):
        inner = _v6(name[1:-1])
        return Classified(NameClass.BRACKETED, (str(inner),)) if inner else \
            Classified(NameClass.INVALID)
    if "%" in name:
        head, _, zone = name.partition("%")
        addr = _v6(head)
        if addr is not None and zone and re.fullmatch(r"[A-Za-z0-9_.-]+", zone):
            return Classified(NameClass.ZONED, (str(addr),))
        return Classified(NameClass.INVALID)
    if ":" in name:
        addr = _v6(name)
        if addr is None:
            return Classified(NameClass.INVALID)
        if addr.ipv4_mapped is not None:
            return Classified(NameClass.MAPPED, (str(addr), str(addr.ipv4_mapped)))
        return Classified(NameClass.LITERAL, (str(addr),))
    if _IPV4.fullmatch(name) and all(int(p) <= 255 for p in name.split(".")):
        return Classified(NameClass.LITERAL, (str(ipaddress.IPv4Address(name)),))
    if any(c in _ILLEGAL for c in name):
        return Classified(NameClass.INVALID)
    if _LEGACY_NUMERIC.fullmatch(name):
        return Classified(NameClass.UNCERTAIN)
    bare = name[:-1] if name.endswith(".") else name
    labels = bare.split(".")
    if len(bare) > MAX_NAME or any(not label for label in labels):
        return Classified(NameClass.UNCERTAIN)
    for label in labels:
        if label.isascii():
            if len(label) > MAX_LABEL or not _LABEL.fullmatch(label):
                return Classified(NameClass.UNCERTAIN)
        elif not all(c.isalnum() or c == "-" for c in label):
            return Classified(NameClass.UNCERTAIN)
    return Classified(NameClass.NAME)


def _ip_json(text: str) -> dict[str, list[int]]:
    return ip_to_json(ipaddress.ip_address(text))


def _not_mapped(v: Any) -> bool:
    ip = ip_from_json(v)
    return not (isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None)


ADDRESS = Pred("an ip-address, never IPv4-mapped", _not_mapped)


def resolve_addresses(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(2)
    net = step.ref(0)
    if not isinstance(w.get(net), Network):
        raise BadStep(f"{step.call}: {net!r} is not a network")
    host = step.text(1)
    c = classify(host)
    name = step.name()
    new_name_free(w, name)

    def register(denied: bool) -> Callable[[World, Observation], list[World]]:
        def apply(w2: World, obs: Observation) -> list[World]:
            real = obs.value if isinstance(obs.value, str) and obs.value else name
            w2.resources[real] = Resolver(real, c.kind.value, list(c.expected), denied=denied)
            return [w2]
        return apply

    stream = Pred("a resolve-address-stream", lambda v: isinstance(v, str) and bool(v))
    ia = ErrorCode.INVALID_ARGUMENT
    poss: list[Possibility]
    if c.kind is NameClass.INVALID:
        poss = [Possibility(err(ia, LOOKUP_INVALID)),
                Possibility(ok(LOOKUP_INVALID_LATE, stream, tolerant_only=True),
                            register(not ctx.granted))]
    elif c.kind is NameClass.LITERAL:
        poss = [Possibility(ok(LOOKUP_LITERAL, stream), register(not ctx.granted))]
    elif c.kind is NameClass.MAPPED:
        poss = [Possibility(ok(LOOKUP_MAPPED, stream), register(not ctx.granted)),
                Possibility(err(ia, LOOKUP_MAPPED, flag=LOOKUP_MAPPED,
                                reading="invalid-argument"))]
    elif c.kind in (NameClass.BRACKETED, NameClass.ZONED):
        poss = [Possibility(ok(LOOKUP_BRACKET_ZONE, stream), register(not ctx.granted)),
                Possibility(err(ia, LOOKUP_BRACKET_ZONE, flag=LOOKUP_BRACKET_ZONE,
                                reading="invalid-argument"))]
    else:
        rule = LOOKUP_NAME if c.kind is NameClass.NAME else LOOKUP_UNCERTAIN
        poss = [Possibility(ok(rule, stream), register(not ctx.granted))]
        if c.kind is NameClass.UNCERTAIN:
            poss.append(Possibility(err(ia, rule)))
        if ctx.granted:
            poss += [Possibility(err(code, rule)) for code in sorted(RESOLVER_FAILURES)]
    if not ctx.granted:
        poss.append(Possibility(err(ErrorCode.ACCESS_DENIED, LOOKUP_DENIED, flag=LOOKUP_DENIED,
                                    reading="at-resolve-addresses")))
        poss.append(Possibility(err(None, LOOKUP_DENIED_OTHER, tolerant_only=True)))
    return add_tolerant(poss)


def _advance(name: str, *, done: bool) -> Callable[[World, Observation], list[World]]:
    def apply(w: World, obs: Observation) -> list[World]:
        r = w.resolver(name)
        if done or obs.kind != "ok" or obs.value is None:
            r.done = True
        else:
            r.index += 1
        return [w]
    return apply


@dataclass
class _Alternatives:
    items: list[Possibility] = field(default_factory=list)

    def add(self, allowed: Any, *, done: bool, name: str) -> None:
        self.items.append(Possibility(allowed, _advance(name, done=done)))


def resolve_next_address(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    name = step.ref(0)
    r = w.get(name)
    if not isinstance(r, Resolver):
        raise BadStep(f"{step.call}: {name!r} is not a resolve-address-stream")
    if r.done:
        return [Possibility(any_ok(LOOKUP_AFTER_NONE)), Possibility(err(None, LOOKUP_AFTER_NONE))]
    alt = _Alternatives()
    alt.items.append(Possibility(err(ErrorCode.WOULD_BLOCK, LOOKUP_WOULD_BLOCK)))
    kind = NameClass(r.kind)
    ia = ErrorCode.INVALID_ARGUMENT
    first = r.index == 0
    literal_kinds = (NameClass.LITERAL, NameClass.MAPPED, NameClass.BRACKETED, NameClass.ZONED)
    if kind in literal_kinds and not first:
        alt.add(ok(LOOKUP_LITERAL, None), done=True, name=name)
    elif kind is NameClass.LITERAL:
        alt.add(ok(LOOKUP_LITERAL, _ip_json(r.expected[0])), done=False, name=name)
    elif kind is NameClass.MAPPED:
        for text, reading in zip(r.expected, ("mapped", "ipv4"), strict=True):
            alt.add(ok(LOOKUP_MAPPED, _ip_json(text), flag=LOOKUP_MAPPED, reading=reading),
                    done=False, name=name)
        alt.add(err(ia, LOOKUP_MAPPED, flag=LOOKUP_MAPPED, reading="invalid-argument"),
                done=True, name=name)
    elif kind in (NameClass.BRACKETED, NameClass.ZONED):
        alt.add(ok(LOOKUP_BRACKET_ZONE, _ip_json(r.expected[0]), flag=LOOKUP_BRACKET_ZONE,
                   reading="address"), done=False, name=name)
        alt.add(err(ia, LOOKUP_BRACKET_ZONE, flag=LOOKUP_BRACKET_ZONE,
                    reading="invalid-argument"), done=True, name=name)
    elif kind is NameClass.INVALID:
        alt.add(err(ia, LOOKUP_INVALID_LATE, tolerant_only=True), done=True, name=name)
    else:
        rule: SocketRule = LOOKUP_NAME if kind is NameClass.NAME else LOOKUP_UNCERTAIN
        lenient = r.denied
        alt.add(ok(LOOKUP_NEVER_MAPPED if not lenient else LOOKUP_DENIED_OTHER, ADDRESS,
                   tolerant_only=lenient), done=False, name=name)
        alt.add(ok(rule if not lenient else LOOKUP_DENIED_OTHER, None, tolerant_only=lenient),
                done=True, name=name)
        if not lenient:
            for code in sorted(RESOLVER_FAILURES):
                alt.add(err(code, rule), done=True, name=name)
            if kind is NameClass.UNCERTAIN:
                alt.add(err(ia, rule), done=True, name=name)
    if r.denied:
        alt.add(err(ErrorCode.ACCESS_DENIED, LOOKUP_DENIED, flag=LOOKUP_DENIED,
                    reading="at-next"), done=True, name=name)
        alt.add(err(None, LOOKUP_DENIED_OTHER, tolerant_only=True), done=True, name=name)
    return add_tolerant(alt.items, lambda code: _advance(name, done=True))


def subscribe(w: World, step: Step, ctx: Ctx) -> list[Possibility]:
    step.arity(1)
    name = step.ref(0)
    if not isinstance(w.get(name), Resolver):
        raise BadStep(f"{step.call}: {name!r} is not a resolve-address-stream")
    new_name_free(w, step.name())
    return [Possibility(any_ok(IO_SUBSCRIBE), add_pollable(step, name))]


HANDLERS: dict[str, Callable[[World, Step, Ctx], list[Possibility]]] = {
    "resolve-addresses": resolve_addresses,
    "resolve-next-address": resolve_next_address,
    "resolver.subscribe": subscribe,
}
