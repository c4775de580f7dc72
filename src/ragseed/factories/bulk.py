"""Many tenants at once through the seed's own fast path, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, text

from ..core.config import Config, build_config
from ..core.errors import ConflictError
from ..core.plan import Plan
from ..db.engine import describe_error
from ..generate.tenant import user_row
from ..load import loader_class
from ..run.blocks import clock_for, iter_blocks
from ..run.identity import static_data
from . import generation as G
from . import store
from .objects import User


@dataclass
class BulkResult:
    plan: Plan
    tenants: range
    counts: dict[str, int] = field(default_factory=dict)  # rows written, per table

    @property
    def api_keys(self) -> dict[str, str]:
        """email -> API key of every tenant written (computed, no query)."""
        clock = clock_for(self.plan)
        rows = (user_row(self.plan, u, clock) for u in self.tenants)
        return {str(r[1]): str(r[2]) for r in rows}

    def user(self, u: int) -> User:
        """Tenant u as factory objects (generated again, not read back)."""
        if u not in self.tenants:
            raise IndexError(f"tenant {u} was not written by this bulk call ({self.tenants})")
        return G.user_object(self.plan, u)


def bulk_config(
    *, users: int = 10, docs_per_user: int = 5, seed: int | None = None, **settings: Any
) -> Config:
    """The config `bulk` uses: the testing profile with these settings (Config field names)."""
    flags: dict[str, Any] = {"environment": "testing", "profile": "testing", "seed": seed}
    flags.update(settings, num_users=users, docs_per_user=docs_per_user)
    return build_config(flags, environ={})


def bulk(
    handle: store.Handle | None = None,
    *,
    config: Config | None = None,
    first: int = 0,
    **settings: Any,
) -> BulkResult:
    """Write tenants first..first+num_users-1 of `config` (or of bulk_config(**settings)) with
    ragseed's loader: the same rows `ragseed seed` writes for that config, without its ledger.

        bulk(session, users=100, docs_per_user=5, seed=7)
    """
    if config is None:
        config = bulk_config(**settings)
    elif settings:
        raise TypeError("pass either config= or settings, not both")
    conn = store.connection_of(store.resolve(handle))
    target = store.target_of(conn)
    plan = Plan(config, static_data(config), target.features)
    tenants = range(first, first + config.num_users)
    # Before writing: a failed statement would abort the caller's PostgreSQL transaction.
    _check_users_are_new(conn, plan, tenants)
    loader = loader_class(target.dialect)(conn, target)
    try:
        for block in iter_blocks(plan, tenants, tables=loader.tables()):
            loader.write(block.rows)
        loader.finish()
    except Exception as exc:
        if not _is_integrity_error(exc):
            raise
        raise ConflictError(
            f"bulk tenants {_span(tenants)} collide with rows already in the database "
            f"({describe_error(exc)}): {HOW_TO_FIX}"
        ) from exc
    return BulkResult(plan, tenants, {t: n for t, n in loader.written.items() if n})


HOW_TO_FIX = (
    "pass first= one past the tenants there (a seeded database holds tenants 0 to num_users-1: "
    "first=ragseed_db.config.num_users in a test)"
)
#: Users looked up per query (three lists of this many parameters).
CHECK_BATCH = 300


def _check_users_are_new(conn: Connection, plan: Plan, tenants: range) -> None:
    """Tenant indexes decide ids, emails and keys, so a tenant already there (a seeded one, or
    a static user such as admin@example.com) is the usual collision: name it."""
    clock = clock_for(plan)
    names = ("ids", "emails", "keys")
    stmt = text(
        "SELECT id, email, api_key FROM users WHERE id IN :ids OR email IN :emails "
        "OR api_key IN :keys"
    ).bindparams(*(bindparam(n, expanding=True) for n in names))
    for start in range(0, len(tenants), CHECK_BATCH):
        batch = tenants[start : start + CHECK_BATCH]
        rows = {u: user_row(plan, u, clock) for u in batch}
        params = {k: [str(r[i]) for r in rows.values()] for i, k in enumerate(names)}
        found = {str(v) for row in conn.execute(stmt, params) for v in row}
        if not found:
            continue
        u = next(u for u, r in rows.items() if {str(v) for v in r[:3]} & found)  # the first
        raise ConflictError(
            f"bulk tenant {u}'s user {rows[u][1]} collides with a user already in the database "
            f"(bulk tenants {_span(tenants)}): {HOW_TO_FIX}"
        )


def _span(tenants: range) -> str:
    return f"{tenants.start}..{tenants.stop - 1}"


def _is_integrity_error(exc: BaseException) -> bool:
    import sqlite3
    import sys

    from sqlalchemy.exc import IntegrityError

    if isinstance(exc, IntegrityError | sqlite3.IntegrityError):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.errors.IntegrityError)
