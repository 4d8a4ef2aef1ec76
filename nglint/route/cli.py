"""`nglint route` command line (being built)."""

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("route", help="(in development)")
    p.set_defaults(run=lambda args: 2)
