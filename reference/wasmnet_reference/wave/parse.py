"""Type-directed WAVE parsing: the expected WIT type picks the grammar rule at every step.

Rules from the wasm-wave README, in the order it gives them:

- tuples ``(a, b)`` (at least one element), lists ``[a, b]``, records ``{f: v}`` and flags
  ``{a, b}`` take a trailing comma; ``{}`` is the empty flags, ``{:}`` the empty record;
- record fields may come in any order; a field of ``option`` type may be left out (it is
  ``none``); duplicate, unknown or missing required fields are errors;
- a variant case is ``label`` or ``label(payload)``, an enum case ``label``; a case whose name
  is a keyword (``true false inf nan some none ok err``) must be written ``%name``;
- options are ``some(v)`` / ``none``, results ``ok`` / ``ok(v)`` / ``err`` / ``err(v)``; a
  ``some`` or ``ok`` value may also be written flat (just ``v``) unless its type is itself an
  option or result;
- flags may be listed in any order, each at most once.

This suite's extension (docs/vector-format.md): ``own``/``borrow`` handles are a ``list<u8>``
blob; ``future<T>`` is ``pending`` or ``ready(v)`` (``ready`` alone for ``future``);
``stream<T>`` is ``pending`` or ``ready([v, ...])``, and for ``stream`` without an element type
each element is ``_``. The words ``pending`` and ``ready`` are unescaped there; elsewhere they
are plain labels.

Recursion follows the type, never the text, so nesting is bounded by the type's depth.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from wasmnet_reference.values import (
    PENDING,
    EnumValue,
    Err,
    Handle,
    Ok,
    Ready,
    Some,
    Value,
    VariantValue,
)
from wasmnet_reference.wave.error import WaveError
from wasmnet_reference.wave.lexer import WAVE_KEYWORDS, Kind, Lexer, Token
from wasmnet_reference.wave.numbers import parse_float, parse_integer
from wasmnet_reference.wit.printer import type_expr
from wasmnet_reference.wit.types import (
    EnumType,
    FlagsType,
    FutureType,
    HandleType,
    ListType,
    OptionType,
    Prim,
    RecordType,
    ResultType,
    StreamType,
    TupleType,
    VariantType,
    WitType,
)


def parse_wave(text: str, ty: WitType) -> Value:
    """The value of type ``ty`` that ``text`` spells; the whole text must be that one value
    (whitespace and comments aside). Raises WaveError with the offset of the first problem."""
    lexer = Lexer(text)
    value = _Parser(lexer).value(ty)
    rest = lexer.next()
    if rest.kind is not Kind.END:
        raise WaveError(f"trailing text after the value: {rest.describe()}", rest.start)
    return value


def _flattenable(ty: WitType) -> bool:
    """README "Options"/"Results": a payload may be written flat unless it is an option or
    result itself (``some(none)`` and ``none`` must stay distinct)."""
    return not isinstance(ty, (OptionType, ResultType))


class _Parser:
    def __init__(self, lexer: Lexer) -> None:
        self._lexer = lexer

    def value(self, ty: WitType) -> Value:
        if isinstance(ty, Prim):
            return self._prim(ty)
        if isinstance(ty, ListType):
            return self._list(ty.element)
        if isinstance(ty, TupleType):
            return self._tuple(ty)
        if isinstance(ty, RecordType):
            return self._record(ty)
        if isinstance(ty, VariantType):
            return self._variant(ty)
        if isinstance(ty, EnumType):
            return self._enum(ty)
        if isinstance(ty, OptionType):
            return self._option(ty)
        if isinstance(ty, ResultType):
            return self._result(ty)
        if isinstance(ty, FlagsType):
            return self._flags(ty)
        if isinstance(ty, HandleType):
            return Handle(bytes(cast("list[int]", self._list(Prim.U8))))
        if isinstance(ty, FutureType):
            return self._future(ty)
        return self._stream(ty)

    # -- primitives ---------------------------------------------------------------------------

    def _prim(self, ty: Prim) -> Value:
        token = self._lexer.next()
        if ty is Prim.BOOL and token.kind is Kind.LABEL and token.text in ("true", "false"):
            return token.text == "true"
        if ty.is_integer and token.kind is Kind.NUMBER:
            return parse_integer(token.text, ty, token.start)
        if ty in (Prim.F32, Prim.F64) and (
            token.kind is Kind.NUMBER or (token.kind is Kind.LABEL and token.text in ("inf", "nan"))
        ):
            return parse_float(token.text, ty, token.start)
        if ty is Prim.CHAR and token.kind is Kind.CHAR:
            return token.value
        if ty is Prim.STRING and token.kind is Kind.STRING:
            return token.value
        raise _expected(f"a {ty.value}", token)

    # -- sequences ----------------------------------------------------------------------------

    def _list(self, element: WitType | None) -> list[Value]:
        self._expect(Kind.LBRACKET, "a list '['")
        items: list[Value] = []
        self._sequence(Kind.RBRACKET, lambda _: items.append(self._element(element)), True)
        return items

    def _element(self, element: WitType | None) -> Value:
        """A list element; ``None`` is the missing element type of ``stream``, written ``_``."""
        if element is not None:
            return self.value(element)
        self._expect(Kind.UNDERSCORE, "'_' (an element of a stream without element type)")
        return None

    def _tuple(self, ty: TupleType) -> Value:
        self._expect(Kind.LPAREN, f"a {type_expr(ty)} '('")
        items: list[Value] = []

        def item(index: int) -> None:
            if index == len(ty.elements):
                extra = self._lexer.peek()
                raise WaveError(f"too many elements for {type_expr(ty)}", extra.start)
            items.append(self.value(ty.elements[index]))

        close = self._sequence(Kind.RPAREN, item, False)
        if len(items) < len(ty.elements):
            raise WaveError(
                f"{type_expr(ty)} has {len(ty.elements)} elements, found {len(items)}", close.start
            )
        return tuple(items)

    def _record(self, ty: RecordType) -> Value:
        opening = self._expect(Kind.LBRACE, f"a record {ty.name} '{{'")
        fields = {f.name: f.type for f in ty.fields}
        found: dict[str, Value] = {}
        if self._lexer.peek().kind is Kind.COLON:
            self._lexer.next()
            self._expect(Kind.RBRACE, "'}' (the empty record is '{:}')")
        elif self._lexer.peek().kind is Kind.RBRACE:
            raise WaveError("'{}' is empty flags; a record with no fields given is '{:}'",
                            self._lexer.peek().start)
        else:

            def item(_: int) -> None:
                token = self._lexer.next()
                name = _label(token, f"a field of record {ty.name}")
                if name not in fields:
                    raise WaveError(f"record {ty.name} has no field {name!r}", token.start)
                if name in found:
                    raise WaveError(f"field {name!r} given twice", token.start)
                self._expect(Kind.COLON, "':'")
                found[name] = self.value(fields[name])

            self._sequence(Kind.RBRACE, item, False)
        result: dict[str, Value] = {}
        for name, field_type in fields.items():
            if name in found:
                result[name] = found[name]
            elif isinstance(field_type, OptionType):
                result[name] = None
            else:
                raise WaveError(f"record {ty.name} is missing field {name!r}", opening.start)
        return result

    def _flags(self, ty: FlagsType) -> Value:
        self._expect(Kind.LBRACE, f"flags {ty.name} '{{'")
        found: set[str] = set()

        def item(_: int) -> None:
            token = self._lexer.next()
            name = _label(token, f"a flag of {ty.name}")
            if name not in ty.labels:
                raise WaveError(f"flags {ty.name} has no flag {name!r}", token.start)
            if name in found:
                raise WaveError(f"flag {name!r} given twice", token.start)
            found.add(name)

        self._sequence(Kind.RBRACE, item, True)
        return frozenset(found)

    def _sequence(self, close: Kind, item: Callable[[int], None], allow_empty: bool) -> Token:
        """Items separated by commas, an optional trailing comma, then ``close`` (returned)."""
        if allow_empty and self._lexer.peek().kind is close:
            return self._lexer.next()
        index = 0
        while True:
            item(index)
            index += 1
            token = self._lexer.next()
            if token.kind is close:
                return token
            if token.kind is not Kind.COMMA:
                raise _expected(f"',' or {close.value}", token)
            if self._lexer.peek().kind is close:
                return self._lexer.next()

    # -- cases --------------------------------------------------------------------------------

    def _variant(self, ty: VariantType) -> Value:
        token = self._lexer.next()
        name = _case_label(token, f"a case of variant {ty.name}")
        case = next((c for c in ty.cases if c.name == name), None)
        if case is None:
            raise WaveError(f"variant {ty.name} has no case {name!r}", token.start)
        if case.type is None:
            self._no_payload(name)
            return VariantValue(name, None)
        return VariantValue(name, self._payload(case.type, name))

    def _enum(self, ty: EnumType) -> Value:
        token = self._lexer.next()
        name = _case_label(token, f"a case of enum {ty.name}")
        if name not in ty.cases:
            raise WaveError(f"enum {ty.name} has no case {name!r}", token.start)
        self._no_payload(name)
        return EnumValue(name)

    def _option(self, ty: OptionType) -> Value:
        token = self._lexer.peek()
        if _is_word(token, "none"):
            self._lexer.next()
            self._no_payload("none")
            return None
        if _is_word(token, "some"):
            self._lexer.next()
            return Some(self._payload(ty.inner, "some"))
        if _flattenable(ty.inner):
            return Some(self.value(ty.inner))
        raise _expected(f"some(...) or none for {type_expr(ty)}", token)

    def _result(self, ty: ResultType) -> Value:
        token = self._lexer.peek()
        if _is_word(token, "ok"):
            self._lexer.next()
            return Ok(self._maybe_payload(ty.ok, "ok"))
        if _is_word(token, "err"):
            self._lexer.next()
            return Err(self._maybe_payload(ty.err, "err"))
        if ty.ok is not None and _flattenable(ty.ok):
            return Ok(self.value(ty.ok))
        raise _expected(f"ok or err for {type_expr(ty)}", token)

    def _future(self, ty: FutureType) -> Value:
        token = self._lexer.next()
        if _is_word(token, "pending"):
            self._no_payload("pending")
            return PENDING
        if _is_word(token, "ready"):
            return Ready(self._maybe_payload(ty.inner, "ready"))
        raise _expected(f"pending or ready for {type_expr(ty)}", token)

    def _stream(self, ty: StreamType) -> Value:
        token = self._lexer.next()
        if _is_word(token, "pending"):
            self._no_payload("pending")
            return PENDING
        if _is_word(token, "ready"):
            self._expect(Kind.LPAREN, "'(' after ready")
            items = self._list(ty.inner)
            self._expect(Kind.RPAREN, "')'")
            return Ready(items)
        raise _expected(f"pending or ready([...]) for {type_expr(ty)}", token)

    def _maybe_payload(self, ty: WitType | None, name: str) -> Value:
        if ty is None:
            self._no_payload(name)
            return None
        return self._payload(ty, name)

    def _payload(self, ty: WitType, name: str) -> Value:
        self._expect(Kind.LPAREN, f"'(' and the payload of {name}")
        value = self.value(ty)
        self._expect(Kind.RPAREN, "')'")
        return value

    def _no_payload(self, name: str) -> None:
        token = self._lexer.peek()
        if token.kind is Kind.LPAREN:
            raise WaveError(f"{name} takes no payload", token.start)

    def _expect(self, kind: Kind, what: str) -> Token:
        token = self._lexer.next()
        if token.kind is not kind:
            raise _expected(what, token)
        return token


def _expected(what: str, token: Token) -> WaveError:
    return WaveError(f"expected {what}, found {token.describe()}", token.start)


def _is_word(token: Token, word: str) -> bool:
    """True for the unescaped keyword ``word`` (``%word`` is a label, not the keyword)."""
    return token.kind is Kind.LABEL and token.text == word


def _label(token: Token, what: str) -> str:
    """A record field or flag label, ``%`` removed (README: the prefix is never required
    there, so a keyword needs none)."""
    if token.kind is not Kind.LABEL:
        raise _expected(what, token)
    return token.text.removeprefix("%")


def _case_label(token: Token, what: str) -> str:
    """A variant or enum case label: a keyword must carry ``%`` (README "Keywords")."""
    if token.kind is Kind.LABEL and token.text in WAVE_KEYWORDS:
        raise WaveError(f"{token.text!r} is a keyword; write the case as %{token.text}",
                        token.start)
    return _label(token, what)
