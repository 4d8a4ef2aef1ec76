"""Where the Flask project lives on the server, and finding the project next to the configs.

``DeployMap`` maps project paths (this checkout) to host paths (what nginx opens):
``[tool.nglint] app-root`` says where the project directory is deployed; without it the
root is inferred from an nginx `alias`/`root` that ends with a static folder's path.
``discover_app`` finds a Flask project inside the directories given on the command line
with a byte scan (no libcst). Imported by rules and the CLI only.
"""

from __future__ import annotations

from nglint._lazy import lazy_exports

# Loaded on first use (PEP 562): nglint.deploy.locate and .compose are imported without them.
_EXPORTS = {"Discovery": "discover", "discover_app": "discover", "DeployMap": "mapping", "deploy_map": "mapping"}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
