"""The request simulator: (Config, URL, host, address) → RouteResult, as nginx routes it."""

from nglint.route.compile import CompiledConfig, CompiledServer, Loc, Problem, compile_config
from nglint.route.engine import RouteError, prefix_location, route, select_location, simulate
from nglint.route.fs import FsView
from nglint.route.result import RouteResult, Step

__all__ = ["CompiledConfig", "CompiledServer", "FsView", "Loc", "Problem", "RouteError", "RouteResult", "Step",
           "compile_config", "prefix_location", "route", "select_location", "simulate"]
