"""What will be generated, decided cheaply and without any text: counts, ids and document layouts.

A plan is a pure function of the config (and the static files). Everything here is derived from
(seed, kind, index) streams, so any tenant's layout can be recomputed on its own: that is what lets
generation stream, shard by tenant, and top up an existing seed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from hashlib import sha256

from . import rng as R
from .config import Config
from .documents import HOUR, DocLayout, extension_weights
from .layout import doc_layout
from .static import StaticData, StaticDocument

#: Generated keys are 36 characters: they must fit users.id when they are the tenant id.
KEY_LENGTH = 36


@dataclass(frozen=True)
class Features:
    """Optional parts of the target schema that exist and so get data."""

    parent_id: bool = True
    chunk_context: bool = True
    graph_triplets: bool = True


@dataclass(frozen=True)
class Plan:
    config: Config
    static: StaticData
    features: Features = field(default_factory=Features)
    #: staging only: the database's secret, from which its API keys are derived (see api_key)
    key_secret: str | None = field(default=None, repr=False)

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def num_users(self) -> int:
        return self.config.num_users

    @cached_property
    def extension_weights(self) -> list[float]:
        return extension_weights(self.config.unsupported_share)

    @cached_property
    def _static_users(self) -> int:
        return min(len(self.static.users), self.config.num_users) if self.config.use_static else 0

    def user_id(self, u: int) -> str:
        """A UUID, or under ``tenant_ids = "api-key"`` the user's API key, which the engine
        takes as the tenant id."""
        if self.config.tenant_ids == "api-key":
            return self.api_key(u)
        return R.uuid_for(self.seed, "user", u)

    def api_key(self, u: int) -> str:
        """36 characters at most. Development, testing and demo keys derive from the seed (the
        static users keep theirs); staging keys are HMACs of the database's own secret, so nobody
        can recompute them from the seed, while top-ups and shards of that database still can."""
        if self.config.environment == "staging":
            if self.key_secret is None:
                raise ValueError("a staging plan needs the database's key secret")
            mac = hmac.new(self.key_secret.encode(), f"{self.seed}/{u}".encode(), sha256)
            return "sk_live_" + mac.hexdigest()[: KEY_LENGTH - 8]
        if u < self._static_users:
            return self.static.users[u].api_key
        return "sk_test_" + R.hex_for(self.seed, "api_key", u, nbytes=(KEY_LENGTH - 8) // 2)

    def user_created(self, u: int) -> int:
        if u < self._static_users:
            return u * 60  # reference users exist first, a minute apart
        return HOUR + int(R.stream(self.seed, "user.created", u).random() * 30 * 24 * HOUR)

    def tenant_kind(self, u: int) -> str:
        """'static', 'heavy', 'empty' or 'regular': fixed by index, never by num_users."""
        s, cfg = self._static_users, self.config
        if u < s:
            return "static"
        if u < s + cfg.heavy_tenants:
            return "heavy"
        if u < s + cfg.heavy_tenants + cfg.empty_tenants:
            return "empty"
        return "regular"

    def doc_count(self, u: int) -> int:
        kind = self.tenant_kind(u)
        if kind == "heavy":
            return round(self.config.docs_per_user * self.config.heavy_factor)
        return 0 if kind == "empty" else self.config.docs_per_user

    def static_docs(self, u: int) -> tuple[StaticDocument, ...]:
        if u >= self._static_users:
            return ()
        return self.static.documents_of(self.static.users[u].email)[: self.doc_count(u)]

    def layout(self, u: int, d: int, user_created: int | None = None) -> DocLayout:
        """The document's metadata and chunk layout, without generating its text.
        user_created: ``self.user_created(u)``, when the caller already has it."""
        created = self.user_created(u) if user_created is None else user_created
        return doc_layout(self, u, d, created)

    def layouts(self, u: int, user_created: int | None = None) -> list[DocLayout]:
        created = self.user_created(u) if user_created is None else user_created
        return [self.layout(u, d, created) for d in range(self.doc_count(u))]

    # ids of chunks, derivable without text: what chat sources and shards rely on
    def body_chunk_id(self, u: int, d: int, ord_: int) -> str:
        return R.uuid_for(self.seed, "chunk", u, d, ord_)

    def body_chunk_ids(self, u: int, d: int) -> Callable[[int | str], str]:
        """``ord -> body_chunk_id(u, d, ord)``, faster for a whole document."""
        return R.uuids_for(self.seed, "chunk", u, d)

    def boilerplate_chunk_id(self, u: int, lang: str, b: int) -> str:
        return R.uuid_for(self.seed, "boilerplate", u, lang, b)

    def parent_chunk_id(self, u: int, d: int, section: int) -> str:
        return R.uuid_for(self.seed, "parent", u, d, section)

    def session_count(self, u: int) -> int:
        return self.config.sessions_per_user

    def expected_counts(self) -> dict[str, int]:
        """Rows in users, documents, sessions and turns (the chunk tables depend on text)."""
        docs = sum(self.doc_count(u) for u in range(self.num_users))
        sessions = sum(self.session_count(u) for u in range(self.num_users))
        return {
            "users": self.num_users,
            "documents": docs,
            "chat_sessions": sessions,
            "chat_turns": sessions * self.config.turns_per_session,
        }
