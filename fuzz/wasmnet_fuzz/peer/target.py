"""The server under fuzzing: a running address (``--wrpc-server``) or a command the fuzzer
starts itself (``--wrpc-server-cmd``, announced by its ``listening ADDR`` line like the suite
does, via the suite's :class:`ServerProcess`), restarted after a crash. Loopback only: the
fuzzer sends hostile bytes, so other hosts are refused (``address.py``).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from wasmnet_conformance.wrpc_server.address import Address, parse_address
from wasmnet_conformance.wrpc_server.process import ServerProcess

START_TIMEOUT_S = 20.0
EXIT_WAIT_S = 0.3
"""A crashed process may not be reaped yet when its connections break."""


class PeerTarget:
    def __init__(self, address: str | None, command: str | None) -> None:
        self.address_text = address
        self.command = command
        known: Sequence[Address] = () if address is None else (parse_address(address),)
        self.process: ServerProcess | None = None
        if command is not None:
            self.process = ServerProcess(shlex.split(command), start_timeout=START_TIMEOUT_S,
                                         listeners=None if not known else len(known),
                                         addresses=known)
        self._address: Address | None = known[0] if known else None
        self.restarts = 0

    @property
    def address(self) -> Address:
        assert self._address is not None, "start() first"
        return self._address

    @property
    def restartable(self) -> bool:
        return self.process is not None

    def describe(self) -> dict[str, str | None]:
        return {"wrpc_server": self.address_text, "wrpc_server_cmd": self.command,
                "address": None if self._address is None else str(self._address)}

    async def start(self) -> None:
        if self.process is not None:
            self._address = (await self.process.start())[0]

    async def exited(self, wait: float = EXIT_WAIT_S) -> int | None:
        """The exit code if the started process has died (None: alive, or not ours)."""
        if self.process is None:
            return None
        if self.process.alive and wait <= 0:
            return None
        return await self.process.exited(wait) if self.process.alive else \
            self.process.returncode

    def dead(self) -> bool:
        return self.process is not None and not self.process.alive

    async def restart(self) -> None:
        assert self.process is not None
        self.restarts += 1
        self._address = (await self.process.restart())[0]

    def stderr_tail(self) -> str:
        return "" if self.process is None else self.process.stderr_tail()

    async def stop(self) -> None:
        if self.process is not None:
            await self.process.stop()
            self.process.close_files()
