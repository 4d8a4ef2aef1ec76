"""The nginx model: what directives mean (locations, inheritance, servers)."""

from nglint.nginx.model import LocationMatch, effective, location_match

__all__ = ["LocationMatch", "effective", "location_match"]
