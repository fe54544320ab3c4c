"""Peer fuzzing of a live wRPC server (issue "Fuzzing campaigns").

``python -m wasmnet_fuzz.peer --wrpc-server ADDR`` (or ``--wrpc-server-cmd CMD``) sends mutated
invocations of the conformance world's echo functions to a real server over loopback, classifies
what the server does with each one (answered, closed early, reset, hang, crash, liveness lost),
keeps every input whose behaviour is new, and minimizes and records crashes, hangs and liveness
loss as findings. Layout: ``inputs`` (seeds, sans-IO), ``mutate`` (sans-IO), ``behaviour``
(classification, sans-IO), ``exchange`` and ``target`` (asyncio shells), ``minimize``,
``store`` (corpus, findings, report files), ``fuzzer`` (the loop), ``cli``, ``to_case``.
"""
