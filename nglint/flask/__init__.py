"""The static Flask reader. Importing this package stays light: libcst and jinja2 load only
when ``read_project`` runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nglint.flask.model import ProjectModel


def read_project(app_dir: Path | str, settings: dict[str, Any] | None = None) -> ProjectModel:
    """Read the Flask project in ``app_dir`` (never importing it) into a ProjectModel."""
    from nglint.flask.reader import read_project as read

    return read(app_dir, settings)
