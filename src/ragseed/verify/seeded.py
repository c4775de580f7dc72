"""What the ledger says is seeded, as a Plan, and every turn's ground truth recomputed from it.

The ledger's head run records the generation identity; rebuilding the Plan from it (never from the
caller's flags) means verify and export see the seed that is really there.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core import rng as R
from ..core.config import Config
from ..core.errors import ConfigError, LedgerError
from ..core.plan import Features, Plan
from ..generate.tenant import chat_truth
from ..run import ledger

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class Seeded:
    plan: Plan
    tenants: tuple[int, ...]  # tenants whose rows are there (all but missing shards)
    complete: bool
    identity: dict[str, Any]
    config_hash: str = ""  # the ledger's, of the newest seed run
    fingerprint: str = ""  # the ledger's, summed over the runs that hold the tables
    tool_version: str = ""  # ragseed version that seeded it
    profile: str = ""  # the profile the seed run was made with (the ledger's)


@dataclass(frozen=True)
class TurnTruth:
    """One seeded turn as the plan decided it."""

    id: str
    u: int
    session: int
    turn: int
    form: str  # keyword | natural
    lang: str  # language of the asked-about document ("en" when the tenant has none)
    n_relevant: int  # the first n_relevant sources are relevant
    doc_id: str | None  # the asked-about document
    ord: int  # position of the first relevant chunk in it


def read_only(conn: Connection) -> None:
    """On PostgreSQL, one snapshot for every query of the run, and no write by mistake."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy import text

        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))


def load(conn: Connection, config: Config) -> Seeded:
    """The seeded Plan. Raises LedgerError when ragseed did not seed this database."""
    from ..run.identity import static_data
    from ..run.topup import seeded_config

    state = ledger.state(conn)
    head = state.head
    if head is None:
        raise LedgerError(
            "this database was not seeded by ragseed (no complete seed run in its "
            "ragseed_runs ledger since the last reset): run `ragseed seed` first"
        )
    identity = head.config
    try:
        cfg = seeded_config(identity, config)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise LedgerError(
            f"the ledger's configuration is not readable by this ragseed: {exc}"
        ) from None
    static = static_data(cfg)
    from ..run.identity import static_hash

    if identity.get("static") not in (None, static_hash(static)):
        raise ConfigError(
            "this database was seeded from other static files than the ones found now: pass "
            "the same --config / RAGSEED_STATIC_DIR that seeded it"
        )
    feats = set(identity.get("features", ()))
    features = Features(
        parent_id="parent_id" in feats,
        chunk_context="chunk_context" in feats,
        graph_triplets="graph_triplets" in feats,
    )
    secret = ledger.key_secret(conn, create=False) if cfg.environment == "staging" else None
    plan = Plan(cfg, static, features, key_secret=secret)
    done = state.done_shards
    tenants = tuple(u for u in range(cfg.num_users) if u % state.shard_count in done)
    return Seeded(
        plan, tenants, state.complete, identity, head.config_hash, state.fingerprint(),
        head.tool_version, head.profile,
    )  # fmt: skip


def turn_total(seeded: Seeded) -> int:
    plan = seeded.plan
    return sum(plan.session_count(u) for u in seeded.tenants) * plan.config.turns_per_session


def turn_keys(seeded: Seeded, sample: int | None) -> list[tuple[int, int, int]]:
    """(tenant, session, turn) of every seeded turn, or of a deterministic sample of them."""
    plan = seeded.plan
    per_tenant = [(u, plan.session_count(u)) for u in seeded.tenants]
    turns = plan.config.turns_per_session
    total = sum(n for _, n in per_tenant) * turns
    if sample is None or sample >= total:
        picked: Sequence[int] = range(total)
    else:
        picked = sorted(random.Random(f"ragseed-verify/{plan.seed}").sample(range(total), sample))
    out: list[tuple[int, int, int]] = []
    it = iter(picked)
    nxt = next(it, None)
    base = 0
    for u, sessions in per_tenant:
        end = base + sessions * turns
        while nxt is not None and nxt < end:
            s, t = divmod(nxt - base, turns)
            out.append((u, s, t))
            nxt = next(it, None)
        base = end
    return out


def truths(plan: Plan, keys: Sequence[tuple[int, int, int]]) -> Iterator[TurnTruth]:
    """Ground truth of the given turns, in the order given (tenants grouped)."""
    cached_u = -1
    picks: dict[tuple[int, int], Any] = {}
    docs: list[Any] = []
    for u, s, t in keys:
        if u != cached_u:
            picks = chat_truth(plan, u)
            docs = [lay for lay in plan.layouts(u) if lay.indexed and lay.n_body > 0]
            cached_u = u
        pick = picks[(s, t)]
        lay = docs[pick.doc] if pick.doc >= 0 else None
        yield TurnTruth(
            id=R.uuid_for(plan.seed, "turn", u, s, t), u=u, session=s, turn=t, form=pick.form,
            lang=lay.lang if lay is not None else "en", n_relevant=pick.n_relevant,
            doc_id=lay.id if lay is not None else None, ord=pick.ord,
        )  # fmt: skip


def batched(items: Sequence[Any] | Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
