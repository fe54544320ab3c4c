"""The small vocabulary every recipe uses to write vectors (docs/vector-format.md).

Recipes write expected bytes by hand, as hex literals with the rule that gives them in a
comment; nothing here computes an encoding. The helpers only join hex pieces, attach the type
in its three forms (WIT expression, WIT definitions, neutral JSON) and check that each vector is
well formed (ID syntax, hex syntax, result-specific fields).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wasmnet_reference.limits import Limits
from wasmnet_reference.rules import Ambiguity, ErrorClass, Rule
from wasmnet_reference.wit.json_form import to_json
from wasmnet_reference.wit.printer import definitions, type_expr
from wasmnet_reference.wit.types import WitType

FORMAT = "wasmnet-vectors/1"

Json = Any

ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(\.[a-z0-9][a-z0-9-]*)+$")
_HEX_PIECE = re.compile(r"^[0-9a-f ]*$")


class Grammar(str, enum.Enum):
    """Rule ids for valid vectors that exercise a plain grammar line, where no rejection rule
    of rules.py governs the type; listed in docs/vector-format.md ("Grammar rule ids")."""

    BYTE = "grammar.byte"
    FLOAT = "grammar.float"
    LIST = "grammar.list"
    TUPLE = "grammar.tuple"
    RECORD = "grammar.record"
    VARIANT = "grammar.variant"
    ENUM = "grammar.enum"
    OPTION = "grammar.option"
    RESULT = "grammar.result"
    FLAGS = "grammar.flags"
    HANDLE = "grammar.handle"
    FUTURE = "grammar.future"
    STREAM = "grammar.stream"
    HEADER = "grammar.header"
    FRAME = "grammar.frame"


RuleId = Rule | Grammar

# What each ambiguity flag means and which reading the reference takes; a file's "notes" holds
# the entries for the flags its vectors carry. (variant-payload-path concerns async paths inside
# a call, which neither vector kind expresses, so no vector carries it.)
AMBIGUITY_NOTES: Mapping[Ambiguity, str] = {
    Ambiguity.FLAGS_BITS_BEYOND_N: (
        "wrpc.md §4 [ambiguous]: flags read exactly ceil(N/8) bytes and name only the first N "
        "bits; whether a set bit beyond N is an error is not written down. Reading 1 (reference): "
        "reject with invalid-flags. Reading 2: ignore the extra bits and produce `value`."
    ),
    Ambiguity.READY_STREAM: (
        "wrpc.md §3 [ambiguous]: how a ready stream is told apart from a pending one on the root "
        "channel is not written down. Reading 1 (upstream Rust, reference): an empty list means "
        "pending and a non-empty list is a complete stream of exactly those elements. Reading 2: "
        "the list is always the complete stream, so `00` is `ready([])` (listed in alt_values)."
    ),
    Ambiguity.ZERO_LENGTH_FRAME: (
        "wrpc.md §2 [ambiguous]: the spec says nothing about zero-length data frames on a "
        "non-root path. The reference accepts them and they add no data to their path; checks "
        "never compare empty frames."
    ),
    Ambiguity.FLAGS_OVER_32: (
        "Tooling disagreement: wasm-tools 1.262 rejects flags with more than 32 labels while the "
        "wire rule (wrpc.md §4: exactly ceil(N/8) bytes) is defined for any N. Testees that load "
        "types from WIT text cannot run these vectors and should use the neutral JSON form."
    ),
}


def h(*pieces: str) -> str:
    """Join hex pieces written with spaces ("80 80 01") into one lowercase hex string."""
    for p in pieces:
        if not _HEX_PIECE.match(p):
            raise ValueError(f"not a lowercase hex piece: {p!r}")
    out = "".join(pieces).replace(" ", "")
    if len(out) % 2:
        raise ValueError(f"odd number of hex digits: {out!r}")
    return out


def ascii_hex(text: str) -> str:
    """Hex of an ASCII string: ASCII is its own UTF-8 (wrpc.md §4), one byte per character."""
    if not text.isascii():
        raise ValueError(f"not ASCII: {text!r}; write non-ASCII UTF-8 bytes by hand")
    return "".join(f"{ord(c):02x}" for c in text)


def short_len(body_hex: str) -> str:
    """uleb32(n) for a byte count n < 128: the single byte n (core:u32, one 7-bit group)."""
    n = len(h(body_hex)) // 2
    if n > 0x7F:
        raise ValueError(f"{n} bytes need a multi-byte uleb32; write it by hand")
    return f"{n:02x}"


def name(length_hex: str, text: str) -> str:
    """``core:name`` of an ASCII text with its uleb32 length written by hand (checked here)."""
    if int(length_hex, 16) != len(text) or int(length_hex, 16) > 0x7F:
        raise ValueError(f"length byte {length_hex} does not give len({text!r}) = {len(text)}")
    return h(length_hex) + ascii_hex(text)


def _type_json(t: WitType) -> Json:
    return {"wit": type_expr(t), "wit_definitions": definitions(t), "json": to_json(t)}


def _check_limits(limits: Mapping[str, int] | None) -> Json:
    if limits is None:
        return None
    Limits.from_json(dict(limits))  # raises on an unknown key or a bad value
    return dict(limits)


def _common(
    vid: str,
    kind: str,
    hexbytes: str,
    result: str,
    rule: RuleId,
    cite: str,
    flags: Sequence[Ambiguity],
    limits: Mapping[str, int] | None,
    comment: str | None,
) -> dict[str, Json]:
    if not ID_PATTERN.match(vid):
        raise ValueError(f"bad vector id {vid!r}")
    out: dict[str, Json] = {
        "id": vid,
        "kind": kind,
        "bytes": h(hexbytes),
        "result": result,
        "rule": rule.id if isinstance(rule, Rule) else rule.value,
        "cite": cite,
        "flags": [f.value for f in flags],
    }
    lim = _check_limits(limits)
    if lim is not None:
        out["limits"] = lim
    if comment is not None:
        out["comment"] = comment
    return out


def _classes(rule: Rule, classes: Sequence[ErrorClass] | None) -> list[str]:
    """The vector's error classes: the rule's own unless others are listed, which must then
    include the rule's (docs/vector-format.md, ``rule``)."""
    chosen = (rule.error_class,) if classes is None else tuple(classes)
    if rule.error_class not in chosen:
        raise ValueError(f"{rule.id} reports {rule.error_class.value}, not in {chosen}")
    return [c.value for c in chosen]


@dataclass
class Group:
    """A group of value vectors sharing a default type and citation."""

    id: str
    description: str
    cite: str
    t: WitType | None = None
    vectors: list[dict[str, Json]] = field(default_factory=list)

    def _type(self, t: WitType | None) -> WitType:
        chosen = t if t is not None else self.t
        if chosen is None:
            raise ValueError(f"group {self.id}: no type given")
        return chosen

    def _add(self, v: dict[str, Json], t: WitType | None) -> None:
        v["type"] = _type_json(self._type(t))
        self.vectors.append(v)

    def valid(
        self,
        vid: str,
        hexbytes: str,
        value: str,
        *,
        rule: RuleId,
        canonical: bool = True,
        t: WitType | None = None,
        alt_values: Sequence[str] = (),
        flags: Sequence[Ambiguity] = (),
        limits: Mapping[str, int] | None = None,
        cite: str | None = None,
        comment: str | None = None,
    ) -> None:
        """``hexbytes`` must decode to the WAVE ``value``; ``canonical`` when an encoder
        writes exactly these bytes for it (minimal LEB128, canonical NaN)."""
        v = _common(vid, "value", hexbytes, "valid", rule, cite or self.cite, flags, limits,
                    comment)
        v["value"] = value
        v["canonical"] = canonical
        if alt_values:
            v["alt_values"] = list(alt_values)
        self._add(v, t)

    def invalid(
        self,
        vid: str,
        hexbytes: str,
        *,
        rule: Rule,
        classes: Sequence[ErrorClass] | None = None,
        t: WitType | None = None,
        flags: Sequence[Ambiguity] = (),
        limits: Mapping[str, int] | None = None,
        cite: str | None = None,
        comment: str | None = None,
    ) -> None:
        """``hexbytes`` must be rejected; ``classes`` defaults to the rule's error class."""
        v = _common(vid, "value", hexbytes, "invalid", rule, cite or self.cite, flags, limits,
                    comment)
        v["error_classes"] = _classes(rule, classes)
        self._add(v, t)

    def acceptable(
        self,
        vid: str,
        hexbytes: str,
        *,
        rule: Rule,
        flags: Sequence[Ambiguity],
        value: str | None = None,
        classes: Sequence[ErrorClass] | None = None,
        t: WitType | None = None,
        limits: Mapping[str, int] | None = None,
        cite: str | None = None,
        comment: str | None = None,
    ) -> None:
        """The spec is ambiguous (``flags``): rejecting passes, and so does producing
        ``value`` under the lenient profile."""
        if not flags:
            raise ValueError(f"{vid}: an acceptable vector names its ambiguity in flags")
        v = _common(vid, "value", hexbytes, "acceptable", rule, cite or self.cite, flags,
                    limits, comment)
        v["error_classes"] = _classes(rule, classes)
        if value is not None:
            v["value"] = value
        self._add(v, t)

    def to_json(self) -> dict[str, Json]:
        return {"id": self.id, "description": self.description, "vectors": self.vectors}


def frame(path: Sequence[int], data_hex: str) -> dict[str, Json]:
    """One expected frame: its path and its data bytes."""
    return {"path": list(path), "data": h(data_hex)}


@dataclass
class FrameGroup:
    """A group of frames vectors: whole client streams (``header``) or server frames."""

    id: str
    description: str
    cite: str
    header: bool
    vectors: list[dict[str, Json]] = field(default_factory=list)

    def valid(
        self,
        vid: str,
        hexbytes: str,
        frames: Sequence[dict[str, Json]],
        *,
        rule: RuleId,
        instance: str | None = None,
        function: str | None = None,
        canonical: bool = True,
        flags: Sequence[Ambiguity] = (),
        limits: Mapping[str, int] | None = None,
        cite: str | None = None,
        comment: str | None = None,
    ) -> None:
        """``hexbytes`` must decode to the header (``instance``, ``function``) and
        ``frames``; ``canonical`` when an encoder writes exactly these bytes for them."""
        v = _common(vid, "frames", hexbytes, "valid", rule, cite or self.cite, flags, limits,
                    comment)
        v["header"] = self.header
        if self.header != (instance is not None and function is not None):
            raise ValueError(f"{vid}: instance and function go with header streams only")
        expect_header = (
            {"version": 0, "instance": instance, "function": function} if self.header else None
        )
        v["expect"] = {"header": expect_header, "frames": list(frames)}
        v["canonical"] = canonical
        self.vectors.append(v)

    def invalid(
        self,
        vid: str,
        hexbytes: str,
        *,
        rule: Rule,
        classes: Sequence[ErrorClass] | None = None,
        flags: Sequence[Ambiguity] = (),
        limits: Mapping[str, int] | None = None,
        cite: str | None = None,
        comment: str | None = None,
    ) -> None:
        """``hexbytes`` must be rejected; ``classes`` defaults to the rule's error class."""
        v = _common(vid, "frames", hexbytes, "invalid", rule, cite or self.cite, flags, limits,
                    comment)
        v["header"] = self.header
        v["error_classes"] = _classes(rule, classes)
        self.vectors.append(v)

    def to_json(self) -> dict[str, Json]:
        return {"id": self.id, "description": self.description, "vectors": self.vectors}


@dataclass
class VectorFile:
    """One ``vectors/<file>.json``: the envelope of docs/vector-format.md."""

    file: str
    description: str
    sources: list[str]
    groups: list[Group | FrameGroup]

    def to_json(self) -> dict[str, Json]:
        used = {f for g in self.groups for v in g.vectors for f in v["flags"]}
        notes = {a.value: text for a, text in AMBIGUITY_NOTES.items() if a.value in used}
        return {
            "format": FORMAT,
            "file": self.file,
            "description": self.description,
            "sources": self.sources,
            "notes": notes,
            "groups": [g.to_json() for g in self.groups],
        }


# Citations shared by several recipes.
CITE_VALUES = "component-model design/mvp/Binary.md, Value Definitions"
CITE_SPEC4 = "../shared/specs/wrpc.md §4"
SOURCES_VALUES = [f"{CITE_SPEC4} (value encoding)", CITE_VALUES,
                  "WebAssembly core binary format: core:uN, core:sN, core:name"]
