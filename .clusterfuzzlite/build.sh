#!/bin/bash -eu
# Build the wasmnet fuzz targets for ClusterFuzzLite / OSS-Fuzz.
#
# The same plain target functions that `tox -e fuzz` runs (fuzz/wasmnet_fuzz/targets/), one
# fuzz/entrypoints/<target>_fuzzer.py per target, bundled by compile_python_fuzzer (PyInstaller).
# Next to each fuzzer in $OUT: <fuzzer>_seed_corpus.zip (seeds generated from vectors/ plus
# the committed corpus fuzz/corpus/<target>/), <fuzzer>.dict and <fuzzer>.options.
# The differential targets are not built here (they start a peer testee process).

cd "$SRC/wasmnet-conformance"

# The project (reference codec and framing, conformance judge) with its dependencies. The fuzz
# package lives in fuzz/ and is found through PYTHONPATH and PyInstaller's --paths.
pip3 install .
export PYTHONPATH="$SRC/wasmnet-conformance/fuzz${PYTHONPATH:+:$PYTHONPATH}"

python3 -m wasmnet_fuzz.seeds --oss-fuzz-out "$OUT"

for fuzzer in fuzz/entrypoints/*_fuzzer.py; do
  compile_python_fuzzer "$fuzzer" --paths "$SRC/wasmnet-conformance/fuzz"
done
