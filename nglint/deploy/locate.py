"""Finding a compose file beside the configs: cheap, so every run can look without paying
for nglint.deploy.compose (PyYAML, Dockerfile reading) unless there is one."""

from __future__ import annotations

from pathlib import Path

COMPOSE_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
SEARCH_LEVELS = 3  # directories above the config's own that may hold the compose file


def find_compose(start: Path) -> Path | None:
    """The compose file in ``start`` or up to SEARCH_LEVELS directories above it; the search
    stops at a repository root (a directory holding `.git`)."""
    here = start
    for _ in range(SEARCH_LEVELS + 1):
        for name in COMPOSE_FILES:
            if (here / name).is_file():
                return here / name
        if (here / ".git").exists() or here.parent == here:
            return None
        here = here.parent
    return None
