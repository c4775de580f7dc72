"""Growing a seed: the rows a bigger config has that the seeded one lacks.

A tenant's rows are a pure function of (seed, config, tenant), so the difference between two
configs is computed tenant by tenant: new tenants are inserted whole; an existing tenant is
generated under both configs and compared row by row on primary keys. The result is, by
construction, the bigger config seeded from scratch. (Chat history depends on a tenant's
documents, so when a tenant gains documents some of its turns change: those are updated.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.config import Config
from ..core.errors import LedgerError
from ..core.fingerprint import tenant_digest
from ..core.plan import Plan
from ..core.rows import COLUMNS, Clock, Row, Rows, empty_rows
from ..generate.tenant import tenant_rows

#: settings a top-up may raise; any other change needs --reset
GROWTH = ("num_users", "docs_per_user", "sessions_per_user", "turns_per_session")
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "users": ("id",),
    "documents": ("id",),
    "chunk_store": ("id",),
    "document_chunks": ("document_id", "ord"),
    "chat_sessions": ("id",),
    "chat_turns": ("id",),
    "graph_triplets": ("document_id", "chunk_id", "subject", "relation", "obj"),
}


def check_growth(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Raise LedgerError unless `new` only raises growth settings of `old`."""
    if old.get("generator") != new.get("generator"):
        raise LedgerError(
            "this database was seeded by a ragseed version that generates different rows "
            f"(generator {old.get('generator', 1)}, this one is {new.get('generator')}), so it "
            "cannot be re-run or grown in place. Re-run with --reset to replace the seeded data."
        )
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    fixed = [k for k in changed if k not in GROWTH]
    shrunk = [k for k in changed if k in GROWTH and new[k] < old[k]]
    if fixed or shrunk:
        what = ", ".join(f"{k} {old.get(k)!r} -> {new.get(k)!r}" for k in fixed + shrunk)
        why = "changed" if fixed else "shrunk"
        raise LedgerError(
            f"this database was seeded with a different configuration ({what}: {why}). "
            "Only num_users, docs_per_user, sessions_per_user and turns_per_session can grow "
            "in place. Re-run with --reset to replace the seeded data."
        )


def seeded_config(identity: dict[str, Any], new: Config) -> Config:
    fields = {k: v for k, v in identity.items() if k in Config.model_fields}
    return Config(**{**fields, "environment": new.environment, "profile": new.profile})


def _key(table: str, row: Row) -> tuple[object, ...]:
    cols = COLUMNS[table]
    return tuple(row[cols.index(c)] for c in PRIMARY_KEYS[table])


@dataclass
class Delta:
    inserts: Rows = field(default_factory=empty_rows)
    updates: Rows = field(default_factory=empty_rows)
    deletes: dict[str, list[tuple[object, ...]]] = field(default_factory=dict)
    fingerprint: int = 0  # to add to the seeded fingerprint (reduced mod 2**128 by Fingerprint)
    tenants: int = 0

    def rows(self) -> int:
        return sum(map(len, self.inserts.values())) + sum(map(len, self.updates.values()))


def _diff(old: Rows, new: Rows, tables: Sequence[str], mask: bool, delta: Delta) -> None:
    delta.fingerprint += tenant_digest(new, tables, mask_api_keys=mask)
    delta.fingerprint -= tenant_digest(old, tables, mask_api_keys=mask)
    for table in tables:
        if table == "users":  # user rows never depend on growth (and staging keys are random)
            continue
        before = {_key(table, r): r for r in old[table]}
        for row in new[table]:
            prev = before.pop(_key(table, row), None)
            if prev is None:
                delta.inserts[table].append(row)
            elif prev != row:
                delta.updates[table].append(row)
        for key in before:
            delta.deletes.setdefault(table, []).append(key)


def deltas(
    old: Plan, new: Plan, tenants: Sequence[int], clock: Clock, tables: Sequence[str],
    block: int = 64,
) -> Iterator[Delta]:  # fmt: skip
    """Deltas for groups of `block` tenants."""
    mask = new.config.environment == "staging"
    delta = Delta()
    for u in tenants:
        grows = u >= old.num_users
        unchanged = not grows and (
            old.doc_count(u) == new.doc_count(u)
            and old.session_count(u) == new.session_count(u)
            and old.config.turns_per_session == new.config.turns_per_session
        )
        if not unchanged:
            fresh = tenant_rows(new, u, clock)
            if grows:
                for t in tables:
                    delta.inserts[t].extend(fresh[t])
                delta.fingerprint += tenant_digest(fresh, tables, mask_api_keys=mask)
            else:
                _diff(tenant_rows(old, u, clock), fresh, tables, mask, delta)
        delta.tenants += 1
        if delta.tenants >= block:
            yield delta
            delta = Delta()
    if delta.tenants:
        yield delta
