"""Where factory rows go: the caller's Session or Connection, through ragseed's own loaders.

Rows are written with the same loader `ragseed seed` uses (COPY on PostgreSQL, executemany on
SQLite) on the caller's connection, inside the caller's transaction, so factory rows and seeded
rows are stored identically and roll back together.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Transaction, bindparam, text
from sqlalchemy.orm import Session

from ..core.rows import Rows
from ..db.target import Target, inspect_target
from ..load import loader_class

Handle = Session | Connection

_bound: list[Handle] = []
#: Target per root transaction: inspected once, forgotten when the transaction object goes away
#: (a rolled-back transaction may have taken created tables with it).
_targets: WeakKeyDictionary[Transaction, Target] = WeakKeyDictionary()


@contextmanager
def bind(handle: Handle) -> Iterator[Handle]:
    """Factories called inside without sqlalchemy_session= write through this Session/Connection."""
    _bound.append(handle)
    try:
        yield handle
    finally:
        _bound.remove(handle)


def resolve(explicit: Handle | None) -> Handle:
    if explicit is not None:
        return explicit
    if _bound:
        return _bound[-1]
    raise RuntimeError(
        "no database for this factory: pass sqlalchemy_session=<Session or Connection>, or call "
        "it inside `with ragseed.factories.bind(session):` (or use .build() for objects only)"
    )


def connection_of(handle: Handle) -> Connection:
    if isinstance(handle, Session):
        handle.flush()  # ORM objects the rows may refer to must reach the database first
        return handle.connection()
    if not handle.in_transaction():
        handle.begin()  # as SQLAlchemy's autobegin would: the caller commits or rolls back
    return handle


def target_of(conn: Connection) -> Target:
    """The tables and columns to write (creating the schema if the database has none)."""
    trans = conn.get_transaction()
    cached = _targets.get(trans) if trans is not None else None
    if cached is None:
        cached = inspect_target(conn)
        if trans is not None:
            _targets[trans] = cached
    return cached


def existing_chunks(conn: Connection, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    stmt = text("SELECT id FROM chunk_store WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    return {str(r[0]) for r in conn.execute(stmt, {"ids": ids})}


def write(conn: Connection, rows: Rows, *, new_tenant: bool = False) -> None:
    """Write FK-ordered rows. Chunks already stored (a tenant's shared boilerplate) are skipped,
    which a brand-new tenant need not check."""
    if not new_tenant and rows["chunk_store"]:
        have = existing_chunks(conn, [str(r[0]) for r in rows["chunk_store"]])
        rows = {**rows, "chunk_store": [r for r in rows["chunk_store"] if r[0] not in have]}
    target = target_of(conn)
    loader_class(target.dialect)(conn, target).write(rows)
