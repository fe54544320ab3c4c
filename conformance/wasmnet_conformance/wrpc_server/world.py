"""The conformance world as the server role sees it: functions by interface and wire name,
and the echo function of a given type (docs/conformance-world.md: a vector whose type equals
the parameter type of an ``echo-*`` function is sent to it). Loaded from the WIT, never from a
hand-written list."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wasmnet_conformance.errors import SuiteError
from wasmnet_conformance.wrpc_server.request import Target
from wasmnet_reference.errors import WitError
from wasmnet_reference.wit.loader import WitPackage, load_wit_path
from wasmnet_reference.wit.types import WitType

WORLD_LEVEL = ""
"""Interface key for functions the world exports itself (empty instance name, wrpc.md §2)."""
ECHO_PREFIX = "echo-"


class WorldError(SuiteError):
    """The conformance WIT cannot be loaded or lacks a function the suite relies on."""


@dataclass(frozen=True)
class World:
    package: WitPackage
    world: str

    @classmethod
    def load(cls, wit_dir: Path, world: str = "conformance") -> World:
        try:
            package = load_wit_path(wit_dir)
        except WitError as e:
            raise WorldError(f"cannot load the conformance WIT at {wit_dir}: {e}") from None
        if world not in package.world_functions:
            raise WorldError(f"{wit_dir}: no world {world!r}")
        return cls(package, world)

    def target(self, interface: str, name: str) -> Target:
        """The function ``name`` (wire name) of ``interface`` (short name, or WORLD_LEVEL)."""
        if interface == WORLD_LEVEL:
            fn = self.package.world_functions[self.world].get(name)
            if fn is None:
                raise WorldError(f"the world exports no function {name!r}")
            return Target("", fn)
        iface = self.package.interfaces.get(interface)
        if iface is None or name not in iface.functions:
            raise WorldError(f"the conformance WIT has no function {interface}.{name}")
        return Target(iface.qualified_name, iface.functions[name])

    def has(self, interface: str, name: str) -> bool:
        try:
            self.target(interface, name)
        except WorldError:
            return False
        return True

    def targets(self, interface: str) -> list[Target]:
        iface = self.package.interfaces[interface]
        return [Target(iface.qualified_name, fn) for fn in iface.functions.values()]

    def echo_for(self, ty: WitType) -> Target | None:
        """The ``echo-*`` function whose single parameter has exactly type ``ty``."""
        for iface in self.package.interfaces.values():
            for fn in iface.functions.values():
                if (
                    fn.name.startswith(ECHO_PREFIX)
                    and len(fn.params) == 1
                    and fn.params[0][1] == ty
                    and fn.result is not None
                ):
                    return Target(iface.qualified_name, fn)
        return None

    def find(self, name: str) -> Target | None:
        """The function with wire name ``name`` in whichever interface declares it."""
        for iface in self.package.interfaces.values():
            fn = iface.functions.get(name)
            if fn is not None:
                return Target(iface.qualified_name, fn)
        return None
