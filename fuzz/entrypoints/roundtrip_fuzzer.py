"""ClusterFuzzLite / OSS-Fuzz entry point of the ``roundtrip`` fuzz target.

Encode/decode and WAVE format/parse round trips of typed values. Built by
``.clusterfuzzlite/build.sh`` with ``compile_python_fuzzer``; locally the same is
``python -m wasmnet_fuzz.run roundtrip``.
"""

from wasmnet_fuzz.run import entrypoint

if __name__ == "__main__":
    entrypoint("roundtrip")()
