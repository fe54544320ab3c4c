"""Test cases derived from vectors, and the testee request each one sends.

docs/testee-protocol.md: every value vector is a decode case; canonical valid value vectors
are also an encode case (only canonical bytes are what an encoder writes); every frames vector
is a decode-frames case. Case IDs are ``<vector-id>#<check>`` so they stay as stable as the
vector IDs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from wasmnet_conformance.codec.vectors import VALID, AnyVector, FramesVector, ValueVector


class Op(str, enum.Enum):
    """Testee operations a case uses (docs/testee-protocol.md, requests table)."""

    DECODE_VALUE = "decode-value"
    ENCODE_VALUE = "encode-value"
    DECODE_FRAMES = "decode-frames"


_SUFFIX = {Op.DECODE_VALUE: "decode", Op.ENCODE_VALUE: "encode", Op.DECODE_FRAMES: "decode-frames"}


def is_codec_case_id(case_id: str) -> bool:
    """Whether ``case_id`` has the form of a codec case ID (an expectation file may also list
    other parts' cases for the same target)."""
    return any(case_id.endswith(f"#{s}") for s in _SUFFIX.values())


@dataclass(frozen=True)
class Case:
    op: Op
    vector: AnyVector

    @property
    def id(self) -> str:
        return f"{self.vector.id}#{_SUFFIX[self.op]}"

    def request(self) -> dict[str, Any]:
        """The request body for this case, without the ``id`` the session assigns."""
        v = self.vector
        if isinstance(v, FramesVector):
            body: dict[str, Any] = {"op": self.op.value, "header": v.header, "bytes": v.data.hex()}
        else:
            body = {
                "op": self.op.value,
                "type": v.type_json,
                "wit": v.wit,
                "wit_definitions": list(v.wit_definitions),
            }
            if self.op is Op.ENCODE_VALUE:
                body["value"] = v.accepted[0][1]
                return body
            body["bytes"] = v.data.hex()
        if v.limits is not None:
            body["limits"] = v.limits
        return body


def cases_for(vectors: list[AnyVector]) -> list[Case]:
    """All cases, in vector order (decode before encode for one vector)."""
    out: list[Case] = []
    for v in vectors:
        if isinstance(v, FramesVector):
            out.append(Case(Op.DECODE_FRAMES, v))
            continue
        out.append(Case(Op.DECODE_VALUE, v))
        if is_encode_checked(v):
            out.append(Case(Op.ENCODE_VALUE, v))
    return out


def is_encode_checked(v: ValueVector) -> bool:
    """Canonical valid vectors only: their bytes are exactly what an encoder writes."""
    return v.result == VALID and v.canonical


def selected(case: Case, substrings: list[str]) -> bool:
    """``-k`` filtering: no filters selects everything, otherwise any substring of the ID."""
    return not substrings or any(s in case.id for s in substrings)
