"""Crash to vector, in one command:

    python -m wasmnet_fuzz.to_vector CRASH_FILE --target NAME

1. reproduces the finding (the target raises on the input) and takes its signature;
2. minimizes the input, keeping the signature (``findings.py``);
3. writes the reference's answer for the minimized input as vectors (``vectorize.py``) to
   ``vectors/findings/<signature-slug>.json``, with provenance (target, signature, libFuzzer
   seed, tool versions, date) in the file's ``sources`` and each vector's ``comment``;
4. checks the file against ``vectors/schema/vectors.schema.json``.

One file per signature: a second finding with a known signature is reported and not written
(``--force`` replaces the file). If the reference itself fails on the input (the finding is a
reference bug, so its answer cannot be trusted yet), nothing is written: fix the reference and
rerun with ``--fixed``, which records the (no longer crashing) input as a regression vector.
Exit status: 0 written or already known, 1 not reproducible or reference failure, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from wasmnet_fuzz.findings import Signature, minimize, reproduce, signature_of
from wasmnet_fuzz.provenance import read_sidecar, record
from wasmnet_fuzz.targets import TARGETS, Target
from wasmnet_reference.errors import WireError
from wasmnet_reference.rules import Ambiguity

REPO = Path(__file__).resolve().parents[2]
FINDINGS_DIR = REPO / "vectors" / "findings"
SCHEMA = REPO / "vectors" / "schema" / "vectors.schema.json"
FORMAT = "wasmnet-vectors/1"


class ToVectorError(Exception):
    """The finding cannot be written as a vector (message says why and what to do)."""


def _notes(flags: set[str], vectors_dir: Path) -> dict[str, str]:
    """The explanation of each flag, as the golden vector files give it."""
    known: dict[str, str] = {}
    for path in sorted(vectors_dir.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for flag, text in doc.get("notes", {}).items():
            known.setdefault(flag, text)
    out = {}
    for flag in sorted(flags):
        out[flag] = known.get(flag) or f"wrpc.md [ambiguous]: {Ambiguity(flag).value}"
    return out


def vector_file(signature: Signature, vectors: list[dict[str, Any]], provenance: dict[str, Any],
                vectors_dir: Path) -> dict[str, Any]:
    """The vector file of one finding."""
    slug = signature.slug()
    prov = [f"provenance: {k}={'unknown' if v is None else v}" for k, v in _flatten(provenance)]
    comment = f"fuzz finding {signature.text()}"
    for v in vectors:
        v["comment"] = comment if "comment" not in v else f"{comment}; {v['comment']}"
    flags = {f for v in vectors for f in v["flags"]}
    return {
        "format": FORMAT,
        "file": slug,
        "description": (
            f"Regression vectors from a fuzzer finding: {signature.text()}. The expected results "
            "are the reference's answer (vectors/findings/ is replayed by the conformance run)."
        ),
        "sources": ["fuzz finding (python -m wasmnet_fuzz.to_vector)", *prov,
                    "../shared/specs/wrpc.md §2-§4"],
        "notes": _notes(flags, vectors_dir),
        "groups": [{"id": "finding", "description": comment, "vectors": vectors}],
    }


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict):
            out += _flatten(value, f"{prefix}{key}.")
        else:
            out.append((f"{prefix}{key}", value))
    return out


def validate(doc: dict[str, Any]) -> None:
    """Raise ToVectorError if ``doc`` breaks the vector schema."""
    try:
        import jsonschema
    except ImportError:  # pragma: no cover - a dependency of the project
        return
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(doc), key=str)
    if errors:
        raise ToVectorError(f"the vector file breaks the schema: {errors[0].message}")


def to_vector(crash: Path, target: Target, *, out_dir: Path = FINDINGS_DIR, fixed: bool = False,
              force: bool = False, seed: int | None = None, do_minimize: bool = True,
              log: Any = print) -> tuple[Path, bool]:
    """Write the vector file for ``crash``; returns (path, written)."""
    data = crash.read_bytes()
    side = read_sidecar(crash)
    if fixed:
        signature = Signature(target.name, side.get("exception", "fixed"),
                              side.get("where", crash.name))
        minimized = data
    else:
        exc = reproduce(target, data)
        if exc is None:
            raise ToVectorError(
                f"{crash} does not make {target.name} fail: already fixed? Record it as a "
                "regression vector with --fixed."
            )
        signature = signature_of(target, exc)
        log(f"signature: {signature.text()}")
        minimized = minimize(target, data, signature, log=log) if do_minimize else data
    path = out_dir / f"{signature.slug()}.json"
    if path.exists() and not force:
        log(f"already recorded: {path} (same signature; --force replaces it)")
        return path, False
    try:
        vectors = target.vectorize(signature.slug(), minimized)
    except WireError:
        raise
    except Exception as exc:
        kept = crash.with_name(crash.name + ".min")
        kept.write_bytes(minimized)
        raise ToVectorError(
            f"the reference itself fails on this input ({type(exc).__name__}: {exc}); its "
            f"answer cannot be recorded yet. Minimized input: {kept}. Fix the reference, then "
            f"rerun: python -m wasmnet_fuzz.to_vector {kept} --target {target.name} --fixed"
        ) from exc
    provenance = record(
        target.name,
        seed=seed if seed is not None else side.get("seed"),
        signature=signature.text(),
        crash=crash.name,
        input_bytes=len(data),
        minimized_bytes=len(minimized),
        found=side.get("date"),
    )
    doc = vector_file(signature, vectors, provenance, REPO / "vectors")
    validate(doc)
    out_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    log(f"wrote {path} ({len(vectors)} vector(s): " + ", ".join(
        f"{v['id']} {v['result']}" for v in vectors) + ")")
    return path, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m wasmnet_fuzz.to_vector", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("crash", type=Path, help="the crashing input (libFuzzer crash-<sha1>)")
    parser.add_argument("--target", required=True, choices=sorted(TARGETS))
    parser.add_argument("--out-dir", type=Path, default=FINDINGS_DIR,
                        help=f"where vector files go (default: {FINDINGS_DIR})")
    parser.add_argument("--fixed", action="store_true",
                        help="the bug is fixed: record the input without reproducing it")
    parser.add_argument("--force", action="store_true", help="replace a file with the same name")
    parser.add_argument("--seed", type=int, help="libFuzzer seed (default: from <crash>.json)")
    parser.add_argument("--no-minimize", action="store_true")
    args = parser.parse_args(argv)
    if not args.crash.is_file():
        parser.error(f"{args.crash} is not a file")
    try:
        path, written = to_vector(args.crash, TARGETS[args.target], out_dir=args.out_dir,
                                  fixed=args.fixed, force=args.force, seed=args.seed,
                                  do_minimize=not args.no_minimize)
    except ToVectorError as e:
        print(f"to_vector: {e}", file=sys.stderr)
        return 1
    if written:
        print(f"replay: python -m wasmnet_conformance --parts codec --vectors {path.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
