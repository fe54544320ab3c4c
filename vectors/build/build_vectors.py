"""Write vectors/<file>.json from the recipes, or check that the committed files match.

    python vectors/build/build_vectors.py           # (re)write every file
    python vectors/build/build_vectors.py --check   # exit 1 if a file differs, is missing or
                                                    # is not produced by any recipe (CI)

Output is deterministic: sorted keys, 2-space indent, UTF-8, trailing newline. Vector IDs must
be unique across all files; a duplicate stops the build.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make the ``vectors.build`` package importable
    sys.path.insert(0, str(ROOT))

from vectors.build import (  # noqa: E402
    compound,
    flags,
    floats,
    frames,
    futures_streams,
    handles,
    header,
    limits,
    scalars,
    text,
)
from vectors.build.common import VectorFile  # noqa: E402

VECTORS_DIR = ROOT / "vectors"
RECIPES: Sequence[Callable[[], VectorFile]] = (
    scalars.build,
    floats.build,
    text.build,
    compound.build,
    flags.build,
    handles.build,
    futures_streams.build,
    limits.build,
    header.build,
    frames.build,
)


def render(f: VectorFile) -> str:
    """The exact text of one vector file."""
    return json.dumps(f.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build_all() -> list[VectorFile]:
    """Every recipe's file; raises ValueError on a vector ID used twice."""
    files = [recipe() for recipe in RECIPES]
    seen: dict[str, str] = {}
    for f in files:
        for g in f.groups:
            for v in g.vectors:
                if v["id"] in seen:
                    raise ValueError(f"duplicate vector id {v['id']} ({seen[v['id']]}, {f.file})")
                seen[v["id"]] = f.file
    return files


def check(built: dict[str, bytes]) -> list[str]:
    """Problems between the recipes' output and the files on disk (empty when up to date)."""
    problems = []
    for fname, data in built.items():
        path = VECTORS_DIR / fname
        if not path.is_file():
            problems.append(f"{fname}: missing")
        elif path.read_bytes() != data:
            problems.append(f"{fname}: differs from its recipe")
    for path in sorted(VECTORS_DIR.glob("*.json")):
        if path.name not in built:
            problems.append(f"{path.name}: not produced by any recipe")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write or check vectors/<file>.json.")
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead of writing them")
    args = parser.parse_args(argv)
    files = build_all()
    built = {f"{f.file}.json": render(f).encode("utf-8") for f in files}
    if args.check:
        problems = check(built)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print("run: python vectors/build/build_vectors.py", file=sys.stderr)
            return 1
        print(f"{len(built)} vector files up to date")
        return 0
    for fname, data in built.items():
        (VECTORS_DIR / fname).write_bytes(data)
    count = sum(len(g.vectors) for f in files for g in f.groups)
    print(f"wrote {len(built)} files, {count} vectors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
