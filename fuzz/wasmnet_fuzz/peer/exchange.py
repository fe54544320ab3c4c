"""One invocation against the live server: connect, send an input in its cut pattern,
half-close, read the response (bounded in bytes and time) and classify it. A thin asyncio
shell over the conformance suite's traced :class:`Connection` and the sans-IO
:class:`ResponseAssembler`; the classification rules live in ``behaviour.py``.
"""

from __future__ import annotations

import asyncio

from wasmnet_conformance.wiretrace import WireTrace
from wasmnet_conformance.wrpc_server.address import Address
from wasmnet_conformance.wrpc_server.connection import ConnectFailed, Connection, End
from wasmnet_conformance.wrpc_server.response import ResponseAssembler
from wasmnet_fuzz.peer import behaviour as B
from wasmnet_fuzz.peer.inputs import PeerInput
from wasmnet_fuzz.peer.request import Request
from wasmnet_reference.values import values_equal

MAX_RESPONSE = 1 << 20
"""Bytes read per input; beyond it the server is flooding (``flood``)."""
FIN_GRACE_S = 0.5
"""After complete results, how long the server's end-of-stream is waited for."""


class Refused(Exception):
    """The server accepted no connection."""


async def exchange(address: Address, inp: PeerInput, req: Request, *, timeout: float,
                   max_bytes: int = MAX_RESPONSE) -> B.Behaviour:
    """The server's behaviour for ``inp``; Refused when it cannot be reached."""
    asm = ResponseAssembler(req.result_type) if req.target is not None else None
    trace = WireTrace()
    on_data = asm.feed if asm is not None else _ignore
    try:
        conn = await Connection.open(address, trace, on_data, timeout)
    except ConnectFailed as e:
        raise Refused(str(e)) from None
    loop = asyncio.get_running_loop()
    try:
        for piece in inp.writes():
            if not await conn.send(piece):
                break
        await conn.half_close()

        def done() -> bool:
            return conn.received > max_bytes or (asm is not None and asm.complete)

        await conn.wait(loop.time() + timeout, done)
        if asm is not None and asm.complete and conn.end is None:
            await conn.wait(loop.time() + FIN_GRACE_S)
        if asm is not None and conn.end is End.EOF:
            asm.end()
        return _classify(req, asm, conn)
    finally:
        await conn.close()


def _ignore(_data: bytes) -> None:
    return None


def _classify(req: Request, asm: ResponseAssembler | None, conn: Connection) -> B.Behaviour:
    if conn.received > MAX_RESPONSE or conn.end is End.FLOOD:
        return B.Behaviour(B.Cls.FLOOD, req.label)
    if asm is not None and asm.complete:
        echo = None
        if req.expected is not None:
            echo = values_equal(asm.value, req.expected[0])
        return B.answered(req.label, B.Answer(echo, asm.canonical, conn.end is End.EOF))
    if asm is not None and asm.error is not None:
        return B.malformed(req.label, asm.error)
    if conn.end is End.EOF:
        return B.failed(B.Cls.CLOSED_EARLY, req.label, conn.received)
    if conn.end is End.RESET:
        return B.failed(B.Cls.RESET, req.label, conn.received)
    return B.hang(req.label, conn.received)
