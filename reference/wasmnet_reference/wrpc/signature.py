"""A function's wire signature: the parameter and result types, in order (wrpc.md §3).

Not supported by the reference, rejected here with ``UnsupportedSignature``: a future or stream
nested inside a stream's element type or a future's value type (``future<future<u8>>``,
``stream<stream<u8>>``, ``future<list<stream<u8>>>`` ...). SPEC.md indexes stream elements but
does not say where a future value's own async data goes, so their paths are left undefined.
"""

from __future__ import annotations

from dataclasses import dataclass

from wasmnet_reference.wit.loader import WitFunction
from wasmnet_reference.wit.printer import type_expr
from wasmnet_reference.wit.types import FutureType, StreamType, WitType, children
from wasmnet_reference.wrpc.errors import UnsupportedSignature
from wasmnet_reference.wrpc.paths import has_async


@dataclass(frozen=True)
class Signature:
    """Parameter types and result types (zero or one result)."""

    params: tuple[WitType, ...]
    results: tuple[WitType, ...]

    def __post_init__(self) -> None:
        for ty in (*self.params, *self.results):
            check_supported(ty)

    @classmethod
    def from_function(cls, fn: WitFunction) -> Signature:
        """The signature of a loaded WIT function; raises ``UnsupportedSignature`` naming it."""
        try:
            return cls(
                tuple(t for _, t in fn.params), () if fn.result is None else (fn.result,)
            )
        except UnsupportedSignature as e:
            raise UnsupportedSignature(f"function {fn.wit_name!r}: {e}") from None


def check_supported(ty: WitType) -> None:
    """Raise ``UnsupportedSignature`` if a future or stream inside ``ty`` has an async payload."""
    if isinstance(ty, (FutureType, StreamType)) and ty.inner is not None and has_async(ty.inner):
        raise UnsupportedSignature(
            f"nested async values are not supported by the reference: {type_expr(ty)}"
        )
    for child in children(ty):
        check_supported(child)
