"""ClusterFuzzLite / OSS-Fuzz entry point of the ``server_machine`` fuzz target.

ServerInvocation fed client streams, whole and in pieces. Built by
``.clusterfuzzlite/build.sh`` with ``compile_python_fuzzer``; locally the same is
``python -m wasmnet_fuzz.run server_machine``.
"""

from wasmnet_fuzz.run import entrypoint

if __name__ == "__main__":
    entrypoint("server_machine")()
