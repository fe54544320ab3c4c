"""The one exception the WAVE reader and writer raise."""

from __future__ import annotations


class WaveError(ValueError):
    """WAVE text that is not a value of the expected type, or a value the writer cannot print.

    ``offset`` is the 0-based character offset in the text where parsing failed (``None`` for a
    formatting error, which has no text); the message carries it too.
    """

    def __init__(self, detail: str, offset: int | None = None) -> None:
        self.detail = detail
        self.offset = offset
        super().__init__(detail if offset is None else f"{detail} (at offset {offset})")
