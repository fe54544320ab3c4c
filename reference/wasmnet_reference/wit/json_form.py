"""The neutral JSON form of a WIT type, used in vector files and the testee protocol.

Any implementation can read it without a WIT parser. It is a self-contained tree (WIT types are
never recursive), so it needs no type table:

- primitives: the WIT keyword as a string, e.g. ``"u32"``, ``"string"``
- ``{"list": T}``, ``{"option": T}``, ``{"tuple": [T, ...]}``
- ``{"result": {"ok": T | null, "err": T | null}}``
- ``{"record": {"name": N, "fields": [{"name": F, "type": T}, ...]}}``
- ``{"variant": {"name": N, "cases": [{"name": C, "type": T | null}, ...]}}``
- ``{"enum": {"name": N, "cases": [C, ...]}}``
- ``{"flags": {"name": N, "flags": [L, ...]}}``
- ``{"own": R}``, ``{"borrow": R}`` (R is the resource name)
- ``{"future": T | null}``, ``{"stream": T | null}``
"""

from __future__ import annotations

from typing import Any

from wasmnet_reference.errors import WitError
from wasmnet_reference.wit.types import (
    Case,
    EnumType,
    Field,
    FlagsType,
    FutureType,
    HandleType,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
)

JsonType = Any


def to_json(t: WitType) -> JsonType:
    """The neutral JSON form of ``t``."""
    if isinstance(t, Prim):
        return t.value
    if isinstance(t, ListType):
        return {"list": to_json(t.element)}
    if isinstance(t, OptionType):
        return {"option": to_json(t.inner)}
    if isinstance(t, TupleType):
        return {"tuple": [to_json(e) for e in t.elements]}
    if isinstance(t, ResultType):
        return {"result": {"ok": _opt(t.ok), "err": _opt(t.err)}}
    if isinstance(t, RecordType):
        fields = [{"name": f.name, "type": to_json(f.type)} for f in t.fields]
        return {"record": {"name": t.name, "fields": fields}}
    if isinstance(t, VariantType):
        cases = [{"name": c.name, "type": _opt(c.type)} for c in t.cases]
        return {"variant": {"name": t.name, "cases": cases}}
    if isinstance(t, EnumType):
        return {"enum": {"name": t.name, "cases": list(t.cases)}}
    if isinstance(t, FlagsType):
        return {"flags": {"name": t.name, "flags": list(t.labels)}}
    if isinstance(t, HandleType):
        return {"own" if t.owned else "borrow": t.resource}
    if isinstance(t, FutureType):
        return {"future": _opt(t.inner)}
    return {"stream": _opt(t.inner)}


def _opt(t: WitType | None) -> JsonType:
    return None if t is None else to_json(t)


def from_json(data: JsonType) -> WitType:
    """Parse the neutral JSON form; raises WitError naming what is malformed."""
    if isinstance(data, str):
        try:
            return Prim(data)
        except ValueError:
            raise WitError(f"unknown primitive type {data!r}") from None
    if not isinstance(data, dict) or len(data) != 1:
        raise WitError(f"a type is a primitive name or a one-key object, not {data!r}")
    ((key, body),) = data.items()
    try:
        return _from_json_keyed(key, body)
    except (KeyError, TypeError, AttributeError) as e:
        raise WitError(f"malformed {key!r} type: {body!r}") from e


def _from_json_keyed(key: str, body: Any) -> WitType:
    if key == "list":
        return ListType(from_json(body))
    if key == "option":
        return OptionType(from_json(body))
    if key == "tuple":
        return TupleType(tuple(from_json(e) for e in body))
    if key == "result":
        return ResultType(_from_opt(body["ok"]), _from_opt(body["err"]))
    if key == "record":
        fields = tuple(Field(_name(f["name"]), from_json(f["type"])) for f in body["fields"])
        return RecordType(_name(body["name"]), fields)
    if key == "variant":
        cases = tuple(Case(_name(c["name"]), _from_opt(c["type"])) for c in body["cases"])
        return VariantType(_name(body["name"]), cases)
    if key == "enum":
        return EnumType(_name(body["name"]), tuple(_name(c) for c in body["cases"]))
    if key == "flags":
        return FlagsType(_name(body["name"]), tuple(_name(c) for c in body["flags"]))
    if key in ("own", "borrow"):
        return HandleType(_name(body), owned=key == "own")
    if key == "future":
        return FutureType(_from_opt(body))
    if key == "stream":
        return StreamType(_from_opt(body))
    raise WitError(f"unknown type constructor {key!r}")


def _from_opt(data: Any) -> WitType | None:
    return None if data is None else from_json(data)


def _name(x: Any) -> str:
    if not isinstance(x, str) or not x:
        raise WitError(f"a name must be a non-empty string, not {x!r}")
    return x
