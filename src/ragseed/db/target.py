"""What the database already has, and so what ragseed will write.

ragseed seeds an existing schema as it stands: generated columns are never written, optional
columns and tables are filled only where they exist, and a missing required column or an
unfillable NOT NULL column stops the run before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..core.errors import SchemaError
from ..core.plan import Features
from ..core.rows import COLUMNS
from .schema import CORE_TABLES, OPTIONAL_COLUMNS, OPTIONAL_TABLES, TABLES, build_metadata

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class Target:
    """The columns ragseed writes per table, in the order rows are projected onto."""

    dialect: str
    columns: dict[str, tuple[str, ...]]  # only tables that get rows
    list_format: str = "array"  # how chat_turns.sources is stored: 'array' or 'json'
    created: tuple[str, ...] = field(default=())  # tables this run created

    @property
    def features(self) -> Features:
        chunk_cols = self.columns.get("chunk_store", ())
        return Features(
            parent_id="parent_id" in chunk_cols,
            chunk_context="chunk_context" in chunk_cols,
            graph_triplets="graph_triplets" in self.columns,
        )

    def tables(self) -> list[str]:
        """The tables that get rows, in FK order."""
        return [t for t in TABLES if t in self.columns]

    def projection(self, table: str) -> list[int]:
        """Indexes into the canonical row (rows.COLUMNS) of the columns written."""
        canonical = COLUMNS[table]
        return [canonical.index(c) for c in self.columns[table]]


def inspect_target(conn: Connection, *, create: bool = True, graph: bool | None = None) -> Target:
    """Inspect (and, if allowed, create) the RAG tables inside the caller's transaction.

    graph: None seeds graph_triplets only if it exists (or this run creates the whole schema),
    True creates it when missing, False never seeds it.
    """
    from sqlalchemy import ARRAY, inspect

    dialect = conn.dialect.name
    insp = inspect(conn)
    existing = set(insp.get_table_names())
    missing_core = [t for t in CORE_TABLES if t not in existing]
    created: list[str] = []
    if missing_core or (graph and "graph_triplets" not in existing):
        if not create:
            raise SchemaError(
                f"table(s) {', '.join(missing_core)} do not exist: run `ragseed init` first"
            )
        fresh = len(missing_core) == len(CORE_TABLES)
        wanted = set(missing_core)
        if graph or (graph is None and fresh):
            wanted |= {"graph_triplets"} - existing
        md = build_metadata(dialect)
        md.create_all(conn, tables=[md.tables[t] for t in TABLES if t in wanted])
        created = [t for t in TABLES if t in wanted]
        existing |= wanted
        insp = inspect(conn)  # the inspector caches; see the new tables

    columns: dict[str, tuple[str, ...]] = {}
    list_format = "array"
    for table in TABLES:
        if table not in existing or (table in OPTIONAL_TABLES and graph is False):
            continue
        info = {c["name"]: c for c in insp.get_columns(table)}
        generated = {name for name, c in info.items() if c.get("computed")}
        optional = set(OPTIONAL_COLUMNS.get(table, ()))
        for name in COLUMNS[table]:
            if name not in info and name not in optional:
                raise SchemaError(
                    f"table {table} has no column {name!r}, which ragseed must fill. Migrate the "
                    f"database to the engine's current schema, or seed an empty database."
                )
        for name, c in info.items():
            unfillable = (
                not c.get("nullable", True) and c.get("default") is None
                and name not in COLUMNS[table] and name not in generated
                and not c.get("autoincrement") and not c.get("identity")
                and not (table == "graph_triplets" and name == "id")
            )  # fmt: skip
            if unfillable:
                raise SchemaError(
                    f"column {table}.{name} is NOT NULL without a default and ragseed does not "
                    f"know how to fill it. Give it a default or make it nullable."
                )
        columns[table] = tuple(n for n in COLUMNS[table] if n in info and n not in generated)
        if table == "chat_turns" and dialect == "postgresql":
            list_format = "array" if isinstance(info["sources"]["type"], ARRAY) else "json"
    return Target(dialect, columns, list_format, tuple(created))
