"""Seed corpora and libFuzzer dictionaries, generated from the golden vectors.

Seeds: every vector in the input format of each target (typed targets: ``typecode(type) ++
bytes`` of each value vector whose type has a typecode; frame targets: mode byte ++ bytes of each
frames vector; the invocation machines: well-formed calls and answers written by the reference's
own outbound machines, with pending futures and streams and their data, plus the client streams
of the header vectors). Dictionaries: the short byte strings of the vectors (invalid and
acceptable ones are exactly the rule-breaking shapes), LEB128 width boundaries, the ill-formed
UTF-8 classes, non-canonical NaNs, and for the invocation targets the served names as they
appear on the wire.

``python -m wasmnet_fuzz.seeds --out DIR`` writes ``DIR/<target>/<sha1>`` and
``DIR/<target>.dict``; campaigns and the ClusterFuzzLite build call it, so seeds and
dictionaries never go stale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from wasmnet_fuzz import planted
from wasmnet_fuzz.autodict import harvest
from wasmnet_fuzz.faults import ILL_FORMED_UTF8, NONCANONICAL_NAN_F32, NONCANONICAL_NAN_F64
from wasmnet_fuzz.generate import gen_value
from wasmnet_fuzz.targets import OSS_FUZZ_TARGETS, TARGETS, Target
from wasmnet_fuzz.targets.machines import CLIENT_RESULTS, LIMITS, SERVED
from wasmnet_fuzz.typecode import TypecodeError, encode_type
from wasmnet_reference.codec.leb128 import encode_uleb
from wasmnet_reference.framing import encode_frame, encode_header
from wasmnet_reference.framing.events import ROOT
from wasmnet_reference.wit.json_form import from_json
from wasmnet_reference.wit.types import FutureType, StreamType
from wasmnet_reference.wrpc.invocation import ClientInvocation
from wasmnet_reference.wrpc.outbound import Outbound
from wasmnet_reference.wrpc.paths import PayloadPathReading

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "vectors"
CALLS_PER_FUNCTION = 4
MAX_DICT_TOKEN = 16
"""Longer byte strings are seeds, not dictionary words."""


def load_vectors(directory: Path = VECTORS) -> list[dict[str, Any]]:
    """Every vector of ``directory/*.json`` and ``directory/findings/*.json``."""
    out: list[dict[str, Any]] = []
    paths = sorted(directory.glob("*.json")) + sorted((directory / "findings").glob("*.json"))
    for path in paths:
        doc = json.loads(path.read_text(encoding="utf-8"))
        for group in doc["groups"]:
            out.extend(group["vectors"])
    return out


# ------------------------------------------------------------------------------------- seeds


def _typed_seeds(vectors: list[dict[str, Any]]) -> Iterator[bytes]:
    for v in vectors:
        if v["kind"] != "value":
            continue
        try:
            code = encode_type(from_json(v["type"]["json"]))
        except TypecodeError:
            continue
        yield code + bytes.fromhex(v["bytes"])


def _frames_seeds(vectors: list[dict[str, Any]]) -> Iterator[bytes]:
    for v in vectors:
        if v["kind"] == "frames":
            yield bytes([1 if v["header"] else 0]) + bytes.fromhex(v["bytes"])


def _async_data(outbound_open: dict[tuple[int, ...], Any], rng: random.Random,
                send: Any) -> bytes:
    """Data for every open path: a future's value; a stream's chunk and end marker."""
    out = bytearray()
    for path, ty in sorted(outbound_open.items()):
        if isinstance(ty, FutureType):
            out += send.send_future(path, None if ty.inner is None else gen_value(ty.inner, rng))
        else:
            assert isinstance(ty, StreamType)
            if rng.random() < 0.7:
                item = None if ty.inner is None else gen_value(ty.inner, rng)
                out += send.send_chunk(path, [item])
            out += send.send_end(path)
    return bytes(out)


def server_seeds() -> Iterator[bytes]:
    """Calls of every served function, by the reference client machine."""
    for n, ((instance, function), signature) in enumerate(sorted(SERVED.items())):
        for k in range(CALLS_PER_FUNCTION):
            rng = random.Random(n * 100 + k)
            params = [gen_value(t, rng) for t in signature.params]
            client = ClientInvocation(instance, function, signature, params, LIMITS)
            yield client.start() + _async_data(client.open_outbound_paths, rng, client)
    yield encode_header("wasmnet:fuzz/api@0.1.0", "unknown") + encode_frame(ROOT, b"")


def client_seeds() -> Iterator[bytes]:
    """Answers of each result signature, by the reference outbound machine."""
    for selector, types in enumerate(CLIENT_RESULTS):
        for k in range(CALLS_PER_FUNCTION):
            rng = random.Random(selector * 100 + k)
            results = [gen_value(t, rng) for t in types]
            out = Outbound(LIMITS, PayloadPathReading.UPSTREAM)
            root = out.open_root(results, types, empty_frame=False)
            yield bytes([selector]) + root + _async_data(out.open_paths, rng, out)


def planted_seeds() -> Iterator[bytes]:
    """One well-formed call of the planted function with an empty list: the fuzzer must grow
    the list, pick ``some``, and set both fields."""
    yield encode_header(planted.INSTANCE, planted.FUNCTION) + encode_frame(ROOT, b"\x00")


def _header_seeds(vectors: list[dict[str, Any]]) -> Iterator[bytes]:
    for v in vectors:
        if v["kind"] == "frames" and v["header"]:
            yield bytes.fromhex(v["bytes"])


def seeds_for(target: Target, vectors: list[dict[str, Any]]) -> list[bytes]:
    """The seed inputs of ``target`` (deduplicated, within its ``max_len``)."""
    name = target.name
    found: Iterable[bytes]
    if name.startswith("planted"):
        found = planted_seeds()
    elif name == "server_machine":
        found = [*server_seeds(), *_header_seeds(vectors)]
    elif name == "client_machine":
        found = client_seeds()
    elif name in ("frame_decoder", "frame_stream", "diff_frames"):
        found = _frames_seeds(vectors)
    else:
        found = _typed_seeds(vectors)
    seen: dict[bytes, None] = {}
    for seed in found:
        if len(seed) <= target.max_len:
            seen.setdefault(seed, None)
    return list(seen)


# -------------------------------------------------------------------------------- dictionary


def _rule_tokens() -> set[bytes]:
    tokens = set(ILL_FORMED_UTF8) | set(NONCANONICAL_NAN_F32) | set(NONCANONICAL_NAN_F64)
    tokens |= {bytes.fromhex("0000c07f"), bytes.fromhex("000000000000f87f")}
    for k in (7, 14, 21, 28, 32, 35, 63, 64):  # LEB128 width boundaries
        tokens |= {encode_uleb((1 << k) - 1), encode_uleb(1 << k)}
    tokens |= {b"\x80\x80\x80\x80\x80\x00", b"\xff\xff\xff\xff\x7f", b"\x02", b"\xff"}
    return tokens


def dictionary_for(target: Target, vectors: list[dict[str, Any]]) -> list[bytes]:
    tokens = _rule_tokens() | set(harvest(target.instrument).tokens)
    kind = "value" if target.format is TARGETS["value_decoder"].format else "frames"
    for v in vectors:
        if v["kind"] == kind and v["result"] != "valid":
            raw = bytes.fromhex(v["bytes"])
            if 2 <= len(raw) <= MAX_DICT_TOKEN:
                tokens.add(raw)
    if kind == "value":
        for v in vectors:
            try:
                code = encode_type(from_json(v["type"]["json"])) if v["kind"] == "value" else b""
            except TypecodeError:
                continue
            if 2 <= len(code) <= 6:
                tokens.add(code)
    names = target.format.names if hasattr(target.format, "names") else ()
    for instance, function in names:
        tokens.add(encode_header(instance, function))
        tokens.add(encode_uleb(len(function.encode())) + function.encode())
    return sorted(tokens)


def _escape(token: bytes) -> str:
    return "".join(
        chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\x{b:02x}" for b in token
    )


def dictionary_text(tokens: list[bytes]) -> str:
    """libFuzzer's dictionary format: one ``name="bytes"`` per line."""
    lines = [f'w{i}="{_escape(t)}"' for i, t in enumerate(tokens)]
    return "# generated by python -m wasmnet_fuzz.seeds from the golden vectors\n" + \
        "\n".join(lines) + "\n"


def corpus_name(data: bytes) -> str:
    """libFuzzer's name for a corpus file: the SHA-1 of its content."""
    return hashlib.sha1(data).hexdigest()


def write(out: Path, targets: Iterable[str], vectors_dir: Path = VECTORS) -> dict[str, int]:
    """Write seeds and dictionaries of ``targets`` under ``out``; returns seeds per target."""
    vectors = load_vectors(vectors_dir)
    counts = {}
    for name in targets:
        target = TARGETS[name]
        directory = out / name
        directory.mkdir(parents=True, exist_ok=True)
        seeds = seeds_for(target, vectors)
        for seed in seeds:
            (directory / corpus_name(seed)).write_bytes(seed)
        (out / f"{name}.dict").write_text(dictionary_text(dictionary_for(target, vectors)),
                                         encoding="utf-8")
        counts[name] = len(seeds)
    return counts


def write_oss_fuzz(out: Path, names: Iterable[str], corpus_root: Path,
                   vectors_dir: Path = VECTORS) -> list[str]:
    """The files ClusterFuzzLite / OSS-Fuzz take next to each fuzzer binary in ``$OUT``:
    ``<fuzzer>_seed_corpus.zip`` (the seeds and the committed corpus), ``<fuzzer>.dict`` and
    ``<fuzzer>.options`` (``[libfuzzer]`` max_len and dict); the fuzzer is ``<target>_fuzzer``.
    Returns the fuzzer names."""
    vectors = load_vectors(vectors_dir)
    out.mkdir(parents=True, exist_ok=True)
    fuzzers = []
    for name in names:
        target = TARGETS[name]
        fuzzer = f"{name}_fuzzer"
        inputs = {corpus_name(s): s for s in seeds_for(target, vectors)}
        committed = corpus_root / name
        if committed.is_dir():
            inputs.update({p.name: p.read_bytes() for p in sorted(committed.iterdir())
                           if p.is_file()})
        with zipfile.ZipFile(out / f"{fuzzer}_seed_corpus.zip", "w") as archive:
            for file_name, data in sorted(inputs.items()):
                archive.writestr(file_name, data)
        (out / f"{fuzzer}.dict").write_text(dictionary_text(dictionary_for(target, vectors)),
                                           encoding="utf-8")
        (out / f"{fuzzer}.options").write_text(
            f"[libfuzzer]\nmax_len = {target.max_len}\ndict = {fuzzer}.dict\n", encoding="utf-8"
        )
        fuzzers.append(fuzzer)
    return fuzzers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wasmnet_fuzz.seeds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="output directory (seeds and dictionaries)")
    parser.add_argument("--oss-fuzz-out", type=Path,
                        help="write seed corpus zips, dictionaries and .options files for "
                        "ClusterFuzzLite/OSS-Fuzz here ($OUT) for the OSS-Fuzz targets")
    parser.add_argument("--corpus", type=Path, default=REPO / "fuzz" / "corpus",
                        help="committed corpus root (for --oss-fuzz-out)")
    parser.add_argument("--targets", default=",".join(TARGETS),
                        help="comma-separated target names (default: all)")
    parser.add_argument("--vectors", type=Path, default=VECTORS, help="vector directory")
    args = parser.parse_args(argv)
    if args.oss_fuzz_out is not None:
        for fuzzer in write_oss_fuzz(args.oss_fuzz_out, OSS_FUZZ_TARGETS, args.corpus,
                                     args.vectors):
            print(f"{fuzzer}: seed corpus, dictionary and options in {args.oss_fuzz_out}")
        return 0
    if args.out is None:
        parser.error("give --out or --oss-fuzz-out")
    counts = write(args.out, [t for t in args.targets.split(",") if t], args.vectors)
    for name, n in counts.items():
        print(f"{name}: {n} seeds, dictionary {args.out / (name + '.dict')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
