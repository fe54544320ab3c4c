"""ClusterFuzzLite / OSS-Fuzz entry point of the ``frame_stream`` fuzz target.

StreamDecoder in pieces vs decode_stream; framing round trip. Built by
``.clusterfuzzlite/build.sh`` with ``compile_python_fuzzer``; locally the same is
``python -m wasmnet_fuzz.run frame_stream``.
"""

from wasmnet_fuzz.run import entrypoint

if __name__ == "__main__":
    entrypoint("frame_stream")()
