"""Loading nginx configuration trees: files, includes, dumps, stdin."""

from nglint.load.loader import Config, LoadError, LoadIssue, load, load_text
from nglint.load.parser import ParseError, parse_file
from nglint.load.tree import Arg, Comment, Directive, Node, SourceFile

__all__ = [
    "Arg",
    "Comment",
    "Config",
    "Directive",
    "LoadError",
    "LoadIssue",
    "Node",
    "ParseError",
    "SourceFile",
    "load",
    "load_text",
    "parse_file",
]
