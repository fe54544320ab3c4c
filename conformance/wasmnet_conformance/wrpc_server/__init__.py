"""The wRPC server role of the suite: the suite is the client and sends exact bytes to a server
of the conformance world (docs/conformance-world.md); ``cli.py`` is the part entry point.

Layers: sans-IO (``request.py`` builds bytes, ``response.py`` reassembles results,
``judge.py`` decides, ``model.py`` and ``cases/`` describe every case), asyncio shells
(``connection.py``, ``runner.py``, ``scripts.py``, ``process.py``)."""
