"""Where the Flask project lives on the server, and finding the project next to the configs.

``DeployMap`` maps project paths (this checkout) to host paths (what nginx opens):
``[tool.nglint] app-root`` says where the project directory is deployed; without it the
root is inferred from an nginx `alias`/`root` that ends with a static folder's path.
``discover_app`` finds a Flask project inside the directories given on the command line
with a byte scan (no libcst). Imported by rules and the CLI only.
"""

from nglint.deploy.discover import Discovery, discover_app
from nglint.deploy.mapping import DeployMap, deploy_map

__all__ = ["DeployMap", "Discovery", "deploy_map", "discover_app"]
