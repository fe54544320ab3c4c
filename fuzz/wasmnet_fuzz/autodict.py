"""Constants of the code under test, as a value dictionary for the structure-aware mutator.

A guard such as ``if record["b"] == "boom"`` compares against a constant written in the code.
libFuzzer learns such constants from traced comparisons, but atheris traces a string comparison
only when both sides have the same length, and libFuzzer's mutator applies a learned word to a
few bytes in a thousand calls. So, like AFL's and libFuzzer's dictionaries built from a
program's string literals, the constants of the instrumented modules are harvested once:
strings (short, no whitespace), bytes and integers found in their functions' code objects and
module globals. The mutator puts them where they type-check (a string where a string goes, an
integer in range); ``seeds.py`` also adds them to the libFuzzer dictionary, so byte-level
fuzzing gets the same words.
"""

from __future__ import annotations

import importlib
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

MAX_WORD = 32
MAX_WORDS = 512


@dataclass(frozen=True)
class Constants:
    strings: tuple[str, ...] = ()
    ints: tuple[int, ...] = ()

    @property
    def tokens(self) -> list[bytes]:
        """The constants as byte strings (UTF-8; integers as one byte where they fit)."""
        out = [s.encode("utf-8") for s in self.strings]
        out += [bytes([i]) for i in self.ints if 0 <= i <= 0xFF]
        return out


def _code_constants(code: types.CodeType) -> Iterator[object]:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_constants(const)
        else:
            yield const


def _module_constants(module: types.ModuleType) -> Iterator[object]:
    for key, value in vars(module).items():
        if key.startswith("__"):
            continue
        if isinstance(value, (str, bytes, int)):
            yield value
        elif isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            yield from _code_constants(value.__code__)
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for attr in vars(value).values():
                func = getattr(attr, "__func__", attr)
                if isinstance(func, types.FunctionType):
                    yield from _code_constants(func.__code__)


def _word(text: str) -> bool:
    return 0 < len(text) <= MAX_WORD and not any(c.isspace() for c in text) and \
        not text.startswith("__")


def harvest(modules: Iterable[str]) -> Constants:
    """The constants of ``modules`` (imported if needed), deduplicated, in a stable order."""
    strings: dict[str, None] = {}
    ints: dict[int, None] = {}
    for name in modules:
        for const in _module_constants(importlib.import_module(name)):
            if isinstance(const, bool):
                continue
            if isinstance(const, int):
                ints.setdefault(const, None)
            elif isinstance(const, str) and _word(const):
                strings.setdefault(const, None)
            elif isinstance(const, bytes) and 0 < len(const) <= MAX_WORD:
                try:
                    text = const.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                if _word(text):
                    strings.setdefault(text, None)
    return Constants(tuple(list(strings)[:MAX_WORDS]), tuple(list(ints)[:MAX_WORDS]))
