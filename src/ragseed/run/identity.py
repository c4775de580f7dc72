"""What identifies a seed: the config, the generator, the static files and the schema's
optional parts. The ledger stores it to recognise a repeated run and to plan a top-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.config import Config
from ..core.errors import DatabaseError
from ..core.plan import Features, Plan
from ..core.static import NO_STATIC, StaticData, load_static
from ..db import urls
from ..generate import GENERATOR
from . import ledger

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from ..db.target import Target


def database_url(config: Config) -> str:
    return config.database_url or urls.default_url()


def existing_url(config: Config) -> str:
    """The database URL, refusing a SQLite file that does not exist (connecting would create
    it, and an empty file is no seed to read)."""
    from pathlib import Path

    url = database_url(config)
    parsed = urls.parse(url)
    db = parsed.database or ""
    local = parsed.get_backend_name() == "sqlite" and db not in ("", ":memory:")
    if local and not db.startswith("file:") and not Path(db).expanduser().is_file():
        raise DatabaseError(f"SQLite database {db} does not exist: nothing to read")
    return url


def static_data(config: Config) -> StaticData:
    return load_static(config.static_dir) if config.use_static else NO_STATIC


def static_hash(static: StaticData) -> str:
    import hashlib
    import json

    blob = json.dumps(
        [[u.model_dump() for u in static.users], [d.model_dump() for d in static.documents]],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan_for(conn: Connection, config: Config, static: StaticData, features: Features) -> Plan:
    """The plan of a seed of this database: in staging, with the database's key secret (made on
    first use), from which its API keys derive."""
    secret = ledger.key_secret(conn) if config.environment == "staging" else None
    return Plan(config, static, features, key_secret=secret)


def generation_identity(config: Config, static: StaticData, target: Target) -> dict[str, Any]:
    """Everything that decides the rows: hashed into the ledger to recognise a repeated run."""
    return {
        **config.generation_dict(),
        "generator": GENERATOR,
        "static": static_hash(static),
        "features": sorted(k for k, v in vars(target.features).items() if v),
        "staging_keys": config.environment == "staging",
    }


def static_users(plan: Plan) -> list[tuple[str, str]]:
    if plan.config.environment == "staging" or not plan.config.use_static:
        return []
    n = min(len(plan.static.users), plan.num_users)
    return [(u.email, u.api_key) for u in plan.static.users[:n]]
