"""Where a target cuts its input into transport pieces: every position for short inputs, a
few spread ones otherwise. Sans-IO decoders must give the same result for every split
(wrpc.md §2: frame boundaries, and so transport boundaries, carry no meaning)."""

from __future__ import annotations

import itertools

EVERY_BYTE_UP_TO = 16
"""Inputs this short are fed one byte at a time."""


def pieces(data: bytes) -> list[bytes]:
    """``data`` cut into transport pieces (deterministic: the same input, the same cuts)."""
    n = len(data)
    if n <= EVERY_BYTE_UP_TO:
        return [data[i : i + 1] for i in range(n)]
    cuts = sorted({1, n // 3, n // 2, (2 * n) // 3, n - 1})
    bounds = [0, *cuts, n]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]
