"""Running a testee process and exchanging protocol messages with it, never blocking forever.

docs/testee-protocol.md, "Transport": the testee is started once and restarted after a crash,
garbage output, end of output or a timeout; each of those fails only the case in flight. A
testee that cannot be started (or does not answer ``hello``) :data:`MAX_START_ATTEMPTS` times
in a row aborts the run.

Pipes are served by one thread each (stdout reader, stderr reader, stdin writer) feeding
queues, so waits are plain ``Queue.get(timeout=...)``: this works the same on Windows, where
``select`` does not take pipes. A testee that stops reading its stdin only blocks the writer
thread; the case still times out.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Protocol

from wasmnet_conformance.errors import SuiteError
from wasmnet_reference.testee.protocol import Message, ProtocolError, encode_message, read_message

MAX_START_ATTEMPTS = 3
STDERR_TAIL_LINES = 20
"""How many of the testee's last stderr lines are kept."""
STDERR_SHOWN_LINES = 8
"""How many of those a failure reason quotes."""
_STDERR_LINE_BYTES = 4096
"""stderr is read in bounded pieces: one endless line cannot exhaust memory."""
_EXIT_GRACE_S = 2.0
"""How long a testee gets to exit after its output ends or its stdin closes."""


@dataclass(frozen=True)
class NoAnswer:
    """The testee did not answer; ``reason`` says what happened instead."""

    reason: str


@dataclass(frozen=True)
class HelloInfo:
    name: str
    version: str
    ops: tuple[str, ...]
    raw: dict[str, Any]
    """The whole answer (without ``id`` and ``status``), as the report records it."""


class TesteeStartError(SuiteError):
    """The testee could not be started and greeted MAX_START_ATTEMPTS times in a row."""


class Session(Protocol):
    """What the runner needs from a testee (a fake in tests, :class:`TesteeSession` for real)."""

    def ensure_started(self) -> HelloInfo: ...

    def ask(self, request: Message, timeout: float) -> Message | NoAnswer: ...


class _Process:
    """One testee process and the threads serving its pipes."""

    def __init__(self, command: list[str]) -> None:
        self.proc = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.inbox: queue.Queue[Message | NoAnswer] = queue.Queue()
        self.outbox: queue.Queue[bytes | None] = queue.Queue()
        self.stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._threads = [
            threading.Thread(target=target, daemon=True, name=f"testee-{name}")
            for name, target in (
                ("stdout", self._read_stdout),
                ("stderr", self._read_stderr),
                ("stdin", self._write_stdin),
            )
        ]
        for t in self._threads:
            t.start()

    def _read_stdout(self) -> None:
        stream = self._pipe(self.proc.stdout)
        try:
            while True:
                message = read_message(stream)
                if message is None:
                    self.inbox.put(NoAnswer(self._ended("closed its stdout")))
                    return
                self.inbox.put(message)
        except ProtocolError as e:
            self.inbox.put(NoAnswer(f"testee wrote bytes that are not a protocol message: {e}"))
        except (OSError, ValueError) as e:  # the pipe was closed under us (killed)
            self.inbox.put(NoAnswer(f"testee output unreadable: {e}"))
        finally:
            stream.close()

    def _ended(self, what: str) -> str:
        try:
            code = self.proc.wait(timeout=_EXIT_GRACE_S)
        except subprocess.TimeoutExpired:
            return f"testee {what} without exiting"
        return f"testee exited with status {code} before answering"

    def _read_stderr(self) -> None:
        stream = self._pipe(self.proc.stderr)
        try:
            for raw in iter(lambda: stream.readline(_STDERR_LINE_BYTES), b""):
                self.stderr_tail.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
        except (OSError, ValueError):
            pass  # closed under us: nothing more to keep
        finally:
            stream.close()

    def _write_stdin(self) -> None:
        stream = self._pipe(self.proc.stdin)
        try:
            while (data := self.outbox.get()) is not None:
                stream.write(data)
                stream.flush()
        except (OSError, ValueError):
            pass  # the testee is gone; the stdout reader reports how
        finally:
            with contextlib.suppress(OSError):
                stream.close()

    @staticmethod
    def _pipe(stream: IO[bytes] | None) -> IO[bytes]:
        assert stream is not None, "Popen was asked for this pipe"
        return stream

    def send(self, message: Message) -> None:
        self.outbox.put(encode_message(message))

    def receive(self, timeout: float) -> Message | NoAnswer:
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return NoAnswer(f"no answer within {timeout:g} s (testee killed)")

    def stop(self, *, kill: bool) -> None:
        """End the process (closing stdin first unless ``kill``) and let the threads finish."""
        self.outbox.put(None)
        if not kill:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=_EXIT_GRACE_S)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for t in self._threads:
            t.join(timeout=_EXIT_GRACE_S)

    def last_stderr(self) -> str:
        lines = list(self.stderr_tail)[-STDERR_SHOWN_LINES:]
        if not lines:
            return ""
        return "\nlast stderr lines:\n" + "\n".join(f"  {line}" for line in lines)


class TesteeSession:
    """A testee command, started on demand and restarted after any failure to answer."""

    def __init__(self, command: list[str], *, start_timeout: float) -> None:
        self.command = command
        self.start_timeout = start_timeout
        self.hello: HelloInfo | None = None
        self.starts = 0
        """Processes started and greeted (1 + restarts)."""
        self._process: _Process | None = None
        self._next_id = 0

    def ensure_started(self) -> HelloInfo:
        """The running testee's hello, starting it if needed; raises TesteeStartError."""
        if self._process is not None and self.hello is not None:
            return self.hello
        failures: list[str] = []
        for _ in range(MAX_START_ATTEMPTS):
            try:
                process = _Process(self.command)
            except OSError as e:
                failures.append(f"cannot run {self.command[0]!r}: {e}")
                continue
            reply = self._exchange(process, {"op": "hello"}, self.start_timeout)
            if isinstance(reply, NoAnswer):
                failures.append(f"hello: {reply.reason}")
                continue
            try:
                hello = parse_hello(reply)
            except ValueError as e:
                process.stop(kill=True)
                failures.append(f"hello: {e}{process.last_stderr()}")
                continue
            self._process, self.hello = process, hello
            self.starts += 1
            return hello
        raise TesteeStartError(
            f"the testee failed to start {MAX_START_ATTEMPTS} times in a row:\n"
            + "\n".join(f"- {f}" for f in failures)
        )

    def ask(self, request: Message, timeout: float) -> Message | NoAnswer:
        """Send ``request`` (an ``id`` is added) and wait for its response; on any failure the
        process is killed and the next :meth:`ensure_started` restarts it."""
        if self._process is None:
            raise RuntimeError("ask() before ensure_started()")
        reply = self._exchange(self._process, request, timeout)
        if isinstance(reply, NoAnswer):
            self._process = None
        return reply

    def close(self) -> None:
        if self._process is not None:
            self._process.stop(kill=False)
            self._process = None

    def _exchange(self, process: _Process, request: Message, timeout: float) -> Message | NoAnswer:
        request_id = self._next_id
        self._next_id += 1
        process.send({**request, "id": request_id})
        reply = process.receive(timeout)
        if not isinstance(reply, NoAnswer) and reply.get("id") != request_id:
            reply = NoAnswer(
                f"response id {reply.get('id')!r} does not match request id {request_id}: "
                "the testee is out of step"
            )
        if isinstance(reply, NoAnswer):
            process.stop(kill=True)
            reply = NoAnswer(reply.reason + process.last_stderr())
        return reply


def parse_hello(reply: Message) -> HelloInfo:
    """Check a ``hello`` response (docs/testee-protocol.md); ValueError says what is wrong."""
    if reply.get("status") != "ok":
        raise ValueError(f"status {reply.get('status')!r}: {reply.get('message', '')}")
    name, version, ops = reply.get("name"), reply.get("version"), reply.get("ops")
    if not isinstance(name, str) or not isinstance(version, str):
        raise ValueError("'name' and 'version' must be strings")
    if not isinstance(ops, list) or not all(isinstance(o, str) for o in ops):
        raise ValueError("'ops' must be a list of strings")
    extra = {k: v for k, v in reply.items() if k not in ("id", "status")}
    return HelloInfo(name, version, tuple(ops), extra)
