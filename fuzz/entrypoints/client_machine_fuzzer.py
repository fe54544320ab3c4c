"""ClusterFuzzLite / OSS-Fuzz entry point of the ``client_machine`` fuzz target.

ClientInvocation fed server streams, whole and in pieces. Built by
``.clusterfuzzlite/build.sh`` with ``compile_python_fuzzer``; locally the same is
``python -m wasmnet_fuzz.run client_machine``.
"""

from wasmnet_fuzz.run import entrypoint

if __name__ == "__main__":
    entrypoint("client_machine")()
