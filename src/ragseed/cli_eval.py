"""`ragseed verify` and `ragseed export-eval` (registered on the main Typer app)."""

from __future__ import annotations

from .cli import app

__all__ = ["app"]
