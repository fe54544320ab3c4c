"""Print a type from the model as WIT text: a type expression plus the definitions it needs.

The output is what vector files carry for humans and for testees with a WIT parser; a test
parses every printed type back with wasm-tools and checks it equals the model.
"""

from __future__ import annotations

from wasmnet_reference.wit.types import (
    EnumType,
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
    named_types,
    resources,
)

# WIT keywords that must be written with a leading '%' when used as identifiers.
_KEYWORDS = frozenset((
    "as", "async", "bool", "borrow", "char", "constructor", "enum", "export", "f32", "f64",
    "flags", "from", "func", "future", "import", "include", "interface", "list", "option", "own",
    "package", "record", "resource", "result", "s16", "s32", "s64", "s8", "static", "stream",
    "string", "tuple", "type", "u16", "u32", "u64", "u8", "use", "variant", "with", "world",
))


def is_keyword(name: str) -> bool:
    """Whether ``name`` is a WIT keyword (usable as an identifier only %-escaped)."""
    return name in _KEYWORDS


def ident(name: str) -> str:
    """A WIT identifier, %-escaped where it is a keyword."""
    return f"%{name}" if is_keyword(name) else name


def type_expr(t: WitType) -> str:
    """The WIT type expression for ``t`` (named types are referred to by name)."""
    if isinstance(t, Prim):
        return t.value
    if isinstance(t, (RecordType, VariantType, EnumType, FlagsType)):
        return ident(t.name)
    if isinstance(t, ListType):
        return f"list<{type_expr(t.element)}>"
    if isinstance(t, OptionType):
        return f"option<{type_expr(t.inner)}>"
    if isinstance(t, TupleType):
        return f"tuple<{', '.join(type_expr(e) for e in t.elements)}>"
    if isinstance(t, ResultType):
        if t.ok is None and t.err is None:
            return "result"
        if t.err is None:
            return f"result<{type_expr(t.ok)}>"  # type: ignore[arg-type]
        ok = "_" if t.ok is None else type_expr(t.ok)
        return f"result<{ok}, {type_expr(t.err)}>"
    if isinstance(t, HandleType):
        return f"{'own' if t.owned else 'borrow'}<{ident(t.resource)}>"
    if isinstance(t, FutureType):
        return "future" if t.inner is None else f"future<{type_expr(t.inner)}>"
    if isinstance(t, StreamType):
        return "stream" if t.inner is None else f"stream<{type_expr(t.inner)}>"
    raise TypeError(f"not a WIT type: {t!r}")


def definition(t: WitType) -> str:
    """The WIT definition of one named type, on one line."""
    if isinstance(t, RecordType):
        body = ", ".join(f"{ident(f.name)}: {type_expr(f.type)}" for f in t.fields)
        return f"record {ident(t.name)} {{ {body} }}"
    if isinstance(t, VariantType):
        cases = ", ".join(
            ident(c.name) if c.type is None else f"{ident(c.name)}({type_expr(c.type)})"
            for c in t.cases
        )
        return f"variant {ident(t.name)} {{ {cases} }}"
    if isinstance(t, EnumType):
        return f"enum {ident(t.name)} {{ {', '.join(ident(c) for c in t.cases)} }}"
    if isinstance(t, FlagsType):
        return f"flags {ident(t.name)} {{ {', '.join(ident(c) for c in t.labels)} }}"
    raise TypeError(f"not a named type: {t!r}")


def definitions(t: WitType) -> list[str]:
    """Definitions ``t`` depends on, dependencies first: resources, then named types."""
    return [f"resource {ident(r)};" for r in resources(t)] + [
        definition(n) for n in named_types(t)
    ]
