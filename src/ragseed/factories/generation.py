"""Factory rows from the seed's own generators (Plan, tenant_rows, text generation), no database.

A factory user is tenant u of a one-off Plan: an int key is u itself, so `key=3` gives exactly
tenant 3 of `ragseed seed` with the same settings; a str key maps to an index above any seedable
tenant count, so factory users never collide with seeded ones. A child is identified by its
parent and its position: a user's document d, session s, a session's turn t.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from ..core import rng as R
from ..core.config import Config
from ..core.documents import TOPICS, DocLayout, text_hash
from ..core.plan import Features, Plan
from ..core.rows import Row, Rows, empty_rows
from ..core.static import NO_STATIC, StaticData, load_static
from ..generate import compose
from ..generate.tenant import tenant_rows
from ..generate.triplets import triplets_for
from ..run.blocks import clock_for
from .objects import Chunk, User, attach, new_user

#: Config allows at most 10M users, so string-keyed users never reuse a seeded tenant index.
FACTORY_BASE = 10_000_000
KEY_SPACE = 1 << 40

Key = str | int


def tenant_index(seed: int, key: Key) -> int:
    if isinstance(key, int):
        if key < 0:
            raise ValueError(f"an int key is a tenant index and must be >= 0, not {key}")
        return key
    return FACTORY_BASE + R.derive(seed, "factory.key", key) % KEY_SPACE


@cache
def _static() -> StaticData:
    return load_static()


@dataclass(frozen=True)
class FactoryPlan(Plan):
    """A Plan whose tenants have exactly the given documents, which may come from other configs
    (a failed document next to an Arabic one): tenant_rows only asks the plan for layouts."""

    documents: tuple[DocLayout, ...] | None = None

    def doc_count(self, u: int) -> int:
        return len(self.documents) if self.documents is not None else super().doc_count(u)

    def layouts(self, u: int, user_created: int | None = None) -> list[DocLayout]:
        if self.documents is not None:
            return list(self.documents)
        return super().layouts(u, user_created)

    def with_config(self, **update: Any) -> FactoryPlan:
        return replace(self, config=self.config.model_copy(update=update))


def make_plan(seed: int, features: Features, *, static: bool = True, **knobs: Any) -> FactoryPlan:
    """knobs are Config fields; None means the factory default."""
    data = _static() if static else NO_STATIC
    values: dict[str, Any] = dict(
        environment="testing", profile="testing", num_users=max(1, len(data.users)),
        docs_per_user=0, sessions_per_user=0, failed_share=0.0, pending_share=0.0,
        unsupported_share=0.0,
    )  # fmt: skip
    values.update({k: v for k, v in knobs.items() if v is not None})
    return FactoryPlan(Config(seed=seed, use_static=static, **values), data, features)


@dataclass
class Generated:
    rows: Rows
    layouts: dict[str, DocLayout] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def title_of(plan: Plan, lay: DocLayout) -> str:
    if lay.static is not None:
        return lay.static.title
    topic = lay.topic if lay.topic in TOPICS else TOPICS[0]
    # The title is the first draw of the document's text stream, as in tenant.document_pieces.
    return compose.document_title(R.stream(plan.seed, "text", lay.u, lay.d), topic, lay.lang)


def _generated(plan: Plan, u: int, rows: Rows) -> Generated:
    lays = {lay.id: lay for lay in plan.layouts(u)}
    return Generated(rows, lays, {i: title_of(plan, lay) for i, lay in lays.items()})


def user(plan: Plan, u: int) -> Generated:
    """Tenant u with the plan's documents and sessions: the rows `ragseed seed` writes for it."""
    return _generated(plan, u, tenant_rows(plan, u, clock_for(plan)))


def document(plan: FactoryPlan, u: int, d: int) -> Generated:
    """Document d of tenant u, its chunks and triplets (no user row, no chats)."""
    plan = plan.with_config(docs_per_user=max(plan.config.docs_per_user, d + 1))
    one = replace(plan.with_config(sessions_per_user=0), documents=(plan.layout(u, d),))
    out = _generated(one, u, tenant_rows(one, u, clock_for(one)))
    out.rows["users"] = []
    return out


def sessions(
    plan: FactoryPlan, u: int, layouts: tuple[DocLayout, ...], first: int, turns: int
) -> Rows:
    """Session `first` of tenant u (id, title, turns) whose sources come from these documents."""
    p = replace(
        plan.with_config(sessions_per_user=first + 1, turns_per_session=turns), documents=layouts
    )
    rows = tenant_rows(p, u, clock_for(p))
    sid = R.uuid_for(plan.seed, "session", u, first)
    out = empty_rows()
    out["chat_sessions"] = [r for r in rows["chat_sessions"] if r[0] == sid]
    out["chat_turns"] = [r for r in rows["chat_turns"] if r[1] == sid]
    return out


def turn(plan: FactoryPlan, u: int, layouts: tuple[DocLayout, ...], s: int, t: int) -> Row:
    """Turn t of session s: what the seed generates for it with t + 1 turns per session."""
    return sessions(plan, u, layouts, s, t + 1)["chat_turns"][t]


def extra_chunk(
    plan: Plan, lay: DocLayout, title: str, user_id: str, ord_: int, at: str, context: str | None
) -> Row:
    """A chunk appended at position ord_ of a document, written by the document text generator.

    Its id is the body chunk id of that position, which the document itself never uses (its own
    chunks end before ord_)."""
    topic = lay.topic if lay.topic in TOPICS else TOPICS[0]
    rng = R.stream(plan.seed, "factory.chunk", lay.u, lay.d, ord_)
    # Two chunks, keep the second: the first repeats the document's heading.
    pieces = compose.document_pieces(rng, topic, lay.lang, title, 2, plan.config.chunk_tokens)
    text = pieces[-1].text
    cid = plan.body_chunk_id(lay.u, lay.d, ord_)
    return (cid, user_id, text_hash(text), text, None, context, at)


def triplets(
    seed: int, at: tuple[int, int, int], chunk: Chunk, lang: str
) -> list[tuple[Chunk, tuple[str, str, str]]]:
    """Facts of one chunk from the seed's triplet extractor; at = (tenant, document, position)."""
    rng = R.stream(seed, "factory.triplet", *at, chunk.id)
    return [(chunk, f) for f in triplets_for(rng, compose.text_piece(chunk.text), lang, 1)]


def user_object(plan: Plan, u: int) -> User:
    """Tenant u of any plan (a seeded database's, say) as factory objects, without a database."""
    gen = user(plan, u)
    obj = new_user(gen.rows["users"][0], plan.seed, u)
    attach(obj, gen.rows, gen.layouts, gen.titles)
    return obj
