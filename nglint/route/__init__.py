"""The request simulator: (Config, URL, host, address) → RouteResult, as nginx routes it.

The names below load their submodule on first use (PEP 562), so importing
``nglint.route.cli`` to build the command line does not compile the simulator.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CompiledConfig": "compile", "CompiledServer": "compile", "Loc": "compile", "Problem": "compile",
    "compile_config": "compile",
    "RouteError": "engine", "prefix_location": "engine", "route": "engine", "select_location": "engine",
    "simulate": "engine",
    "FsView": "fs",
    "RouteResult": "result", "Step": "result",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
