"""ip-name-lookup (wasi-sockets.md §8): IP literals in every spelling come back as given, then
none; syntactically invalid names give invalid-argument. No name here needs a real resolver:
the suite sends no DNS traffic."""

from __future__ import annotations

from wasmnet_conformance.sockets.scenarios.base import (
    READY_MS,
    Builder,
    Scenario,
    scenario,
)
from wasmnet_conformance.sockets.scenarios.rules import LITERAL

SCENARIOS: list[Scenario] = []
LOOKUP = ["resolve-addresses", "resolve-next-address"]


def _literal(what: str, name: str, expected: dict[str, list[int]]) -> None:
    @scenario(SCENARIOS, f"lookup.literal.{what}", "lookup", LOOKUP,
              f"resolve {name!r}: exactly {expected}, then none", citation="wasi-sockets.md §8")
    def _(b: Builder) -> None:
        net = b.net()
        b.step("resolve-addresses", net, name, as_="r")
        k = b.finish("resolve-next-address", "$r")
        b.check(k, "equals", LITERAL, expected=expected)
        k = b.finish("resolve-next-address", "$r")
        b.check(k, "equals", LITERAL, expected=None)


_literal("ipv4", "127.0.0.1", {"ipv4": [127, 0, 0, 1]})
_literal("ipv4-unspecified", "0.0.0.0", {"ipv4": [0, 0, 0, 0]})
_literal("ipv4-documentation", "192.0.2.44", {"ipv4": [192, 0, 2, 44]})
_literal("ipv4-broadcast", "255.255.255.255", {"ipv4": [255, 255, 255, 255]})
_literal("ipv6-compressed", "::1", {"ipv6": [0, 0, 0, 0, 0, 0, 0, 1]})
_literal("ipv6-full", "0:0:0:0:0:0:0:1", {"ipv6": [0, 0, 0, 0, 0, 0, 0, 1]})
_literal("ipv6-leading-zeros", "2001:0db8:0000:0000:0000:0000:0000:0001",
         {"ipv6": [0x2001, 0xDB8, 0, 0, 0, 0, 0, 1]})
_literal("ipv6-upper-case", "2001:DB8::A", {"ipv6": [0x2001, 0xDB8, 0, 0, 0, 0, 0, 0xA]})
_literal("ipv6-unspecified", "::", {"ipv6": [0, 0, 0, 0, 0, 0, 0, 0]})
_literal("ipv6-middle-compression", "fe80::1:2",
         {"ipv6": [0xFE80, 0, 0, 0, 0, 0, 1, 2]})
_literal("ipv6-embedded-ipv4-compat", "64:ff9b::192.0.2.33",
         {"ipv6": [0x64, 0xFF9B, 0, 0, 0, 0, 0xC000, 0x221]})


def _ambiguous(what: str, name: str, readings: str) -> None:
    @scenario(SCENARIOS, f"lookup.literal.{what}", "lookup", LOOKUP,
              f"[ambiguous] resolve {name!r}: {readings}; any other address is a deviation",
              citation="wasi-sockets.md §8")
    def _(b: Builder) -> None:
        net = b.net()
        b.step("resolve-addresses", net, name, as_="r")
        b.finish("resolve-next-address", "$r")
        b.finish("resolve-next-address", "$r")


_ambiguous("ipv4-mapped", "::ffff:127.0.0.1",
           "the mapped address as given, 127.0.0.1, or invalid-argument")
_ambiguous("ipv4-mapped-upper-case", "::FFFF:127.0.0.1",
           "the mapped address as given, 127.0.0.1, or invalid-argument")
_ambiguous("ipv4-mapped-other", "::ffff:192.0.2.7",
           "the mapped address as given, 192.0.2.7, or invalid-argument")
_ambiguous("bracketed-ipv6", "[::1]", "invalid-argument or ::1")
_ambiguous("zoned-ipv6", "fe80::1%1", "invalid-argument or fe80::1")


def _invalid(what: str, name: str) -> None:
    @scenario(SCENARIOS, f"lookup.invalid.{what}", "lookup", LOOKUP,
              f"resolve {name!r} (not a syntactically valid name) -> invalid-argument",
              citation="wasi-sockets.md §8")
    def _(b: Builder) -> None:
        net = b.net()
        b.step("resolve-addresses", net, name, as_="r")
        b.finish("resolve-next-address", "$r")


_invalid("empty", "")
_invalid("space", " ")
_invalid("inner-space", "a b")
_invalid("illegal-characters", "a.b<&>")
_invalid("host-and-port", "localhost:80")
_invalid("ipv4-and-port", "127.0.0.1:80")
_invalid("url", "http://example.com/")
_invalid("trailing-garbage-ipv6", "::1::2")
_invalid("ipv4-out-of-range", "256.1.1.1")


@scenario(SCENARIOS, "lookup.after-none", "lookup", LOOKUP,
          "resolve-next-address after it gave none: unspecified (recorded)",
          citation="wasi-sockets.md §8")
def _after_none(b: Builder) -> None:
    net = b.net()
    b.step("resolve-addresses", net, "127.0.0.1", as_="r")
    b.finish("resolve-next-address", "$r")
    b.finish("resolve-next-address", "$r")
    b.step("resolve-next-address", "$r")


@scenario(SCENARIOS, "lookup.subscribe", "lookup", ["resolver.subscribe", *LOOKUP],
          "the resolver pollable becomes ready; resolve-next-address then answers without "
          "would-block", citation="wasi-sockets.md §8")
def _subscribe(b: Builder) -> None:
    net = b.net()
    b.step("resolve-addresses", net, "::1", as_="r")
    b.step("resolver.subscribe", "$r", as_="p")
    b.step("wait", "$p", READY_MS)
    k = b.step("resolve-next-address", "$r")
    b.check(k, "equals", LITERAL, expected={"ipv6": [0, 0, 0, 0, 0, 0, 0, 1]})
    b.step("drop", "$p")


@scenario(SCENARIOS, "lookup.two-streams", "lookup", LOOKUP,
          "two lookups in flight at once each give their own literal",
          citation="wasi-sockets.md §8")
def _two(b: Builder) -> None:
    net = b.net()
    b.step("resolve-addresses", net, "127.0.0.1", as_="r1")
    b.step("resolve-addresses", net, "::1", as_="r2")
    k = b.finish("resolve-next-address", "$r2")
    b.check(k, "equals", LITERAL, expected={"ipv6": [0, 0, 0, 0, 0, 0, 0, 1]})
    k = b.finish("resolve-next-address", "$r1")
    b.check(k, "equals", LITERAL, expected={"ipv4": [127, 0, 0, 1]})


@scenario(SCENARIOS, "lookup.drop-resolver-before-pollable", "lookup", ["drop",
                                                                    "resolver.subscribe"],
          "[ambiguous] dropping a resolve-address-stream while its pollable lives: a trap or "
          "ok (recorded)", citation="wasi-sockets.md §6")
def _drop_resolver(b: Builder) -> None:
    net = b.net()
    b.step("resolve-addresses", net, "127.0.0.1", as_="r")
    b.step("resolver.subscribe", "$r", as_="p")
    k = b.step("drop", "$r")
    b.trap_ok(k)
    b.step("drop", "$p")
