"""The request simulator: (Config, URL, host, address) → RouteResult, as nginx routes it.

The names below load their submodule on first use (PEP 562), so importing
``nglint.route.cli`` to build the command line does not compile the simulator.
"""

from __future__ import annotations

from nglint._lazy import lazy_exports

_EXPORTS = {
    "CompiledConfig": "compile", "CompiledServer": "compile", "Loc": "compile", "Problem": "compile",
    "compile_config": "compile",
    "RouteError": "engine", "prefix_location": "engine", "route": "engine", "select_location": "engine",
    "simulate": "engine",
    "FsView": "fs",
    "RouteResult": "result", "Step": "result",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
