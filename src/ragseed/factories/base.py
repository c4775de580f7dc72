"""The factories' common base: settings shared by every factory and one call's plumbing.

Each factory's declarations are generation settings, not column values: the values come from the
seed generators for (seed, key, settings), never from Faker or factory_boy's random state.
`.build()` returns objects without touching a database; `.create()` (the default) also writes
their rows through the caller's Session/Connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, cast

from factory.base import Factory
from factory.declarations import Trait as _Trait
from sqlalchemy import Connection

from ..core.config import DEFAULT_SEED
from ..core.plan import Features
from ..core.rows import Rows
from . import generation as G
from . import objects as O
from . import store
from .keys import next_key

T = TypeVar("T")
P = TypeVar("P")
Trait = cast(Callable[..., object], _Trait)  # factory_boy's declarations are untyped

#: Factory settings that are Config fields under another name.
RENAMED = {
    "documents": "docs_per_user",
    "sessions": "sessions_per_user",
    "turns": "turns_per_session",
}
#: Config fields a factory passes through (None: the factory default).
KNOBS = (
    "failed_share", "pending_share", "unsupported_share", "languages", "min_chunks", "max_chunks",
    "chunk_lambda", "boilerplate_share", "retrieval_k", "keyword_share", "anchor", "tenant_ids",
)  # fmt: skip


@dataclass
class Call:
    """One factory call's resolved inputs: where rows go and what the target schema has."""

    create: bool
    kw: dict[str, Any]
    conn: Connection | None = None
    features: Features = field(default_factory=Features)

    @classmethod
    def open(cls, create: bool, kw: dict[str, Any]) -> Call:
        call = cls(create, kw)
        if create:
            call.conn = store.connection_of(store.resolve(kw.get("sqlalchemy_session")))
            call.features = store.target_of(call.conn).features
        return call

    def key(self, kind: str) -> G.Key:
        key = self.kw.get("key")
        return next_key(kind) if key is None else cast(G.Key, key)

    def plan(self, seed: int, **settings: Any) -> G.FactoryPlan:
        knobs = {k: self.kw.get(k) for k in KNOBS}
        knobs.update({RENAMED.get(k, k): v for k, v in settings.items()})
        return G.make_plan(seed, self.features, static=bool(self.kw.get("static", True)), **knobs)

    def plan_of(self, user: O.User) -> G.FactoryPlan:
        """The plan of a user's children: its seed, and its id mode (an id that is the API key
        is the engine's tenant id, and its children must name it so)."""
        keyed = user.id == user.api_key
        return self.plan(user.seed, tenant_ids="api-key" if keyed else "uuid")

    def parent(self, factory_: type[Factory[P]], kind: str, **kw: Any) -> P:
        """A parent made on the fly, keyed under this call's key and written to the same place."""
        kw.update(key=f"{self.key(kind)}/{factory_.__name__}", seed=self.kw["seed"])
        kw["sqlalchemy_session"] = self.kw.get("sqlalchemy_session")
        return factory_.create(**kw) if self.create else factory_.build(**kw)

    def write(self, rows: Rows, *, new_tenant: bool = False) -> None:
        if self.conn is not None:
            store.write(self.conn, rows, new_tenant=new_tenant)


class RagFactory(Factory[T]):
    class Meta:
        abstract = True

    seed = DEFAULT_SEED
    key = None  # str: a stable name; int: a tenant index (as `ragseed seed` numbers tenants)
    sqlalchemy_session = None  # Session or Connection; default: the one from bind()
    static = True  # int keys below the static user count give the static users, as the seed does
    failed_share = pending_share = unsupported_share = languages = None
    min_chunks = max_chunks = chunk_lambda = boilerplate_share = None
    retrieval_k = keyword_share = anchor = tenant_ids = None

    class Params:
        failed = Trait(failed_share=1.0, pending_share=0.0)
        # an upload of a type the engine cannot extract (pptx): failed with the extractor's error
        unsupported = Trait(failed_share=0.0, pending_share=0.0, unsupported_share=1.0)
        pending = Trait(failed_share=0.0, pending_share=1.0)
        arabic = Trait(languages={"ar": 1.0})
        english = Trait(languages={"en": 1.0})

    _kind: ClassVar[str] = "object"

    @classmethod
    def _build(cls, model_class: type[T], *args: Any, **kwargs: Any) -> T:
        return cls._make(Call.open(False, kwargs))

    @classmethod
    def _create(cls, model_class: type[T], *args: Any, **kwargs: Any) -> T:
        return cls._make(Call.open(True, kwargs))

    @classmethod
    def _make(cls, call: Call) -> T:
        raise NotImplementedError
