"""The probe's script contract on the suite side (script.py), the batch-runner driver
(adapters/batch.py, against deliberately broken runner processes) and the host fixtures
(fixtures.py, against plain Python sockets). Real runtimes: test_sockets_adapters.py."""

from __future__ import annotations

import json
import socket
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from wasmnet_conformance.sockets.adapters.base import (
    SCRIPT_SENTINEL,
    make_output,
    shell_join,
)
from wasmnet_conformance.sockets.adapters.batch import _chunks, _split_stderr, run_batch
from wasmnet_conformance.sockets.adapters.generic import Generic, TemplateError, _fill
from wasmnet_conformance.sockets.fixtures import GREETING, Fixtures
from wasmnet_conformance.sockets.script import (
    MAX_SCRIPT_BYTES,
    Script,
    ScriptError,
    parse_output,
    with_unfinished,
)

# ---------------------------------------------------------------- scripts


def test_whole_value_placeholder_keeps_its_type() -> None:
    s = Script.of("x", [{"call": "tcp.start-connect",
                         "args": ["$c", "$net", {"ipv4": [127, 0, 0, 1],
                                                 "port": "{tcp_echo_port}"}]}])
    out = s.substitute({"tcp_echo_port": 4242})
    assert out.steps[0]["args"][2] == {"ipv4": [127, 0, 0, 1], "port": 4242}
    assert s.steps[0]["args"][2]["port"] == "{tcp_echo_port}", "the original is unchanged"


def test_placeholder_inside_a_string_and_brace_escapes() -> None:
    s = Script.of("x", [{"call": "resolve-addresses",
                         "args": ["$net", "h{n}.{{lit}}.x{y"]}])
    assert s.placeholders() == {"n"}
    out = s.substitute({"n": 7})
    assert out.steps[0]["args"][1] == "h7.{lit}.x{y"


def test_unknown_placeholder_is_a_script_error() -> None:
    s = Script.of("x", [{"call": "drop", "args": ["{nope}"]}])
    with pytest.raises(ScriptError, match="nope"):
        s.substitute({"other": 1})


def test_script_validation() -> None:
    with pytest.raises(ScriptError):
        Script.of("", [])
    with pytest.raises(ScriptError, match="call"):
        Script.of("x", [{"args": []}])
    with pytest.raises(ScriptError, match="unknown keys"):
        Script.of("x", [{"call": "drop", "arg": []}])
    with pytest.raises(ScriptError, match="args"):
        Script.of("x", [{"call": "drop", "args": "$a"}])
    with pytest.raises(ScriptError, match="not JSON"):
        Script.from_json("{")


def test_to_json_round_trip_and_size_bound() -> None:
    s = Script.of("rt", [{"call": "instance-network", "as": "net"}], granted=False)
    again = Script.from_json(s.to_json(), granted=False)
    assert again == s
    big = Script.of("big", [{"call": "output.write", "args": ["$o", "00" * MAX_SCRIPT_BYTES]}])
    with pytest.raises(ScriptError, match="longer"):
        big.to_json()


# ---------------------------------------------------------------- output parsing

_LINES: list[dict[str, object]] = [
    {"i": 0, "begin": "instance-network"}, {"i": 0, "ok": "net"},
    {"i": 1, "begin": "finish"}, {"i": 1, "err": "connection-refused", "would_block": 2},
    {"i": 2, "begin": "bogus"}, {"i": 2, "probe-error": "unknown call 'bogus'"},
]


def _text(lines: list[dict[str, object]]) -> str:
    return "".join(json.dumps(x) + "\n" for x in lines)


def test_parse_complete_run() -> None:
    p = parse_output(_text([*_LINES, {"done": True}]))
    assert p.done and p.unfinished_at is None and not p.protocol_errors and not p.junk
    assert [(r.i, r.call, r.kind, r.value) for r in p.results] == [
        (0, "instance-network", "ok", "net"),
        (1, "finish", "err", "connection-refused"),
        (2, "bogus", "probe-error", "unknown call 'bogus'"),
    ]
    assert p.results[1].extra == {"would_block": 2}
    assert p.results[1].observation() == {"kind": "err", "value": "connection-refused",
                                          "extra": {"would_block": 2}}


def test_parse_trap_keeps_lines_before_it() -> None:
    text = _text([*_LINES, {"i": 3, "begin": "poll"}]) + "Error: failed to invoke `run`\n"
    p = parse_output(text)
    assert not p.done and p.unfinished_at == 3 and len(p.results) == 3
    assert p.junk == ["Error: failed to invoke `run`"]
    out = make_output("s", text, "trap!\n" * 30, 1, 0.1, False)
    assert out.trapped_at == 3 and not out.timed_out
    assert out.stderr_tail.count("trap!") == 20
    assert [o["kind"] for o in out.observations()] == ["ok", "err", "probe-error", "trap"]
    killed = make_output("s", text, "", None, 9.0, True)
    assert killed.trapped_at is None and killed.timed_out
    assert killed.observations()[-1]["kind"] == "timeout"


def test_parse_flags_contract_violations() -> None:
    bad: list[dict[str, object]] = [{"i": 0, "begin": "a"}, {"i": 0, "ok": 1}, {"i": 0, "ok": 2},
           {"i": 2, "begin": "b"}, {"i": 2, "ok": 1, "err": "x"}, {"bare": 1}]
    p = parse_output(_text(bad))
    assert len(p.protocol_errors) == 4, p.protocol_errors


def test_parse_script_level_probe_error() -> None:
    p = parse_output(_text([{"probe-error": "script is not JSON"}, {"done": True}]))
    assert p.script_error == "script is not JSON" and p.done and not p.results


def test_with_unfinished_only_when_not_done() -> None:
    p = parse_output(_text([{"i": 0, "begin": "x"}]))
    assert [r.kind for r in with_unfinished(p, timed_out=False)] == ["trap"]
    assert [r.call for r in with_unfinished(p, timed_out=True)] == ["x"]


# ---------------------------------------------------------------- process helpers


def test_shell_join_reads_the_script_from_its_file(tmp_path: Path) -> None:
    line = shell_join(["rt", "--env", f"WASMNET_SCRIPT={SCRIPT_SENTINEL}", "a b"],
                      {"K": "v w"}, tmp_path / "s 1.json")
    assert line == (f"K='v w' rt --env WASMNET_SCRIPT=\"$(cat '{tmp_path}/s 1.json')\" 'a b'")


def test_generic_template_checks_and_filling() -> None:
    with pytest.raises(TemplateError, match="unknown placeholder"):
        Generic("rt {wasm} {nope}")
    with pytest.raises(TemplateError, match="wasm"):
        Generic("rt --script {script_json}")
    with pytest.raises(TemplateError, match="capabilities"):
        Generic("rt {wasm}", capabilities=frozenset({"quic"}))
    g = Generic("rt {wasm}", capabilities=frozenset({"tcp", "deny"}))
    assert g.capabilities == frozenset({"tcp"}), "deny needs a deny template"
    g = Generic("rt {wasm}", deny_template="rt --deny {wasm}")
    assert "deny" in g.capabilities
    assert _fill(["--env", "S={script_json}", "{wasm}", "@{script_file}"],
                 {"{wasm}": "p.wasm", "{script_json}": '{"id":"a"}',
                  "{script_file}": "/t/s.json"}) == [
        "--env", 'S={"id":"a"}', "p.wasm", "@/t/s.json"]
    assert Generic.from_env({}) is None
    g2 = Generic.from_env({"WASMNET_RUNTIME_CMD": "rt {wasm}", "WASMNET_RUNTIME_NAME": "x",
                           "WASMNET_RUNTIME_CAPS": "lookup"})
    assert g2 is not None and g2.name == "x" and g2.capabilities == frozenset({"lookup"})


def test_split_stderr_by_markers() -> None:
    per, outside = _split_stderr([b"warn\n", b"##wasmnet-runner start 0\n", b"a\n",
                                  b"##wasmnet-runner end 0\n", b"##wasmnet-runner start 1\n",
                                  b"b\n"])
    assert per == {0: "a\n", 1: "b\n"} and outside == "warn\n"


def test_chunks_keep_order_and_skip_tiny_batches() -> None:
    scripts = [Script.of(f"s{i}", []) for i in range(9)]
    chunks = _chunks(scripts, 2)
    assert [s.id for c in chunks for s in c] == [s.id for s in scripts] and len(chunks) == 2
    assert len(_chunks(scripts[:3], 2)) == 1


# A deliberately broken runner speaking the marker protocol (the real ones are Node and
# wasmtime-py; these break on purpose in ways the real ones rarely do).
_RUNNER = textwrap.dedent("""
    import json, os, sys, time
    mode = sys.argv[1]
    scripts = [json.loads(t) for t in json.load(open(sys.argv[2]))]
    if mode == "die-at-start":
        sys.stderr.write("cannot load the runtime\\n"); sys.exit(3)
    def w(o): sys.stdout.write(json.dumps(o) + "\\n"); sys.stdout.flush()
    for n, s in enumerate(scripts):
        w({"wasmnet-runner": "start", "n": n, "id": s["id"]})
        sys.stderr.write("##wasmnet-runner start %d\\nlog %s\\n" % (n, s["id"]))
        sys.stderr.flush()
        w({"i": 0, "begin": "x"})
        if s["id"] == "crash":
            os._exit(7)
        if s["id"] == "hang":
            time.sleep(60)
        w({"i": 0, "ok": s["id"]}); w({"done": True})
        sys.stderr.write("##wasmnet-runner end %d\\n" % n); sys.stderr.flush()
        w({"wasmnet-runner": "end", "n": n, "id": s["id"], "exit_code": 0, "error": None})
""")


def _runner(tmp_path: Path, mode: str = "normal") -> list[str]:
    path = tmp_path / "runner.py"
    path.write_text(_RUNNER)
    return [sys.executable, str(path), mode]


def test_batch_survives_a_runner_crash(tmp_path: Path) -> None:
    scripts = [Script.of(i, []) for i in ("a", "crash", "b")]
    base = _runner(tmp_path)
    outs = run_batch(scripts, lambda b: [*base, str(b)], env={}, timeout_s=30)
    assert [o.script_id for o in outs] == ["a", "crash", "b"]
    assert outs[0].done and outs[0].exit_code == 0 and outs[0].stderr_tail == "log a"
    assert outs[1].trapped_at == 0 and outs[1].exit_code == 7 and not outs[1].done
    assert outs[2].done and outs[2].lines[1] == {"i": 0, "ok": "b"}, "runner restarted"


def test_batch_kills_a_hanging_script_and_goes_on(tmp_path: Path) -> None:
    scripts = [Script.of(i, []) for i in ("hang", "b")]
    base = _runner(tmp_path)
    outs = run_batch(scripts, lambda b: [*base, str(b)], env={}, timeout_s=1.0)
    assert outs[0].timed_out and outs[0].exit_code is None and outs[0].trapped_at is None
    assert outs[0].observations() == [{"kind": "timeout", "value": None, "extra": {}}]
    assert outs[1].done


def test_batch_reports_a_runner_that_cannot_start(tmp_path: Path) -> None:
    scripts = [Script.of(i, []) for i in ("a", "b")]
    base = _runner(tmp_path, "die-at-start")
    outs = run_batch(scripts, lambda b: [*base, str(b)], env={}, timeout_s=5)
    assert [(o.exit_code, o.done) for o in outs] == [(3, False), (3, False)]
    assert "cannot load the runtime" in outs[0].stderr_tail


# ---------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def fx() -> Iterator[Fixtures]:
    with Fixtures(lifetime_s=300) as f:
        yield f


def _tcp(host: str, port: int) -> socket.socket:
    return socket.create_connection((host, port), timeout=5)


def _read_all(s: socket.socket) -> bytes:
    out = b""
    while chunk := s.recv(4096):
        out += chunk
    return out


def test_fixture_placeholders(fx: Fixtures) -> None:
    p = fx.placeholders()
    for name in ("tcp_echo_port", "udp_echo_port", "tcp_close_port", "tcp_greet_port",
                 "closed_port", "udp_closed_port", "free_port", "free_port2"):
        port = p[name]
        assert isinstance(port, int) and 0 < port < 65536, name
    assert p["free_port"] != p["free_port2"]
    assert p["greeting_hex"] == GREETING.hex()
    if fx.ipv6:
        assert "tcp6_echo_port" in p and "free_port6" in p
    else:
        assert "tcp6_echo_port" not in p and "tcp6_echo_port" in fx.unavailable


@pytest.mark.parametrize("v6", [False, True])
def test_fixture_tcp_echo_half_close(fx: Fixtures, v6: bool) -> None:
    if v6 and not fx.ipv6:
        pytest.skip(f"no IPv6 loopback: {fx.unavailable['tcp6_echo_port']}")
    host = "::1" if v6 else "127.0.0.1"
    port = fx.placeholders()["tcp6_echo_port" if v6 else "tcp_echo_port"]
    with _tcp(host, int(port)) as s:
        s.sendall(b"ping")
        s.shutdown(socket.SHUT_WR)
        assert _read_all(s) == b"ping", "echoed, then closed after our half-close"


def test_fixture_close_greet_and_closed_port(fx: Fixtures) -> None:
    p = fx.placeholders()
    with _tcp("127.0.0.1", int(p["tcp_close_port"])) as s:
        assert _read_all(s) == b""
    with _tcp("127.0.0.1", int(p["tcp_greet_port"])) as s:
        assert _read_all(s) == GREETING
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(p["closed_port"])), timeout=5)
    for name in ("free_port", "free_port2"):
        with socket.socket() as s:
            s.bind(("127.0.0.1", int(p[name])))  # free: binding works


def test_fixture_udp_echo(fx: Fixtures) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(b"dgram", ("127.0.0.1", int(fx.placeholders()["udp_echo_port"])))
        data, peer = s.recvfrom(100)
        assert data == b"dgram" and peer[1] == fx.placeholders()["udp_echo_port"]


@pytest.mark.skipif(sys.platform != "linux", reason="TTL observation is Linux-only")
def test_fixture_records_ttl_and_hop_limit(fx: Fixtures) -> None:
    fx.clear_ttl()
    p = fx.placeholders()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 7)
        s.sendto(b"t4", ("127.0.0.1", int(p["ttl_port"])))
    want = {("ipv4", 7, b"t4")}
    if fx.ipv6:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s6:
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 9)
            s6.sendto(b"t6", ("::1", int(p["ttl6_port"])))
        want.add(("ipv6", 9, b"t6"))
    seen = fx.ttl_seen(min_count=len(want), timeout_s=5)
    assert {(o.family, o.hop_limit, o.data) for o in seen} == want


def test_fixtures_stop_by_themselves() -> None:
    f = Fixtures(lifetime_s=0.5)
    f.start()
    port = f.placeholders()["udp_echo_port"]
    time.sleep(0.5 + 1.0)
    assert all(not t.is_alive() for t in f._threads), "every server thread ended on its own"
    f.stop()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(b"x", ("127.0.0.1", int(port)))
        with pytest.raises(OSError):
            s.recvfrom(10)
