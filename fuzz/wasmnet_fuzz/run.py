"""The thin atheris wrapper: ``python -m wasmnet_fuzz.run TARGET [--plain] [libFuzzer args]``.

Runs one target under libFuzzer (atheris' built-in copy) with coverage from the target's
modules only (``Target.instrument``: instrumenting less keeps the frame decoder fast), the
structure-aware mutator for structured targets (``--plain`` forces libFuzzer's byte mutator),
and ``-max_len`` from the target unless given. Everything after the target name is passed to
libFuzzer: corpus directories, ``-max_total_time=``, ``-dict=``, ``-seed=``,
``-artifact_prefix=``, ``-runs=``, ``-minimize_crash=1`` ...

atheris is available for Linux only (CPython 3.10-3.13 wheels on PyPI); elsewhere this exits
with status 2 and says so. The targets themselves are plain functions that run everywhere (the
corpus replay test runs them on every OS).
"""

from __future__ import annotations

import functools
import importlib
import os
import shlex
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wasmnet_fuzz.autodict import harvest
from wasmnet_fuzz.mutator import Mutator
from wasmnet_fuzz.targets import TARGETS, Target

UNAVAILABLE = 2
ARGV0_ENV = "WASMNET_FUZZ_ARGV0"
"""The executable libFuzzer re-runs for ``-merge=1`` and ``-minimize_crash=1`` (it starts
itself again as a child process): a launcher script that runs this module for one target
(:func:`write_launcher`). Without it, libFuzzer would try to execute ``run.py`` itself."""


def atheris_or_none() -> Any:
    """The atheris module, or None where it cannot be imported."""
    try:
        import atheris
    except ImportError:
        return None
    return atheris


def unavailable_message() -> str:
    return (
        f"atheris is not available here ({sys.platform}, Python "
        f"{sys.version_info.major}.{sys.version_info.minor}): coverage-guided fuzzing runs on "
        "Linux (CPython 3.10-3.13 wheels: pip install atheris). The targets still run "
        "everywhere: pytest tests/test_fuzz_replay.py replays every corpus."
    )


def _functions(module: types.ModuleType) -> list[types.FunctionType]:
    """The functions and methods defined in ``module`` (nested code is instrumented with its
    parent)."""
    found: list[types.FunctionType] = []

    def add(obj: Any) -> None:
        obj = getattr(obj, "__wrapped__", obj)  # functools.lru_cache and friends
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if isinstance(obj, property):
            for f in (obj.fget, obj.fset):
                if f is not None:
                    add(f)
            return
        if isinstance(obj, types.FunctionType) and obj.__module__ == module.__name__:
            found.append(obj)

    for obj in vars(module).values():
        if isinstance(obj, type) and obj.__module__ == module.__name__:
            for attr in vars(obj).values():
                add(attr)
        else:
            add(obj)
    return found


def instrument(atheris: Any, modules: tuple[str, ...]) -> int:
    """Instrument every function of ``modules`` for coverage; returns how many."""
    count = 0
    for name in modules:
        for function in _functions(importlib.import_module(name)):
            atheris.instrument_func(function)
            count += 1
    return count


def _has_flag(args: list[str], flag: str) -> bool:
    return any(a == flag or a.startswith(flag + "=") for a in args)


def libfuzzer_args(target: Target, args: list[str]) -> list[str]:
    """``args`` with the target's defaults added where not given."""
    out = list(args)
    if not _has_flag(out, "-max_len"):
        out.append(f"-max_len={target.max_len}")
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help") or args[0] not in TARGETS:
        print(__doc__, file=sys.stderr)
        print("targets: " + ", ".join(TARGETS), file=sys.stderr)
        return 0 if args and args[0] in ("-h", "--help") else UNAVAILABLE
    target = TARGETS[args.pop(0)]
    plain = "--plain" in args
    args = [a for a in args if a != "--plain"]
    atheris = atheris_or_none()
    if atheris is None:
        print(unavailable_message(), file=sys.stderr)
        return UNAVAILABLE
    count = instrument(atheris, target.instrument)
    print(f"INFO: wasmnet_fuzz: target {target.name}, {count} functions instrumented, "
          f"mutator {'structure-aware' if target.structured and not plain else 'libFuzzer'}",
          file=sys.stderr)
    setup: dict[str, Callable[..., bytes]] = {}
    if target.structured and not plain:
        # atheris binds Mutate to libFuzzer only in Setup(): look it up at call time.
        setup["custom_mutator"] = Mutator(
            target.format,
            byte_mutate=lambda data, max_size: atheris.Mutate(data, max_size),
            constants=harvest(target.instrument),
        )
    run = target.run

    def test_one_input(data: bytes) -> None:
        run(data)

    argv0 = os.environ.get(ARGV0_ENV) or sys.argv[0]
    atheris.Setup([argv0, *libfuzzer_args(target, args)], test_one_input, **setup)
    atheris.Fuzz()
    return 0


def write_launcher(directory: Path, target: str, *, plain: bool = False) -> Path:
    """A shell script that runs ``target`` under atheris with the arguments it is given, for
    libFuzzer to start again as a child (merge, crash minimization). POSIX shells only: atheris
    is Linux-only anyway."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"fuzz-{target}{'-plain' if plain else ''}"
    command = [sys.executable, "-m", "wasmnet_fuzz.run", target, *(["--plain"] if plain else [])]
    path.write_text(
        "#!/bin/sh\n"
        f'{ARGV0_ENV}="$0" exec {shlex.join(command)} "$@"\n',
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def entrypoint(name: str) -> Callable[[], None]:
    """``main`` bound to one target, for the per-target scripts ClusterFuzzLite builds."""
    return functools.partial(_exit_main, name)


def _exit_main(name: str) -> None:
    sys.exit(main([name, *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
