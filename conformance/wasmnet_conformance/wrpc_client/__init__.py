"""The wRPC *client under test* role: the suite is the server.

For each case the suite listens on loopback (TCP or a Unix socket), starts the client command
with one call to make (docs/wrpc-client-contract.md), checks the request bytes it sends, answers
with a scripted byte stream (valid, split, coalesced, malformed, early close, silence) and
judges the client's exit status and printed result.

Layers: ``contract`` (how the client is started), ``rules`` (what each case checks),
``assemble`` / ``request`` / ``answers`` / ``judge`` (sans-IO: bytes and decisions only),
``calls`` / ``cases`` (what to ask and how to answer), ``harness`` (the asyncio shell that owns
sockets, processes and timeouts), ``runner`` and ``cli`` (selection, expectations, reports).
"""
