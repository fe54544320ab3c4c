"""Builds the probe component, and the per-runtime artefacts derived from it, into a cache keyed
by content hash, so a warm run neither rebuilds nor recompiles.

* ``probe/<key>/probe.wasm``: componentize-py output; key = hash of app.py, world.wit, every
  byte of the WASI WIT it is built against, and the componentize-py version.
* ``wasmtime/<key>/probe.cwasm``: ``wasmtime compile`` output; key adds the wasmtime version.
* ``node/transpiled/<key>/probe.js``: ``jco transpile --instantiation async`` output; key adds
  the jco version. It lives under ``node/`` so Node resolves ``node_modules`` (the pinned npm
  packages of conformance/node, installed there with ``npm ci``).

The WASI 0.2.12 WIT is not committed (wasi-sockets.md §12): it is copied at build time from the
installed npm package ``@bytecodealliance/jco`` (``lib/wit/builtin/0.2.12/``), or from the folder
named by ``WASMNET_WASI_WIT``. Entries are produced in a temporary folder and renamed into place,
under a lock file, so concurrent runs and crashes never leave a half-written entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from wasmnet_conformance import REPO_ROOT

CACHE_ENV = "WASMNET_CACHE"
WIT_ENV = "WASMNET_WASI_WIT"
CACHE_FORMAT = "1"
"""Part of every key: bump it to invalidate all cached entries."""
WASI_VERSION = "0.2.12"
WASI_WIT_PACKAGES = ("cli", "clocks", "filesystem", "io", "random", "sockets")
"""The world imports sockets/io/clocks/cli; wasi:cli's own worlds need random and filesystem."""
PROBE_SOURCE = REPO_ROOT / "conformance" / "probe"
NODE_SOURCE = REPO_ROOT / "conformance" / "node"
NODE_RUNNER = "probe-runner.mjs"
JCO_WIT_SUBDIR = Path("@bytecodealliance", "jco", "lib", "wit", "builtin", WASI_VERSION)
JCO_PACKAGE = Path("@bytecodealliance", "jco")
BUILD_TIMEOUT_S = 600.0
NPM_TIMEOUT_S = 1800.0
NPM_FLAGS = ("--no-audit", "--no-fund", "--loglevel=error")
_COMPLETE = ".complete"
KEEP_ENTRIES = 3
"""Cache entries kept per kind (probe builds, precompiled, transpiled)."""


class BuildError(Exception):
    """A build step failed or its tools are missing; the message says what to do."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output
        """The failed tool's whole output (the message has its tail)."""


def default_cache_dir() -> Path:
    """``$WASMNET_CACHE`` or ``<repo>/.cache/wasmnet`` (ignored by git)."""
    env = os.environ.get(CACHE_ENV)
    return Path(env).resolve() if env else REPO_ROOT / ".cache" / "wasmnet"


def tool_env(cache_dir: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for runtimes and tools: wasmtime's compile cache inside our cache (never
    ``~/.cache``) and no Rust backtraces (this machine sets RUST_BACKTRACE=1)."""
    env = dict(os.environ if base is None else base)
    env["XDG_CACHE_HOME"] = str(cache_dir / "xdg")
    env["RUST_BACKTRACE"] = "0"
    env.pop("WASMNET_SCRIPT", None)
    return env


def content_key(*parts: bytes | str) -> str:
    """A hash of several inputs (length-prefixed, so boundaries cannot shift)."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()[:32]


def _tail(text: str, n: int = 20) -> str:
    return "\n".join(text.splitlines()[-n:])


def run_tool(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
             timeout_s: float = BUILD_TIMEOUT_S, what: str) -> str:
    """Run a build tool; BuildError with its output tail when it fails or hangs."""
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                              errors="replace", timeout=timeout_s, stdin=subprocess.DEVNULL)
    except FileNotFoundError as e:
        raise BuildError(f"{what}: {e}") from None
    except subprocess.TimeoutExpired:
        raise BuildError(f"{what}: no result after {timeout_s:.0f} s") from None
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n"
                         f"{_tail(proc.stderr + proc.stdout)}", proc.stderr + proc.stdout)
    return proc.stdout


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock on ``path`` (flock on POSIX, msvcrt on Windows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as f:
        if sys.platform == "win32":
            import msvcrt

            f.seek(0)
            while True:
                try:
                    msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
            try:
                yield
            finally:
                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def cached_dir(root: Path, key: str, produce: Callable[[Path], None]) -> tuple[Path, bool]:
    """``root/key``, produced by ``produce(tmp_dir)`` if absent. Returns (dir, built_now)."""
    final = root / key
    if (final / _COMPLETE).exists():
        return final, False
    with _locked(root / f".{key}.lock"):
        if (final / _COMPLETE).exists():
            return final, False
        if final.exists():
            shutil.rmtree(final)
        tmp = root / f".tmp-{key}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir(parents=True)
        try:
            produce(tmp)
            (tmp / _COMPLETE).write_text("")
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, keep=final)
    return final, True


def _prune(root: Path, *, keep: Path) -> None:
    """Drop all but the newest KEEP_ENTRIES complete entries of ``root`` (old probe builds
    are 20-35 MB each); ``keep`` (just built) always stays."""
    entries = sorted((d for d in root.iterdir() if (d / _COMPLETE).exists() and d != keep),
                     key=lambda d: (d / _COMPLETE).stat().st_mtime, reverse=True)
    for old in entries[KEEP_ENTRIES - 1:]:
        shutil.rmtree(old, ignore_errors=True)
        with contextlib.suppress(OSError):
            (root / f".{old.name}.lock").unlink()


# ---------------------------------------------------------------- npm packages


def node_dir(cache_dir: Path) -> Path:
    return cache_dir / "node"


def node_packages_installed(cache_dir: Path) -> bool:
    key = content_key(CACHE_FORMAT, (NODE_SOURCE / "package-lock.json").read_bytes())
    return (node_dir(cache_dir) / f".npm-ci-{key}").exists()


def ensure_node_packages(cache_dir: Path, *, npm: str | None = None) -> Path:
    """``npm ci`` the pinned packages of conformance/node into the cache (once per lock file);
    returns the node_modules folder. Also keeps the Node probe runner next to it."""
    d = node_dir(cache_dir)
    lock = (NODE_SOURCE / "package-lock.json").read_bytes()
    key = content_key(CACHE_FORMAT, lock)
    stamp = d / f".npm-ci-{key}"
    d.mkdir(parents=True, exist_ok=True)
    with _locked(cache_dir / ".npm.lock"):
        if not stamp.exists():
            npm = npm or shutil.which("npm")
            if npm is None:
                raise BuildError("npm not found: install Node.js (with npm) to fetch "
                                 "@bytecodealliance/jco (the WASI WIT) and preview2-shim")
            for old in d.glob(".npm-ci-*"):
                old.unlink()
            shutil.copyfile(NODE_SOURCE / "package.json", d / "package.json")
            (d / "package-lock.json").write_bytes(lock)
            try:
                run_tool([npm, "ci", *NPM_FLAGS], cwd=d, timeout_s=NPM_TIMEOUT_S,
                         what="npm ci (conformance/node)")
            except BuildError as e:
                if "in sync" not in e.output:
                    raise
                # Some optional platform packages of jco-node-fs 0.3.2 were never published,
                # so no lock file can list them and `npm ci` refuses; `npm install` still
                # installs exactly the locked versions (the lock is left unchanged).
                run_tool([npm, "install", *NPM_FLAGS], cwd=d, timeout_s=NPM_TIMEOUT_S,
                         what="npm install (conformance/node)")
            stamp.write_text(json.dumps({"lock": key}))
        runner = (NODE_SOURCE / NODE_RUNNER).read_bytes()
        target = d / NODE_RUNNER
        if not target.exists() or target.read_bytes() != runner:
            target.write_bytes(runner)
    return d / "node_modules"


def wasi_wit_source(cache_dir: Path) -> Path:
    """The folder holding ``wasi-<pkg>/`` WIT packages of WASI 0.2.12."""
    env = os.environ.get(WIT_ENV)
    src = Path(env) if env else ensure_node_packages(cache_dir) / JCO_WIT_SUBDIR
    missing = [p for p in WASI_WIT_PACKAGES if not (src / f"wasi-{p}").is_dir()]
    if missing:
        raise BuildError(f"WASI WIT not found in {src}: missing "
                         + ", ".join(f"wasi-{p}" for p in missing))
    return src


def _wit_files(src: Path) -> list[tuple[str, bytes]]:
    out = []
    for pkg in WASI_WIT_PACKAGES:
        base = src / f"wasi-{pkg}"
        for f in sorted(base.rglob("*.wit")):
            out.append((f.relative_to(src).as_posix(), f.read_bytes()))
    return out


# ---------------------------------------------------------------- the probe


def componentize_py_version() -> str:
    try:
        return importlib.metadata.version("componentize-py")
    except importlib.metadata.PackageNotFoundError:
        raise BuildError("componentize-py is not installed (pip install componentize-py)") from None


_COMPONENTIZE = ("import sys; from componentize_py import script; "
                 "sys.argv[0] = 'componentize-py'; sys.exit(script())")


def probe_key(cache_dir: Path) -> tuple[str, Path]:
    """The probe's content key and the WIT source it is built against."""
    src = wasi_wit_source(cache_dir)
    parts: list[bytes | str] = [
        CACHE_FORMAT,
        (PROBE_SOURCE / "app.py").read_bytes(),
        (PROBE_SOURCE / "world.wit").read_bytes(),
        componentize_py_version(),
    ]
    for rel, data in _wit_files(src):
        parts += [rel, data]
    return content_key(*parts), src


def build_probe(cache_dir: Path | None = None) -> Path:
    """The probe component (``probe.wasm``), built with componentize-py on a cache miss."""
    cache = cache_dir or default_cache_dir()
    key, src = probe_key(cache)

    def produce(tmp: Path) -> None:
        stage = tmp / "src"
        wit = stage / "wit"
        (wit / "deps").mkdir(parents=True)
        shutil.copyfile(PROBE_SOURCE / "app.py", stage / "app.py")
        shutil.copyfile(PROBE_SOURCE / "world.wit", wit / "world.wit")
        for pkg in WASI_WIT_PACKAGES:
            shutil.copytree(src / f"wasi-{pkg}", wit / "deps" / f"wasi-{pkg}")
        # An empty venv keeps componentize-py from scanning the suite's own site-packages.
        venv = tmp / "empty-venv"
        (venv / "lib" / "python" / "site-packages").mkdir(parents=True)
        env = dict(os.environ, VIRTUAL_ENV=str(venv), PYTHONDONTWRITEBYTECODE="1")
        run_tool([sys.executable, "-c", _COMPONENTIZE, "-q", "-d", str(wit), "-w", "probe",
                  "componentize", "app", "-p", str(stage), "-o", str(tmp / "probe.wasm")],
                 cwd=stage, env=env, what="componentize-py (building the probe)")
        shutil.rmtree(stage)
        shutil.rmtree(venv)
        (tmp / "build.json").write_text(json.dumps({
            "componentize-py": componentize_py_version(), "wasi-wit": str(src),
            "wasi-version": WASI_VERSION}, indent=1))

    d, _ = cached_dir(cache / "probe", key, produce)
    return d / "probe.wasm"


def probe_build_key(probe: Path) -> str:
    """The content key of a built probe (its cache folder's name)."""
    return probe.parent.name


# ---------------------------------------------------------------- derived artefacts


def precompile_wasmtime(cache_dir: Path, probe: Path, wasmtime: Path, version: str) -> Path:
    """``wasmtime compile`` output for this probe and wasmtime version (and host)."""
    key = content_key(CACHE_FORMAT, probe_build_key(probe), version, sys.platform,
                      platform.machine())

    def produce(tmp: Path) -> None:
        run_tool([str(wasmtime), "compile", str(probe), "-o", str(tmp / "probe.cwasm")],
                 env=tool_env(cache_dir), what="wasmtime compile")

    d, _ = cached_dir(cache_dir / "wasmtime", key, produce)
    return d / "probe.cwasm"


def jco_version(node_modules: Path) -> str:
    meta = json.loads((node_modules / JCO_PACKAGE / "package.json").read_text())
    return str(meta["version"])


def transpile_jco(cache_dir: Path, probe: Path, node: str) -> Path:
    """``jco transpile`` output (``probe.js`` and core modules) for this probe and jco version;
    returns the path of ``probe.js``."""
    node_modules = ensure_node_packages(cache_dir)
    version = jco_version(node_modules)
    key = content_key(CACHE_FORMAT, probe_build_key(probe), version)
    meta = json.loads((node_modules / JCO_PACKAGE / "package.json").read_text())
    jco_js = node_modules / JCO_PACKAGE / meta["bin"]["jco"]

    def produce(tmp: Path) -> None:
        run_tool([node, str(jco_js), "transpile", str(probe), "-o", str(tmp), "--name", "probe",
                  "--instantiation", "async", "--no-typescript", "-q"],
                 env=tool_env(cache_dir), what="jco transpile")
        (tmp / "package.json").write_text('{"type": "module"}\n')

    d, _ = cached_dir(node_dir(cache_dir) / "transpiled", key, produce)
    return d / "probe.js"
