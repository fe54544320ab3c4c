"""ClusterFuzzLite / OSS-Fuzz entry point of the ``frame_decoder`` fuzz target.

Decode_stream on a mode byte + stream (the framing hot path). Built by
``.clusterfuzzlite/build.sh`` with ``compile_python_fuzzer``; locally the same is
``python -m wasmnet_fuzz.run frame_decoder``.
"""

from wasmnet_fuzz.run import entrypoint

if __name__ == "__main__":
    entrypoint("frame_decoder")()
