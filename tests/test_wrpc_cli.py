"""The command line of the reference wRPC server and client: the ``listening`` lines, exit
codes 0/1/2, WAVE in and out, stdin-EOF and SIGTERM shutdown, WASMNET_CLIENT_TIMEOUT.

A test-local WIT package and world module are written to a temporary directory; the server
runs as a real subprocess on loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wasmnet_reference.wrpc import cli

BOUND_S = 20.0
INSTANCE = "cli:test/api@0.1.0"

WIT = """
package cli:test@0.1.0;

interface api {
  hello: func() -> string;
  neg: func(x: s32) -> s32;
  echo-f64: func(x: f64) -> f64;
  sum: func(v: stream<u32>) -> u64;
  count: func(n: u32) -> stream<u32>;
  maybe-future: func(v: option<future<string>>) -> option<future<string>>;
  unserved: func() -> u8;
  nothing: func(x: u8);
  nested: func(v: stream<stream<u8>>);
}

world w {
  export api;
  export ping: func() -> string;
}
"""

WORLD = '''
I = "cli:test/api@0.1.0"

async def hello():
    return "hi"

async def neg(x):
    return -x

async def echo_f64(x):
    return x

async def total(v):
    n = 0
    async for chunk in v:
        n += sum(chunk)
    return n

async def count(n):
    async def chunks():
        for i in range(n):
            yield [i]
    return chunks()

async def maybe_future(v):
    return v

async def nothing(x):
    return None

async def ping():
    return "pong"

def handlers():
    return {(I, "hello"): hello, (I, "neg"): neg, (I, "echo-f64"): echo_f64, (I, "sum"): total,
            (I, "count"): count, (I, "maybe-future"): maybe_future, (I, "nothing"): nothing,
            (I, "nested"): nothing, ("", "ping"): ping}
'''


@dataclass
class Setup:
    directory: Path
    wit: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    directory = tmp_path_factory.mktemp("wrpc-cli")
    wit = directory / "api.wit"
    wit.write_text(WIT, encoding="utf-8")
    (directory / "wrpc_cli_test_world.py").write_text(WORLD, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(directory), *filter(None, [env.get("PYTHONPATH", "")])]
    )
    env.pop("WASMNET_CLIENT_TIMEOUT", None)
    return Setup(directory, wit, env)


def module(*words: str) -> list[str]:
    return [sys.executable, "-m", "wasmnet_reference.wrpc", *words]


def read_line(stream: object, bound_s: float = BOUND_S) -> str:
    """One line from a subprocess pipe, waiting at most ``bound_s``."""
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(stream.readline()),  # type: ignore[attr-defined]
                              daemon=True)
    reader.start()
    reader.join(bound_s)
    if not out:
        raise AssertionError("no line within the bound")
    return out[0]


@dataclass
class Served:
    process: subprocess.Popen[str]
    addresses: list[str]


def start_server(setup: Setup, *extra: str) -> Served:
    listens = ["--listen", "tcp://127.0.0.1:0"]
    if sys.platform != "win32":
        listens += ["--listen", f"unix:{setup.directory / f's{os.getpid()}.sock'}"]
    process = subprocess.Popen(
        module("serve", "--wit", str(setup.wit), "--world-module", "wrpc_cli_test_world",
               *listens, *extra),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=setup.env,
    )
    addresses = []
    for _ in range(len(listens) // 2):
        line = read_line(process.stdout)
        assert line.startswith("listening "), line
        addresses.append(line.split(" ", 1)[1].strip())
    return Served(process, addresses)


@pytest.fixture(scope="module")
def served(setup: Setup) -> Iterator[Served]:
    server = start_server(setup, "--exit-on-stdin-eof")
    yield server
    _, stderr = server.process.communicate(timeout=BOUND_S)  # stdin EOF: a clean stop
    assert server.process.returncode == 0
    assert f"not serving {INSTANCE}#nested" in stderr  # stream<stream<u8>>: unsupported
    for address in server.addresses:
        if address.startswith("unix:"):
            assert not Path(address[len("unix:"):]).exists()


def invoke_main(setup: Setup, capsys: pytest.CaptureFixture[str], *words: str
                ) -> tuple[int, str, str]:
    """The invoke command in this process (faster than a subprocess)."""
    code = cli.main(["invoke", "--wit", str(setup.wit), *words])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_listening_lines(served: Served) -> None:
    assert served.addresses[0].startswith("tcp://127.0.0.1:")
    assert int(served.addresses[0].rsplit(":", 1)[1]) > 0
    if sys.platform != "win32":
        assert served.addresses[1].startswith("unix:")


def test_invoke_subprocess_exit_codes(setup: Setup, served: Served) -> None:
    tcp = served.addresses[0]
    ok = subprocess.run(module("invoke", "--wit", str(setup.wit), tcp, INSTANCE, "hello"),
                        capture_output=True, text=True, timeout=BOUND_S, env=setup.env)
    assert (ok.returncode, ok.stdout) == (0, '"hi"\n')
    failed = subprocess.run(module("invoke", "--wit", str(setup.wit), tcp, INSTANCE,
                                   "unserved"),
                            capture_output=True, text=True, timeout=BOUND_S, env=setup.env)
    assert failed.returncode == 1 and failed.stdout == ""
    assert failed.stderr.startswith("error: InvocationFailed: ")
    usage = subprocess.run(module("invoke", "--wit", str(setup.wit), tcp, INSTANCE, "absent"),
                           capture_output=True, text=True, timeout=BOUND_S, env=setup.env)
    assert usage.returncode == 2 and "no function 'absent'" in usage.stderr


def test_invoke_values(setup: Setup, served: Served,
                       capsys: pytest.CaptureFixture[str]) -> None:
    tcp = served.addresses[-1]  # the Unix socket where there is one
    assert invoke_main(setup, capsys, tcp, INSTANCE, "neg", "-5") == (0, "5\n", "")
    assert invoke_main(setup, capsys, tcp, INSTANCE, "echo-f64", "-inf") == (0, "-inf\n", "")
    assert invoke_main(setup, capsys, tcp, "", "ping") == (0, '"pong"\n', "")
    assert invoke_main(setup, capsys, tcp, INSTANCE, "nothing", "3") == (0, "\n", "")
    assert invoke_main(setup, capsys, tcp, INSTANCE, "count", "4") \
        == (0, "ready([0, 1, 2, 3])\n", "")
    for mode in ("pending", "ready"):
        assert invoke_main(setup, capsys, "--async-params", mode, tcp, INSTANCE, "sum",
                           "ready([1, 2, 3])") == (0, "6\n", "")
        assert invoke_main(setup, capsys, "--async-params", mode, tcp, INSTANCE,
                           "maybe-future", 'some(ready("x"))') \
            == (0, 'some(ready("x"))\n', "")
    assert invoke_main(setup, capsys, "--payload-paths", "indexed", tcp, INSTANCE,
                       "maybe-future", 'some(ready("x"))')[0] == 1  # the server reads upstream


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (("tcp://127.0.0.1:9", INSTANCE, "neg"), "takes 1 parameter"),
        (("tcp://127.0.0.1:9", INSTANCE, "neg", "1", "2"), "takes 1 parameter"),
        (("tcp://127.0.0.1:9", INSTANCE, "neg", "x"), "bad WAVE"),
        (("tcp://127.0.0.1:9", INSTANCE, "neg", "2147483648"), "bad WAVE"),
        (("tcp://127.0.0.1:9", "no:such/instance", "neg", "1"), "no instance"),
        (("tcp://127.0.0.1:9", INSTANCE, "nested", "ready([])"), "nested async"),
        (("tcp://127.0.0.1:9", INSTANCE, "sum", "pending"), "has no data"),
        (("127.0.0.1:9", INSTANCE, "neg", "1"), "tcp://"),
    ],
)
def test_invoke_usage_errors(setup: Setup, capsys: pytest.CaptureFixture[str],
                             words: tuple[str, ...], message: str) -> None:
    code, _, err = invoke_main(setup, capsys, *words)
    assert code == 2 and message in err, err


def test_invoke_connection_refused(setup: Setup, capsys: pytest.CaptureFixture[str]) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    code, out, err = invoke_main(setup, capsys, f"tcp://127.0.0.1:{port}", INSTANCE, "hello")
    assert (code, out) == (1, "") and err.startswith("error: InvocationFailed: cannot connect")


def test_invoke_honours_the_client_timeout_env(setup: Setup, capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # A listening socket that never answers (the kernel completes the handshake).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        monkeypatch.setenv("WASMNET_CLIENT_TIMEOUT", "0.3")
        code, out, err = invoke_main(setup, capsys, f"tcp://127.0.0.1:{port}", INSTANCE,
                                     "hello")
    assert (code, out) == (1, "") and err.startswith("error: TimeoutError")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM cannot be handled on Windows")
def test_serve_stops_on_sigterm(setup: Setup) -> None:
    server = start_server(setup)
    server.process.send_signal(signal.SIGTERM)  # right after the listening lines
    server.process.communicate(timeout=BOUND_S)
    assert server.process.returncode == 0


def test_serve_usage_errors(setup: Setup) -> None:
    for extra in (["--world-module", "no_such_module_here"],
                  ["--world-module", "wrpc_cli_test_world", "--listen", "udp://x:1"]):
        result = subprocess.run(module("serve", "--wit", str(setup.wit), *extra),
                                capture_output=True, text=True, timeout=BOUND_S, env=setup.env,
                                stdin=subprocess.DEVNULL)
        assert result.returncode == 2 and "\nerror: " in "\n" + result.stderr, result.stderr


def test_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    for words in (["--help"], ["invoke", "--help"], ["serve", "--help"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main(words)
        assert exit_info.value.code == 0
        text = capsys.readouterr().out
        assert "exit codes:" in text and "usage error" in text
