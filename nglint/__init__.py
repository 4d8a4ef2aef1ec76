"""nglint: lint, fix and explain nginx configs for Flask deployments."""

__version__ = "0.1.0"
