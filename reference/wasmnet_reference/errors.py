"""The one exception family the reference raises for bad input: every rejection names its rule."""

from __future__ import annotations

from wasmnet_reference.rules import ErrorClass, Rule


class WireError(Exception):
    """Input bytes (or a value to encode) break a rule. ``rule`` says which one."""

    def __init__(self, rule: Rule, detail: str = "", offset: int | None = None) -> None:
        self.rule = rule
        self.detail = detail
        self.offset = offset
        where = "" if offset is None else f" at byte {offset}"
        super().__init__(f"{rule.id}{where}: {detail or rule.citation}")

    @property
    def error_class(self) -> ErrorClass:
        return self.rule.error_class


class CodecError(WireError):
    """A value's bytes break a rule of the component-model value encoding."""


class FramingError(WireError):
    """An invocation header or frame breaks a rule of wRPC framing."""


class EncodeError(WireError):
    """A value cannot be encoded as the given type."""


class WitError(Exception):
    """WIT text could not be loaded into the type model (parse failure or a type with no wire
    form); carries the parser's message."""
