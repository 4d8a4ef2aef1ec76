"""The nginx model: what directives mean (locations, inheritance, servers)."""

from nglint.nginx.model import LocationMatch, effective, effective_all, location_match, path_directive

__all__ = ["LocationMatch", "effective", "effective_all", "location_match", "path_directive"]
