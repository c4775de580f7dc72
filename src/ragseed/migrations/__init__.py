"""Alembic migrations for the RAG tables, for projects that manage ragseed's schema with Alembic.

The version table is `ragseed_alembic_version`, so it never collides with the engine's own
`alembic_version`.
"""
