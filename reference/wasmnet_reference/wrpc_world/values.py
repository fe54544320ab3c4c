"""Canonical sample arguments for the synchronous echo functions of the conformance world.

One or more argument tuples per function, chosen to reach the interesting edges of each type
(extremes, empty and non-empty, every case shape). An echo function returns its single argument
unchanged, so each sample is also its own expected result; ``echo-many`` returns its four
arguments as one tuple. The golden vectors (vectors/*.json) add many more values for the types
they share with the world.
"""

from __future__ import annotations

from wasmnet_reference.values import EnumValue, Err, Handle, Ok, Some, Value, VariantValue

Args = tuple[Value, ...]

_POINT: Value = {"x": -(2**31), "y": 2**31 - 1}
_SHAPES: tuple[Value, ...] = (
    VariantValue("circle", 1.5),
    VariantValue("rect", (0, 2**32 - 1)),
    VariantValue("empty", None),
    VariantValue("label", "ƒ𐍈Ő"),
)


def _deep(depth: int, leaf: Value, wrap: str) -> Value:
    """``depth - 1`` options (``some``) or lists around ``leaf``."""
    v = leaf
    for _ in range(depth - 1):
        v = Some(v) if wrap == "option" else [v]
    return v


KITCHEN_SINK: Value = {
    "a-bool": True,
    "a-s8": -128,
    "a-u8": 255,
    "a-s16": -32768,
    "a-u16": 65535,
    "a-s32": -(2**31),
    "a-u32": 2**32 - 1,
    "a-s64": -(2**63),
    "a-u64": 2**64 - 1,
    "a-f32": -0.5,
    "a-f64": 1e308,
    "a-char": "\U0010ffff",
    "a-string": "kitchen sink ✓",
    "a-list": [0, 1, 254, 255],
    "an-option": Some(0),
    "a-variant": VariantValue("rect", (3, 4)),
    "an-enum": EnumValue("blue"),
    "some-flags": frozenset({"read", "exec"}),
}

# Wire function name (in the echo or resources interface) -> argument tuples.
ECHO_SAMPLES: dict[str, tuple[Args, ...]] = {
    "echo-bool": ((False,), (True,)),
    "echo-s8": ((-128,), (127,)),
    "echo-u8": ((0,), (255,)),
    "echo-s16": ((-32768,), (32767,)),
    "echo-u16": ((65535,),),
    "echo-s32": ((-(2**31),), (2**31 - 1,)),
    "echo-u32": ((624485,), (2**32 - 1,)),
    "echo-s64": ((-(2**63),), (-1,)),
    "echo-u64": ((2**64 - 1,),),
    "echo-f32": ((-0.0,), (3.5,), (float("inf"),), (float("nan"),)),
    "echo-f64": ((5e-324,), (float("-inf"),), (float("nan"),)),
    "echo-char": (("a",), ("\U0001f600",)),
    "echo-string": (("",), ("ƒ𐍈Ő",)),
    "echo-list-u8": (([],), (list(range(256)),)),
    "echo-list-u32": (([0, 2**32 - 1],),),
    "echo-list-string": ((["", "a", "ƒ𐍈Ő"],),),
    "echo-list-list-u8": (([[], [1], [2, 3]],),),
    "echo-list-bool": (([True, False, True],),),
    "echo-list-char": ((["a", "é", "€", "𐍈"],),),
    "echo-list-f32": (([0.0, -0.0, 0.5, float("-inf")],),),
    "echo-list-f64": (([0.0, -0.0, 1.25],),),
    "echo-list-option-u8": (([None, Some(0), Some(255)],),),
    "echo-list-point": (([_POINT, {"x": 0, "y": 0}],),),
    "echo-list-option-point": (([Some(_POINT), None],),),
    "echo-list-shape": ((list(_SHAPES),),),
    "echo-list-depth64": ((_deep(64, 5, "list"),),),
    "echo-tuple": (((0x42, 0x42),),),
    "echo-tuple3": (((True, "x", -1),),),
    "echo-tuple-nested": ((((1, 2), 3),),),
    "echo-tuple-result-list": (((Ok(7), [True]),), ((Err("no"), []),)),
    "echo-point": ((_POINT,),),
    "echo-person": (
        ({"name": "Ada", "age": 36, "tags": ["math", "engines"], "nick": Some("Countess")},),
        ({"name": "", "age": 0, "tags": [], "nick": None},),
    ),
    "echo-scene": ((
        {
            "origin": _POINT,
            "outline": VariantValue("label", "here"),
            "tint": EnumValue("green"),
            "extra": Some([9, 8, 7]),
        },
    ),),
    "echo-kitchen-sink": ((KITCHEN_SINK,),),
    "echo-shape": tuple((s,) for s in _SHAPES),
    "echo-wide": ((VariantValue("c0", None),), (VariantValue("c129", 200),)),
    "echo-toggle": ((VariantValue("off", None),), (VariantValue("on", None),)),
    "echo-color": ((EnumValue("red"),), (EnumValue("blue"),)),
    "echo-enum-many": ((EnumValue("c127"),), (EnumValue("c128"),)),
    "echo-option-u8": ((None,), (Some(0),)),
    "echo-option-bool": ((None,), (Some(False),), (Some(True),)),
    "echo-option-string": ((Some(""),),),
    "echo-option-option-u8": ((Some(None),), (Some(Some(1)),)),
    "echo-option3-u32": ((None,), (Some(None),), (Some(Some(None)),), (Some(Some(Some(7))),)),
    "echo-option-depth64": ((_deep(64, 5, "option"),),),
    "echo-option-result": ((Some(Ok(Some(1))),), (Some(Err(None)),), (None,)),
    "echo-result-bool-string": ((Ok(True),), (Err("bad"),)),
    "echo-result-ok-u8": ((Ok(1),), (Err(None),)),
    "echo-result-err-u8": ((Ok(None),), (Err(2),)),
    "echo-result-empty": ((Ok(None),), (Err(None),)),
    "echo-flags1": ((frozenset(),), (frozenset({"l0"}),)),
    "echo-perms": ((frozenset({"read", "exec"}),),),
    "echo-flags8": ((frozenset({"l0", "l7"}),),),
    "echo-flags9": ((frozenset({"l8"}),),),
    "echo-flags16": ((frozenset({f"l{i}" for i in range(16)}),),),
    "echo-flags32": ((frozenset({"l0", "l31"}),),),
    "echo-many": ((255, "many", [1, 2**32 - 1], Some(False)),),
    # resources: handles are opaque bytes, echoed without lookup
    "echo-own-r": ((Handle(b""),), (Handle(b"\xde\xad\xbe\xef"),)),
    "echo-borrow-r": ((Handle(b"\x00\xff"),),),
    "echo-list-borrow-r": (([Handle(b""), Handle(b"\x05")],),),
    "echo-holder": (({"h": Handle(b"*"), "n": 7},),),
}


def expected_echo(function: str, args: Args) -> Value:
    """The result an echo function must return for ``args``."""
    return tuple(args) if function == "echo-many" else args[0]
