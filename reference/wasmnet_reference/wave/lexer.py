"""WAVE tokens: punctuation, numbers, labels, char and string literals (README "Encoding").

Lexical rules (wasm-wave README and ``wave_ebnf.md``):

- whitespace (space, tab, LF, CR) and ``//`` comments to the end of the line separate tokens;
- a number is a JSON number (``-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?``) or ``-inf``;
  ``inf`` and ``nan`` are keywords, lexed as labels;
- a label is kebab-case words, each word one case only, optionally prefixed with ``%``;
- ``'c'`` holds exactly one Unicode scalar value, ``"..."`` any number; neither may hold a raw
  line break, the delimiting quote or a lone backslash. Escapes: ``\\' \\" \\\\ \\t \\n \\r`` and
  ``\\u{X}`` with 1 to 6 hex digits naming a scalar value (no surrogate, at most 10FFFF);
- a multiline string opens with ``\"\"\"`` and a line break and closes with a line break, spaces
  and ``\"\"\"``; those spaces are the indent every line must start with, and are removed.

This suite's extension adds one token, ``_``: an element of a ``stream`` with no element type.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from wasmnet_reference.wave.error import WaveError

WAVE_KEYWORDS = frozenset(("true", "false", "inf", "nan", "some", "none", "ok", "err"))
"""README "Keywords": a variant or enum case with one of these names is written ``%name``."""

EXTENSION_KEYWORDS = frozenset(("pending", "ready"))
"""This suite's future/stream keywords; cases with these names are printed ``%name`` too."""

_SKIP = re.compile(r"(?:[ \t\n\r]+|//[^\n]*)*")
_NUMBER = re.compile(r"-inf|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_WORD_FIRST = r"(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)"
_WORD_NEXT = r"(?:[0-9]*(?:[a-z][a-z0-9]*|[A-Z][A-Z0-9]*)|[0-9]+)"
LABEL = re.compile(rf"{_WORD_FIRST}(?:-{_WORD_NEXT})*")
"""A label without its optional ``%`` (first word starts with a letter, later words may not)."""

_UNICODE_ESCAPE = re.compile(r"u\{([0-9a-fA-F]{1,6})\}")
_SIMPLE_ESCAPES = {"'": "'", '"': '"', "\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_MULTILINE_QUOTE = '"""'


class Kind(enum.Enum):
    """Token kinds; the value is how an error message names the kind."""

    LBRACE = "'{'"
    RBRACE = "'}'"
    LPAREN = "'('"
    RPAREN = "')'"
    LBRACKET = "'['"
    RBRACKET = "']'"
    COLON = "':'"
    COMMA = "','"
    UNDERSCORE = "'_'"
    NUMBER = "number"
    LABEL = "label"
    CHAR = "char literal"
    STRING = "string literal"
    END = "end of text"


_PUNCTUATION = {
    "{": Kind.LBRACE, "}": Kind.RBRACE, "(": Kind.LPAREN, ")": Kind.RPAREN,
    "[": Kind.LBRACKET, "]": Kind.RBRACKET, ":": Kind.COLON, ",": Kind.COMMA,
    "_": Kind.UNDERSCORE,
}


@dataclass(frozen=True)
class Token:
    """One token: ``text`` is the source slice (labels keep their ``%``); ``value`` is the
    decoded content of a char or string literal."""

    kind: Kind
    start: int
    text: str
    value: str = ""

    def describe(self) -> str:
        if self.kind in (Kind.NUMBER, Kind.LABEL):
            return f"{self.kind.value} {self.text!r}"
        return str(self.kind.value)


class Lexer:
    """Tokens of one WAVE text, produced on demand so errors come in text order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._peeked: Token | None = None

    def peek(self) -> Token:
        if self._peeked is None:
            self._peeked = self._scan()
        return self._peeked

    def next(self) -> Token:
        token = self.peek()
        self._peeked = None
        return token

    def _scan(self) -> Token:
        text = self._text
        skipped = _SKIP.match(text, self._pos)
        start = skipped.end() if skipped else self._pos
        if start == len(text):
            self._pos = start
            return Token(Kind.END, start, "")
        c = text[start]
        if c in _PUNCTUATION:
            return self._token(_PUNCTUATION[c], start, start + 1)
        if c == "-" or "0" <= c <= "9":
            number = _NUMBER.match(text, start)
            if number:
                return self._token(Kind.NUMBER, start, number.end())
        label = LABEL.match(text, start + 1 if c == "%" else start)
        if label:
            return self._token(Kind.LABEL, start, label.end())
        if text.startswith(_MULTILINE_QUOTE, start):
            return self._multiline(start)
        if c == '"':
            return self._string(start)
        if c == "'":
            return self._char(start)
        raise WaveError(f"unexpected character {c!r}", start)

    def _token(self, kind: Kind, start: int, end: int, value: str = "") -> Token:
        self._pos = end
        return Token(kind, start, self._text[start:end], value)

    def _string(self, start: int) -> Token:
        text = self._text
        units: list[str] = []
        i = start + 1
        while i < len(text) and text[i] != '"':
            unit, i = _read_unit(text, i, 0)
            units.append(unit)
        if i == len(text):
            raise WaveError("unterminated string literal", start)
        return self._token(Kind.STRING, start, i + 1, "".join(units))

    def _char(self, start: int) -> Token:
        text = self._text
        i = start + 1
        if i < len(text) and text[i] == "'":
            raise WaveError("empty char literal: a char holds exactly one character", start)
        if i == len(text):
            raise WaveError("unterminated char literal", start)
        unit, i = _read_unit(text, i, 0)
        if not text.startswith("'", i):
            raise WaveError("a char literal holds exactly one character", start)
        return self._token(Kind.CHAR, start, i + 1, unit)

    def _multiline(self, start: int) -> Token:
        text = self._text
        body_start = start + len(_MULTILINE_QUOTE)
        close = text.find(_MULTILINE_QUOTE, body_start)
        if close < 0:
            raise WaveError("unterminated multiline string", start)
        body = text[body_start:close]
        first_break = 2 if body.startswith("\r\n") else 1 if body.startswith("\n") else 0
        if not first_break:
            raise WaveError('the opening """ must be followed by a line break', start)
        last_break = body.rfind("\n")
        indent = body[last_break + 1:]
        if indent.strip(" "):
            raise WaveError('the closing """ must follow a line break and spaces only', close)
        lines: list[str] = []
        if last_break >= first_break:  # else the opening line break is also the closing one
            line_start = body_start + first_break
            for raw in body[first_break:last_break].split("\n"):
                if not raw.startswith(indent):
                    raise WaveError(
                        'a multiline string line must start with the closing """ indent',
                        line_start,
                    )
                line = raw[len(indent):]
                line = line[:-1] if line.endswith("\r") else line
                lines.append(_decode(line, line_start + len(indent)))
                line_start += len(raw) + 1
        return self._token(Kind.STRING, start, close + len(_MULTILINE_QUOTE), "\n".join(lines))


def _decode(segment: str, base: int) -> str:
    """The content of one multiline-string line (no quotes to stop at)."""
    units: list[str] = []
    i = 0
    while i < len(segment):
        unit, i = _read_unit(segment, i, base)
        units.append(unit)
    return "".join(units)


def _read_unit(s: str, i: int, base: int) -> tuple[str, int]:
    """One character of a literal at ``s[i]``: an escape or a raw scalar value other than a
    line break. ``base`` turns indexes into text offsets for errors."""
    c = s[i]
    if c == "\\":
        return _read_escape(s, i, base)
    if c == "\n":
        raise WaveError("a line break inside a literal must be written \\n", base + i)
    if 0xD800 <= ord(c) <= 0xDFFF:
        raise WaveError("a lone surrogate is not a Unicode scalar value", base + i)
    return c, i + 1


def _read_escape(s: str, i: int, base: int) -> tuple[str, int]:
    simple = _SIMPLE_ESCAPES.get(s[i + 1:i + 2])
    if simple is not None:
        return simple, i + 2
    hexadecimal = _UNICODE_ESCAPE.match(s, i + 1)
    if hexadecimal is None:
        raise WaveError("invalid escape sequence", base + i)
    code = int(hexadecimal[1], 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise WaveError(f"\\u{{{hexadecimal[1]}}} is not a Unicode scalar value", base + i)
    return chr(code), hexadecimal.end()
