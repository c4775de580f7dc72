"""Many tenants at once through the seed's own fast path, inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..commands import static_data
from ..config import Config, build_config
from ..generate.tenant import user_row
from ..load import loader_class
from ..plan import Plan
from ..stream import clock_for, iter_blocks
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
    loader = loader_class(target.dialect)(conn, target)
    for block in iter_blocks(plan, tenants, tables=loader.tables()):
        loader.write(block.rows)
    loader.finish()
    return BulkResult(plan, tenants, {t: n for t, n in loader.written.items() if n})
