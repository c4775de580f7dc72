"""The command line: a thin layer that parses flags, calls ragseed.api and prints results.

Each module registers its commands on the one Typer app (app.py), which also holds the error edge.
"""

from . import database, evaluate, seed
from .app import app, main

__all__ = ["app", "database", "evaluate", "main", "seed"]
