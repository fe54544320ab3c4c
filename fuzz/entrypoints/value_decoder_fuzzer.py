"""ClusterFuzzLite / OSS-Fuzz entry point of the ``value_decoder`` fuzz target.

Decode_value of the type the input chooses; incremental vs whole; re-encoding. Built by
``.clusterfuzzlite/build.sh`` with ``compile_python_fuzzer``; locally the same is
``python -m wasmnet_fuzz.run value_decoder``.
"""

from wasmnet_fuzz.run import entrypoint

if __name__ == "__main__":
    entrypoint("value_decoder")()
