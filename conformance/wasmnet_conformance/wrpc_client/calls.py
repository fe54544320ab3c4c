"""The calls the suite asks a client to make, from the conformance world (conformance/wit/,
docs/conformance-world.md).

The suite is the server, so a call's result is whatever the case answers: an echo function is
used because its result type is its parameter type, which lets one golden vector serve as both
the argument and the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wasmnet_conformance.wrpc_client.assemble import UnsupportedShape, check_supported
from wasmnet_reference.values import (
    EnumValue,
    Handle,
    Ok,
    Ready,
    Some,
    Value,
    VariantValue,
)
from wasmnet_reference.wave import format_wave
from wasmnet_reference.wit.loader import WitFunction, WitPackage, load_wit_path
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
)

WORLD_INSTANCE = ""
"""wrpc.md §2: a function exported directly by a world travels with the empty instance name."""


@dataclass(frozen=True)
class Call:
    """One invocation: where, what, with which arguments."""

    instance: str
    function: WitFunction
    args: tuple[Value, ...]

    @property
    def param_types(self) -> tuple[WitType, ...]:
        return tuple(t for _, t in self.function.params)

    @property
    def result_types(self) -> tuple[WitType, ...]:
        return () if self.function.result is None else (self.function.result,)

    def arg_texts(self) -> list[str]:
        """One WAVE text per parameter, as the client receives them."""
        return [format_wave(v, t) for v, t in zip(self.args, self.param_types, strict=True)]


class World:
    """The conformance world's functions by instance and wire name."""

    def __init__(self, package: WitPackage) -> None:
        self.package = package
        self._functions: dict[tuple[str, str], WitFunction] = {}
        self._short: dict[str, str] = {}
        for short, iface in package.interfaces.items():
            self._short[short] = iface.qualified_name
            for name, fn in iface.functions.items():
                self._functions[(iface.qualified_name, name)] = fn
        for functions in package.world_functions.values():
            for name, fn in functions.items():
                self._functions.setdefault((WORLD_INSTANCE, name), fn)

    @classmethod
    def load(cls, wit_dir: Path) -> World:
        return cls(load_wit_path(wit_dir))

    def call(self, interface: str, function: str, *args: Value) -> Call:
        """A call of ``function`` (wire name) in ``interface`` (short name, or ``""`` for the
        world's own exports). KeyError if the world has no such function."""
        instance = WORLD_INSTANCE if interface == "" else self._short[interface]
        fn = self._functions[(instance, function)]
        if len(args) != len(fn.params):
            raise ValueError(f"{function} takes {len(fn.params)} arguments, not {len(args)}")
        return Call(instance, fn, tuple(args))

    def echo_calls(self) -> dict[WitType, tuple[str, WitFunction]]:
        """For each type, the first function taking one value of it and returning the same
        type, whose async parts the suite can assemble."""
        out: dict[WitType, tuple[str, WitFunction]] = {}
        for (instance, _), fn in self._functions.items():
            if len(fn.params) != 1 or fn.params[0][1] != fn.result or fn.result in out:
                continue
            try:
                check_supported(fn.result)
            except UnsupportedShape:
                continue
            out[fn.result] = (instance, fn)
        return out


def sample_value(ty: WitType) -> Value:
    """A small valid value of ``ty`` (futures and streams ready), for arguments no vector
    provides."""
    if isinstance(ty, Prim):
        return _PRIM_SAMPLES[ty]
    if isinstance(ty, ListType):
        return [sample_value(ty.element)]
    if isinstance(ty, TupleType):
        return tuple(sample_value(t) for t in ty.elements)
    if isinstance(ty, RecordType):
        return {f.name: sample_value(f.type) for f in ty.fields}
    if isinstance(ty, VariantType):
        case = ty.cases[0]
        return VariantValue(case.name, None if case.type is None else sample_value(case.type))
    if isinstance(ty, EnumType):
        return EnumValue(ty.cases[0])
    if isinstance(ty, OptionType):
        return Some(sample_value(ty.inner))
    if isinstance(ty, ResultType):
        return Ok(None if ty.ok is None else sample_value(ty.ok))
    if isinstance(ty, FlagsType):
        return frozenset(ty.labels[:1])
    if isinstance(ty, HandleType):
        return Handle(b"\x01\x02")
    if isinstance(ty, FutureType):
        return Ready(None if ty.inner is None else sample_value(ty.inner))
    assert isinstance(ty, StreamType)
    return Ready([] if ty.inner is None else [sample_value(ty.inner)])


_PRIM_SAMPLES: dict[Prim, Value] = {
    Prim.BOOL: True, Prim.S8: -5, Prim.U8: 7, Prim.S16: -300, Prim.U16: 300,
    Prim.S32: -70000, Prim.U32: 70000, Prim.S64: -(1 << 40), Prim.U64: 1 << 40,
    Prim.F32: 1.5, Prim.F64: -2.25, Prim.CHAR: "ß", Prim.STRING: "hi",
}


def samples(types: Sequence[WitType]) -> tuple[Value, ...]:
    return tuple(sample_value(t) for t in types)
