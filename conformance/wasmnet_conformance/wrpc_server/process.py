"""A server under test that the suite starts itself (``--wrpc-server-cmd``, or the bundled
reference by default): start it, learn its addresses, notice when it dies, restart it, stop it.

The server announces each address it listens on with a stdout line ``listening ADDR``
(``tcp://HOST:PORT`` or ``unix:PATH``). When the suite is told the address instead
(``--wrpc-server`` together with ``--wrpc-server-cmd``), it waits until that address accepts a
connection. Stopping closes the server's stdin first (the reference exits on stdin EOF), then
terminates, then kills: every step bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tempfile
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from wasmnet_conformance.errors import SuiteError
from wasmnet_conformance.wrpc_server.address import Address, TcpAddress, parse_address

LISTENING = "listening "
"""Prefix of the stdout line that announces an address."""
MORE_LISTENERS_GRACE_S = 0.3
"""After the first ``listening`` line, how long further ones are waited for."""
STOP_GRACE_S = 3.0
KILL_GRACE_S = 2.0
CONNECT_POLL_S = 0.05
MAX_STDERR_TAIL = 40
PROC_FD_DIR = Path("/proc")


class ServerStartError(SuiteError):
    """The server command could not be started or announced no address in time."""


class ServerProcess:
    """One server process at a time; :meth:`restart` replaces a dead one."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        start_timeout: float,
        listeners: int | None = None,
        addresses: Sequence[Address] = (),
    ) -> None:
        """``listeners``: how many ``listening`` lines to wait for (None: the first, plus any
        arriving shortly after). ``addresses``: known addresses instead of ``listening``
        lines."""
        self.command = list(command)
        self.start_timeout = start_timeout
        self.listeners = listeners
        self.known = list(addresses)
        self.addresses: list[Address] = []
        self.starts = 0
        self.exits: list[int] = []
        self._proc: asyncio.subprocess.Process | None = None
        self._stdout_lines: deque[str] = deque(maxlen=MAX_STDERR_TAIL)
        self._stderr_file: IO[bytes] | None = None
        self._drain: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.returncode

    async def start(self) -> list[Address]:
        """Start the command and return the addresses it listens on."""
        self.close_files()
        # Closed in close_files(): it outlives this call (read back for crash reports).
        self._stderr_file = tempfile.TemporaryFile(prefix="wasmnet-server-stderr-")  # noqa: SIM115
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=self._stderr_file,
            )
        except OSError as e:
            raise ServerStartError(f"cannot start {self.command[0]!r}: {e}") from None
        self.starts += 1
        try:
            if self.known:
                await self._wait_connectable()
                self.addresses = list(self.known)
            else:
                self.addresses = await asyncio.wait_for(self._read_listening(), self.start_timeout)
        except asyncio.TimeoutError:
            await self.stop()
            raise ServerStartError(
                f"server command announced no address within {self.start_timeout:g}s "
                f"(expected stdout lines '{LISTENING}ADDR'); stderr: {self.stderr_tail()}"
            ) from None
        except ServerStartError:
            await self.stop()
            raise
        self._drain = asyncio.ensure_future(self._drain_stdout())
        return self.addresses

    async def _read_listening(self) -> list[Address]:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        found: list[Address] = []
        loop = asyncio.get_running_loop()
        grace_end: float | None = None
        while self.listeners is None or len(found) < self.listeners:
            timeout = None if grace_end is None else max(0.0, grace_end - loop.time())
            try:
                raw = await asyncio.wait_for(stdout.readline(), timeout)
            except asyncio.TimeoutError:
                break
            if not raw:
                await self._proc.wait()
                raise ServerStartError(
                    f"server command exited with code {self._proc.returncode} before it "
                    f"listened; stderr: {self.stderr_tail()}"
                )
            line = raw.decode("utf-8", "replace").strip()
            self._stdout_lines.append(line)
            if line.startswith(LISTENING):
                found.append(parse_address(line[len(LISTENING) :].strip(), "listening line"))
                if self.listeners is None and grace_end is None:
                    grace_end = loop.time() + MORE_LISTENERS_GRACE_S
        return found

    async def _wait_connectable(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        for address in self.known:
            while True:
                if not self.alive:
                    raise ServerStartError(
                        f"server command exited with code {self.returncode}; stderr: "
                        f"{self.stderr_tail()}"
                    )
                if await _connectable(address):
                    break
                if loop.time() > deadline:
                    raise asyncio.TimeoutError
                await asyncio.sleep(CONNECT_POLL_S)

    async def _drain_stdout(self) -> None:
        """Keep reading stdout so a chatty server never blocks on a full pipe."""
        assert self._proc is not None and self._proc.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            async for raw in self._proc.stdout:
                self._stdout_lines.append(raw.decode("utf-8", "replace").rstrip())

    async def exited(self, timeout: float) -> int | None:
        """The exit code if the process ends within ``timeout`` seconds (a crashed process
        may not have been reaped yet when its connections break)."""
        if self._proc is None:
            return None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._proc.wait(), timeout)
        return self._proc.returncode

    async def restart(self) -> list[Address]:
        """Stop what is left of the process and start it again."""
        if self._proc is not None and self._proc.returncode is not None:
            self.exits.append(self._proc.returncode)
        await self.stop()
        return await self.start()

    async def stop(self) -> None:
        """Close stdin, then terminate, then kill; never raises."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            if proc.stdin is not None:
                with contextlib.suppress(OSError, RuntimeError):
                    proc.stdin.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), KILL_GRACE_S)
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if self._drain is not None:
            self._drain.cancel()
            await asyncio.gather(self._drain, return_exceptions=True)
            self._drain = None

    def stderr_tail(self, lines: int = 10) -> str:
        """The last lines the server wrote to stderr (for crash reports)."""
        f = self._stderr_file
        if f is None:
            return "(none)"
        try:
            f.seek(0)
            text = f.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return "(unreadable)"
        tail = text.strip().splitlines()[-lines:]
        return " | ".join(tail) if tail else "(empty)"

    def close_files(self) -> None:
        if self._stderr_file is not None:
            self._stderr_file.close()
            self._stderr_file = None

    def open_fds(self) -> int | None:
        """How many file descriptors the server holds (Linux /proc only; None elsewhere)."""
        if self.pid is None or not sys.platform.startswith("linux"):
            return None
        try:
            return len(os.listdir(PROC_FD_DIR / str(self.pid) / "fd"))
        except OSError:
            return None


async def _connectable(address: Address) -> bool:
    try:
        if isinstance(address, TcpAddress):
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(address.host, address.port), 1.0
            )
        else:
            _, writer = await asyncio.wait_for(asyncio.open_unix_connection(address.path), 1.0)
    except (OSError, asyncio.TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError, asyncio.TimeoutError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)
    return True
