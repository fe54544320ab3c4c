"""What every fuzz target shares: the limits it decodes under and how it reports a finding.

A target is a plain function ``target(data: bytes) -> None``. It returns normally when the input
was handled correctly (accepted, or rejected with the rule-carrying ``WireError`` / ``WrpcError``
the reference uses for bad input) and raises anything else: :class:`InvariantViolation` when a
property the target checks does not hold, or whatever unexpected exception the code under test
raised (a crash).
"""

from __future__ import annotations

from wasmnet_reference.limits import Limits

FUZZ_LIMITS = Limits(max_list_length=1024, max_string_length=1 << 16)
"""Below the defaults so that announced counts cannot make one input slow (a typeless
``stream`` element takes no bytes, so its count alone sets the work). A vector written from a
finding whose rule is a ``limit.*`` rule carries these limits (docs/vector-format.md)."""


class InvariantViolation(AssertionError):
    """A property a target checks does not hold. ``check`` names the property (it is part of a
    finding's signature); ``rule`` is the reference rule involved, if any."""

    def __init__(self, check: str, detail: str, rule: str | None = None) -> None:
        self.check = check
        self.detail = detail
        self.rule = rule
        super().__init__(f"{check}: {detail}")


def short(data: bytes, limit: int = 48) -> str:
    """Hex of ``data`` for a message, cut to ``limit`` bytes."""
    text = data[:limit].hex()
    return text + ("…" if len(data) > limit else "")
