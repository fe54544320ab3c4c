"""WIT loading through wasm-tools, the neutral JSON form and the WIT printer."""

from __future__ import annotations

import pytest

from wasmnet_reference.errors import WitError
from wasmnet_reference.wit import json_form, printer
from wasmnet_reference.wit.loader import load_wit_text, load_wit_types, wire_function_name
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
    depth,
    is_async,
)

POINT = RecordType("point", (Field("x", Prim.S32), Field("y", Prim.S32)))
SHAPE = VariantType("shape", (Case("circle", Prim.F64), Case("square", POINT), Case("empty", None)))
COLOR = EnumType("color", ("red", "green", "blue"))
PERMS = FlagsType("perms", ("read", "write", "exec"))

# Hand-written WIT with one alias per type kind, and the model each alias must load as.
WIT = """
package wasmnet:test@0.1.0;

interface kinds {
  record point { x: s32, y: s32 }
  variant shape { circle(f64), square(point), empty }
  enum color { red, green, blue }
  flags perms { read, write, exec }
  resource blob { constructor(seed: u8); size: func() -> u64; make: static func() -> blob; }
  type t-list = list<point>;
  type t-tuple = tuple<u8, string, char>;
  type t-option = option<option<bool>>;
  type t-result-both = result<u16, string>;
  type t-result-ok = result<u16>;
  type t-result-err = result<_, s64>;
  type t-result-none = result;
  type t-own = own<blob>;
  type t-borrow = borrow<blob>;
  type t-future = future<u32>;
  type t-future-unit = future;
  type t-stream = stream<string>;
  type t-stream-unit = stream;
  type t-alias = t-list;
  type t-floats = tuple<f32, f64>;
  echo: func(a: shape, b: color, c: perms) -> list<u8>;
  nothing: func();
}
"""

EXPECTED: dict[str, WitType] = {
    "point": POINT,
    "shape": SHAPE,
    "color": COLOR,
    "perms": PERMS,
    "t-list": ListType(POINT),
    "t-tuple": TupleType((Prim.U8, Prim.STRING, Prim.CHAR)),
    "t-option": OptionType(OptionType(Prim.BOOL)),
    "t-result-both": ResultType(Prim.U16, Prim.STRING),
    "t-result-ok": ResultType(Prim.U16, None),
    "t-result-err": ResultType(None, Prim.S64),
    "t-result-none": ResultType(None, None),
    "t-own": HandleType("blob", owned=True),
    "t-borrow": HandleType("blob", owned=False),
    "t-future": FutureType(Prim.U32),
    "t-future-unit": FutureType(None),
    "t-stream": StreamType(Prim.STRING),
    "t-stream-unit": StreamType(None),
    "t-alias": ListType(POINT),
    "t-floats": TupleType((Prim.F32, Prim.F64)),
}


def test_every_kind_loads_as_the_model() -> None:
    assert load_wit_types(WIT) == EXPECTED


def test_functions_use_wire_names_and_qualified_instance() -> None:
    pkg = load_wit_text(WIT)
    iface = pkg.interfaces["kinds"]
    assert iface.qualified_name == "wasmnet:test/kinds@0.1.0"
    assert set(iface.functions) == {"echo", "nothing", "blob", "blob.size", "blob.make"}
    echo = iface.functions["echo"]
    assert echo.params == (("a", SHAPE), ("b", COLOR), ("c", PERMS))
    assert echo.result == ListType(Prim.U8)
    assert iface.functions["nothing"].result is None
    assert iface.functions["blob.size"].params == (("self", HandleType("blob", owned=False)),)
    assert iface.functions["blob"].result == HandleType("blob", owned=True)


def test_wire_function_name_strips_prefixes() -> None:
    assert wire_function_name("[method]bucket.get") == "bucket.get"
    assert wire_function_name("[static]bucket.open") == "bucket.open"
    assert wire_function_name("[constructor]bucket") == "bucket"
    assert wire_function_name("get") == "get"


@pytest.mark.parametrize(
    ("decl", "fragment"),
    [
        ("type t = list<u8, 4>;", "no wRPC wire form"),
        ("type t = error-context;", "no wRPC wire form"),
        ("type t = list<", "expected"),
    ],
)
def test_types_without_wire_form_and_bad_wit_are_rejected(decl: str, fragment: str) -> None:
    with pytest.raises(WitError, match=fragment):
        load_wit_types(f"package wasmnet:test;\ninterface i {{ {decl} }}\n")


def test_wasm_tools_rejects_more_than_32_flags() -> None:
    """The flags-over-32 disagreement: the wire rule allows any count, the WIT parser does not.

    If this starts failing, wasm-tools lifted the limit: drop the flags-over-32 note."""
    labels = ", ".join(f"f{i}x" for i in range(33))
    with pytest.raises(WitError, match="32 flags"):
        load_wit_types(f"package wasmnet:test;\ninterface i {{ flags big {{ {labels} }} }}\n")
    ok = ", ".join(f"f{i}x" for i in range(32))
    assert len(load_wit_types(f"package wasmnet:t;\ninterface i {{ flags big {{ {ok} }} }}\n")[
        "big"
    ].labels) == 32  # type: ignore[union-attr]


def test_printer_output_parses_back_to_the_same_types() -> None:
    """Printing each type's definitions and expression and reloading gives the same model."""
    defs: list[str] = []
    aliases: list[str] = []
    for i, t in enumerate(EXPECTED.values()):
        for d in printer.definitions(t):
            if d not in defs:
                defs.append(d)
        aliases.append(f"type a{i} = {printer.type_expr(t)};")
    text = "package wasmnet:p;\ninterface i {\n" + "\n".join(defs + aliases) + "\n}\n"
    loaded = load_wit_types(text)
    for i, t in enumerate(EXPECTED.values()):
        assert loaded[f"a{i}"] == t


def test_printer_escapes_keywords() -> None:
    t = VariantType("kw", (Case("string", None), Case("ok", Prim.U8)))
    assert printer.definition(t) == "variant kw { %string, ok(u8) }"
    assert load_wit_types(f"package wasmnet:k;\ninterface i {{ {printer.definition(t)} }}\n")[
        "kw"
    ] == t


@pytest.mark.parametrize(
    "t", [*EXPECTED.values(), FlagsType("big", tuple(f"b{i}" for i in range(65)))]
)
def test_json_form_round_trips(t: WitType) -> None:
    assert json_form.from_json(json_form.to_json(t)) == t


def test_json_form_is_the_documented_shape() -> None:
    assert json_form.to_json(ResultType(None, Prim.S64)) == {"result": {"ok": None, "err": "s64"}}
    assert json_form.to_json(HandleType("blob", owned=False)) == {"borrow": "blob"}
    assert json_form.to_json(POINT) == {
        "record": {"name": "point", "fields": [
            {"name": "x", "type": "s32"}, {"name": "y", "type": "s32"}]}
    }


@pytest.mark.parametrize(
    "bad", ["u128", 7, {"list": "u8", "option": "u8"}, {"tuple": 3}, {"record": {"name": ""}},
            {"mystery": "u8"}, {"enum": {"name": "e", "cases": [1]}}]
)
def test_json_form_rejects_malformed_types(bad: object) -> None:
    with pytest.raises(WitError):
        json_form.from_json(bad)


def test_depth_and_async_helpers() -> None:
    assert depth(Prim.U8) == 1
    assert depth(EXPECTED["t-option"]) == 3
    assert is_async(TupleType((Prim.U8, StreamType(None))))
    assert not is_async(EXPECTED["t-list"])
