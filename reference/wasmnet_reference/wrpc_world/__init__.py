"""The conformance world ``wasmnet:conformance@0.1.0``: names, reference handlers, samples.

The WIT is ``conformance/wit/``; docs/conformance-world.md says what every function must do.
Modules: ``world`` (names and fixed behaviour), ``handlers`` (``handlers()``: the reference
implementation), ``values`` (sample arguments), ``relay`` and ``counters`` (their building
blocks). The handler table is imported from ``wasmnet_reference.wrpc_world.handlers`` (not
re-exported here, so the submodule name is not shadowed).
"""

from wasmnet_reference.wrpc_world.world import (
    ASYNC_ECHO,
    ECHO,
    PACKAGE,
    RESOURCES,
    WORLD_INSTANCE,
    wit_dir,
)

__all__ = ["ASYNC_ECHO", "ECHO", "PACKAGE", "RESOURCES", "WORLD_INSTANCE", "wit_dir"]
