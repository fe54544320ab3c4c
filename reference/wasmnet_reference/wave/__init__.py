"""WAVE (WebAssembly Value Encoding, the value text of wasm-wave, wasmtime and wasm-tools) for
the value model in ``values.py``: type-directed parsing and canonical printing.

Grammar facts come from the wasm-wave README and ``wave_ebnf.md``; see ``lexer.py``,
``parse.py``, ``numbers.py`` and ``format.py`` for the rules each applies.

This suite's extension for what WAVE cannot write (docs/vector-format.md):

- ``own<R>`` / ``borrow<R>``: the opaque ``list<u8>`` blob,
  ``[1, 2, 3]`` -> ``Handle(b"\\x01\\x02\\x03")``;
- ``future<T>``: ``pending`` -> ``PENDING``, ``ready(v)`` -> ``Ready(v)``; for ``future`` with no
  type, ``ready`` -> ``Ready(None)``;
- ``stream<T>``: ``pending`` -> ``PENDING``, ``ready([v, ...])`` -> ``Ready([v, ...])``; for
  ``stream`` with no element type the elements carry no data and each is written ``_``
  (as WIT writes a missing type), ``ready([_, _])`` -> ``Ready([None, None])``.

Deviations from wasm-wave, all stricter: a finite number too large for its float type is an
error (wasm-wave rounds it to ``inf``); fields unknown to a record type are an error.
"""

from wasmnet_reference.wave.error import WaveError
from wasmnet_reference.wave.format import format_wave
from wasmnet_reference.wave.parse import parse_wave

__all__ = ["WaveError", "format_wave", "parse_wave"]
