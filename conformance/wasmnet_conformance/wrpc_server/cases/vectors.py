"""Cases from the golden value vectors: each vector's bytes sent as the parameter of the echo
function of its type (docs/conformance-world.md, "How the suite uses the world").

- valid vector: ``echo.<vector-id>``; the results must be the vector's value (or one of its
  ``alt_values``);
- acceptable vector: ``echo.<vector-id>``; the vector's readings, recorded; strict requires
  rejection (README: strict rejects ambiguous input);
- invalid vector: ``invalid-value.<vector-id>``; the call must fail. A vector invalid only
  because of trailing bytes (``value.trailing-bytes``) is not invalid as parameters: the extra
  root bytes after the parameter tuple are the ``trailing-root-bytes`` ambiguity (SPEC.md says
  nothing about root data after the parameters), an acceptable case whose accepting reading
  echoes the value the bytes start with. Neither profile requires rejecting it: a server may
  answer as soon as the parameters are complete, before it reads further.

Skipped: vectors with no echo function (flags over 32 labels, depth over the default), values
holding a pending future or stream (their data needs a path: the async family covers them),
and limit vectors that are invalid only under limits tighter than a server's defaults (a
vector is kept when truncation alone already makes it invalid).
"""

from __future__ import annotations

from collections.abc import Iterable

from wasmnet_conformance.codec.vectors import ACCEPTABLE, INVALID, VALID, AnyVector, ValueVector
from wasmnet_conformance.wrpc_server.cases.common import (
    R_ECHO,
    R_FAILED_CALL,
    TRAILING_ROOT_BYTES,
    acceptable,
    cid,
    invalid,
    sent_whole,
    valid,
)
from wasmnet_conformance.wrpc_server.model import ServerCase
from wasmnet_conformance.wrpc_server.request import header
from wasmnet_conformance.wrpc_server.world import World
from wasmnet_reference.codec import decode_prefix
from wasmnet_reference.errors import WireError
from wasmnet_reference.framing import ROOT, encode_frame
from wasmnet_reference.limits import DEFAULT_LIMITS, Limits
from wasmnet_reference.values import PENDING, Err, Ok, Ready, Some, Value, VariantValue
from wasmnet_reference.wit.types import WitType

FAMILY_ECHO = "echo"
FAMILY_INVALID = "invalid-value"
TRAILING_RULE = "value.trailing-bytes"
TRUNCATED_CLASS = "truncated"


def vector_cases(world: World, vectors: Iterable[AnyVector]) -> list[ServerCase]:
    out: list[ServerCase] = []
    for v in vectors:
        if not isinstance(v, ValueVector):
            continue
        target = world.echo_for(v.type)
        if target is None or any(_has_pending(value) for _, _, value in v.accepted):
            continue
        stream = header(target) + encode_frame(ROOT, v.data)
        steps = sent_whole(stream)
        rule = f"{v.rule} (vectors/{v.file}.json); {R_ECHO}"
        summary = f"{target.name}({v.data.hex() or 'no bytes'})"
        values = [value for _, _, value in v.accepted]
        if v.result == VALID and _within_default_limits(v.limits):
            out.append(valid(cid(FAMILY_ECHO, v.id), FAMILY_ECHO, rule, summary, target, steps,
                             values, flags=v.flags))
        elif v.result == ACCEPTABLE:
            out.append(acceptable(cid(FAMILY_ECHO, v.id), FAMILY_ECHO, rule, summary, target,
                                  steps, values, flags=v.flags, strict_rejects=True))
        elif v.result == INVALID and v.rule == TRAILING_RULE:
            prefix = _prefix_value(v.data, v.type)
            if prefix is not None:
                out.append(acceptable(
                    cid(FAMILY_INVALID, v.id), FAMILY_INVALID,
                    f"{v.rule} as parameters: [ambiguous: {TRAILING_ROOT_BYTES}]", summary,
                    target, steps, [prefix], flags=(*v.flags, TRAILING_ROOT_BYTES),
                    strict_rejects=False,
                ))
        elif v.result == INVALID and (v.limits is None or TRUNCATED_CLASS in v.error_classes):
            out.append(invalid(cid(FAMILY_INVALID, v.id), FAMILY_INVALID,
                               f"{v.rule} (vectors/{v.file}.json); {R_FAILED_CALL}", summary,
                               target, steps, flags=v.flags))
    return out


def _within_default_limits(limits: dict[str, int] | None) -> bool:
    """A vector valid under ``limits`` is valid under the defaults if none is looser."""
    if not limits:
        return True
    bounds = Limits.from_json(limits).to_json()
    defaults = DEFAULT_LIMITS.to_json()
    return all(bounds[k] <= defaults[k] for k in limits)


def _prefix_value(data: bytes, ty: WitType) -> Value | None:
    try:
        value, _ = decode_prefix(data, ty)
    except WireError:
        return None
    return value


def _has_pending(value: Value) -> bool:
    if value is PENDING:
        return True
    if isinstance(value, (list, tuple)):
        return any(_has_pending(v) for v in value)
    if isinstance(value, dict):
        return any(_has_pending(v) for v in value.values())
    if isinstance(value, (Some, Ok, Err, Ready)):
        return _has_pending(value.value)
    if isinstance(value, VariantValue):
        return _has_pending(value.payload)
    return False
