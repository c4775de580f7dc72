"""Profiles, a TOML file, environment variables and flags, merged into one validated Config.

Precedence, lowest first: profile < file < environment < flags. The environment (ENVIRONMENT or
--env) picks the default profile, so `ENVIRONMENT=testing` gets the small `testing` profile.
"""

# Not pydantic-settings: it would only replace the one-line merge in build_config, while our env
# names, RAGSEED_LANGUAGES, the [tool.ragseed] table, the profile picked by the environment and
# errors naming each value's source all need custom sources anyway; and a BaseSettings Config would
# read os.environ in every Config(...) (factories, top-up), which must not.

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError, SafetyError

Environment = Literal["development", "testing", "staging", "demo", "production"]
#: "uuid": users.id is a UUID. "api-key": users.id is the user's API key, as RAG Engine Mini's HTTP
#: layer takes the key itself as the tenant id (see docs/engine.md).
TenantIds = Literal["uuid", "api-key"]
ENVIRONMENTS: tuple[str, ...] = ("development", "testing", "staging", "demo", "production")

#: The seed document's SEED_CONFIG is the development profile.
PROFILES: dict[str, dict[str, Any]] = {
    "testing": dict(num_users=3, docs_per_user=4, sessions_per_user=2, turns_per_session=2),
    "development": dict(
        num_users=10, docs_per_user=15, min_chunks=5, max_chunks=20,
        sessions_per_user=5, turns_per_session=3,
    ),
    "demo": dict(
        num_users=25, docs_per_user=20, sessions_per_user=8, turns_per_session=4,
        heavy_tenants=1, empty_tenants=1,
    ),
    "large": dict(
        num_users=10_000, docs_per_user=12, sessions_per_user=5, turns_per_session=3,
        heavy_tenants=10, empty_tenants=100,
    ),
}  # fmt: skip
DEFAULT_PROFILE_FOR_ENV = {"testing": "testing", "demo": "demo"}
DEFAULT_SEED = 20240607
DEFAULT_ANCHOR = datetime(2025, 1, 1, tzinfo=UTC)

#: Environment variables, by config field. DATABASE_URL and ENVIRONMENT are the engine's own names.
ENV_VARS: dict[str, str] = {
    "database_url": "DATABASE_URL",
    "environment": "ENVIRONMENT",
    "profile": "RAGSEED_PROFILE",
    "seed": "RAGSEED_SEED",
    "num_users": "RAGSEED_NUM_USERS",
    "docs_per_user": "RAGSEED_NUM_DOCS",
    "min_chunks": "RAGSEED_MIN_CHUNKS",
    "max_chunks": "RAGSEED_MAX_CHUNKS",
    "sessions_per_user": "RAGSEED_SESSIONS",
    "turns_per_session": "RAGSEED_TURNS",
    "static_dir": "RAGSEED_STATIC_DIR",
    "heavy_tenants": "RAGSEED_HEAVY_TENANTS",
    "empty_tenants": "RAGSEED_EMPTY_TENANTS",
    "anchor": "RAGSEED_ANCHOR",
    "tenant_ids": "RAGSEED_TENANT_IDS",
    "vectors": "RAGSEED_VECTORS",
    "embedder": "RAGSEED_EMBEDDER",
    "dim": "RAGSEED_DIM",
    "collection": "RAGSEED_COLLECTION",
}
LANGUAGES_VAR = "RAGSEED_LANGUAGES"

#: How `ragseed seed` spells each setting as a flag: errors name what the user typed.
FLAGS: dict[str, str] = {
    "environment": "--env",
    "docs_per_user": "--num-docs",
    "sessions_per_user": "--sessions",
    "turns_per_session": "--turns",
    "use_static": "--no-static",
    **{
        f: "--" + f.replace("_", "-")
        for f in ("profile", "database_url", "seed", "num_users", "min_chunks", "max_chunks",
                  "languages", "chunk_tokens", "tenant_ids", "static_dir", "reset",
                  "vectors", "embedder", "dim", "collection")
    },
}  # fmt: skip


class Config(BaseModel):
    """Everything a seed run needs. Immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    environment: Environment = "development"
    profile: str = "development"
    database_url: str | None = None
    seed: int = Field(DEFAULT_SEED, ge=0, lt=2**63)
    num_users: int = Field(10, ge=1, le=10_000_000)
    docs_per_user: int = Field(15, ge=0, le=1_000_000)
    min_chunks: int = Field(5, ge=1, le=10_000)
    max_chunks: int = Field(20, ge=1, le=10_000)
    chunk_lambda: float = Field(8.0, gt=0, le=1000)
    chunk_tokens: int = Field(96, ge=16, le=4096)
    sessions_per_user: int = Field(5, ge=0, le=100_000)
    turns_per_session: int = Field(3, ge=0, le=10_000)  # 0 (with 0 sessions): no chat
    retrieval_k: int = Field(5, ge=1, le=100)
    failed_share: float = Field(0.05, ge=0, le=1)
    pending_share: float = Field(0.04, ge=0, le=1)
    # uploads of a type the engine cannot extract (pptx): they end failed, without chunks
    unsupported_share: float = Field(0.06, ge=0, le=1)
    boilerplate_share: float = Field(0.10, ge=0, lt=1)
    keyword_share: float = Field(0.5, ge=0, le=1)
    heavy_tenants: int = Field(0, ge=0)  # the first generated tenants get heavy_factor x docs
    heavy_factor: float = Field(8.0, ge=1, le=10_000)
    empty_tenants: int = Field(0, ge=0)  # the next generated tenants get no documents
    shared_doc_share: float = Field(0.03, ge=0, le=1)  # documents whose text recurs across tenants
    same_name_share: float = Field(0.03, ge=0, le=1)  # re-uploads under an existing filename
    languages: dict[str, float] = Field(
        default_factory=lambda: {"en": 0.8, "ar": 0.2}, validate_default=True
    )
    anchor: datetime = DEFAULT_ANCHOR
    tenant_ids: TenantIds = "uuid"
    # The chunks' vectors: where (None: none), made by which embedder, of which size.
    # sqlite, pgvector, qdrant:PATH (local mode) or qdrant:http(s)://host:port
    vectors: str | None = None
    embedder: str = Field("hash", min_length=1)
    dim: int | None = Field(None, ge=2, le=16_000)
    collection: str = Field("chunks", min_length=1, max_length=255)  # the Qdrant collection
    static_dir: Path | None = None
    use_static: bool = True
    reset: bool = False

    @field_validator("anchor")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return v if v.tzinfo else v.replace(tzinfo=UTC)

    @field_validator("languages")
    @classmethod
    def _languages(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - {"en", "ar"})
        if unknown:
            raise ValueError(f"unknown language(s) {', '.join(unknown)}: use en and ar")
        if any(w < 0 for w in v.values()) or sum(v.values()) <= 0:
            raise ValueError("language weights must be >= 0 and not all zero")
        total = sum(v.values())
        return {k: v[k] / total for k in sorted(v) if v[k] > 0}

    @field_validator("vectors")
    @classmethod
    def _vectors(cls, v: str | None) -> str | None:
        if v is None or v in ("sqlite", "pgvector"):
            return v
        if v.startswith("qdrant:") and len(v) > len("qdrant:"):
            return v
        raise ValueError(
            f"unknown vector store {v!r}: use sqlite, pgvector, qdrant:PATH or "
            "qdrant:http(s)://host:port"
        )

    @model_validator(mode="after")
    def _ranges(self) -> Config:
        if self.min_chunks > self.max_chunks:
            raise ValueError(
                f"min_chunks must not exceed max_chunks: {self.min_chunks} > {self.max_chunks}"
            )
        if self.turns_per_session == 0 and self.sessions_per_user > 0:
            # A session without turns is nothing the engine ever writes.
            raise ValueError(
                f"turns_per_session is 0 but sessions_per_user is {self.sessions_per_user}: "
                "a chat session needs turns (for no chat at all: --sessions 0 --turns 0)"
            )
        if self.failed_share + self.pending_share > 1:
            raise ValueError("failed_share + pending_share must not exceed 1")
        return self

    def generation_dict(self) -> dict[str, Any]:
        """The fields that decide the generated rows: what the ledger hashes and compares."""
        skip = {"environment", "profile", "database_url", "reset", "static_dir"}
        if self.vectors is None:  # the embedder does not decide anything then
            skip |= {"embedder", "dim"}
        if not (self.vectors or "").startswith("qdrant:"):
            skip.add("collection")
        out = {k: v for k, v in self.model_dump(mode="json").items() if k not in skip}
        if self.vectors is not None and self.vectors.startswith("qdrant:"):
            out["vectors"] = redact_store(self.vectors)  # the ledger never holds a secret
        return out


def redact_store(spec: str) -> str:
    """A vector store's spec with any password or api_key in its URL replaced by ***."""
    import re

    spec = re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", spec)
    return re.sub(r"((?:api_key|api-key|apikey)=)[^&]*", r"\1***", spec, flags=re.I)


def parse_languages(text: str, where: str = "--languages") -> dict[str, float]:
    """'en=0.8,ar=0.2' -> {'en': 0.8, 'ar': 0.2}. `where` names the source in errors."""
    out: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, weight = part.partition("=")
        try:
            out[name.strip()] = float(weight) if sep else 1.0
        except ValueError:
            raise ConfigError(f"{where}: bad entry {part!r}: expected e.g. en=0.8,ar=0.2") from None
    return out


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    # Accept both a bare file and one with a [ragseed] table, like pyproject.toml's [tool.ragseed].
    section = data.get("tool", {}).get("ragseed", data.get("ragseed", data))
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [ragseed] must be a table")
    return dict(section)


def read_env(environ: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        field: environ[var] for field, var in ENV_VARS.items() if environ.get(var, "") != ""
    }
    if environ.get(LANGUAGES_VAR, "") != "":
        out["languages"] = parse_languages(environ[LANGUAGES_VAR], LANGUAGES_VAR)
    return out


class _Sources:
    """Where each setting came from, to name it as the user wrote it."""

    def __init__(
        self,
        file: Path | None,
        layers: Mapping[str, Mapping[str, Any]],
        flag_names: Mapping[str, str] | None,
    ) -> None:
        self.file, self.flag_names, self.profile = file, flag_names or {}, ""
        self.origin: dict[str, str] = {}
        for name, layer in layers.items():
            self.origin.update(dict.fromkeys(layer, name))

    def label(self, field: str, inline: bool = False) -> str:
        """`--num-users`, `RAGSEED_NUM_USERS`, `config file x.toml: num_users`; `inline` for a
        name inside a sentence."""
        origin = self.origin.get(field)
        if origin == "flag":
            return self.flag_names.get(field, field)
        if origin == "environment":
            return LANGUAGES_VAR if field == "languages" else ENV_VARS.get(field, field)
        if origin == "file":
            return f"{field} (config file {self.file})" if inline else (
                f"config file {self.file}: {field}"
            )  # fmt: skip
        if field in PROFILES.get(self.profile, {}):
            return f"{field} (profile {self.profile})" if inline else (
                f"profile {self.profile}: {field}"
            )  # fmt: skip
        return field

    def where(self, field: str) -> str:
        """The label and a colon, or nothing when it would only repeat the setting's name."""
        label = self.label(field)
        return "" if label == field else f"{label}: "


def _suggest(key: str) -> str:
    fields = list(Config.model_fields)
    by_flag = {flag.removeprefix("--"): f for f, flag in FLAGS.items()}
    # A flag's spelling (num_docs, num-docs) names its setting; else the nearest setting name.
    hit = by_flag.get(key.replace("_", "-")) or next(
        iter(difflib.get_close_matches(key.replace("-", "_"), fields, n=1)), None
    )
    return f": did you mean {hit}?" if hit else ""


def _describe(exc: ValidationError, sources: _Sources) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
        if not loc:
            # A rule across settings names them in its message: say where each came from.
            names = "|".join(sorted(Config.model_fields, key=len, reverse=True))
            parts.append(re.sub(rf"\b({names})\b", lambda m: sources.label(m[0], True), msg))
            continue
        if err["type"] == "extra_forbidden":
            where = f"config file {sources.file}" if sources.origin.get(loc[0]) == "file" else ""
            parts.append(f"{where + ': ' if where else ''}unknown setting {loc[0]}"
                         f"{_suggest(loc[0])}")  # fmt: skip
            continue
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        sub = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in loc[1:])
        parts.append(f"{sources.label(loc[0])}{sub}: {msg}{shown}")
    return "; ".join(parts)


def build_config(
    flags: Mapping[str, Any] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    flag_names: Mapping[str, str] | None = None,
) -> Config:
    """Merge profile < file < env < flags and validate. Raises ConfigError or SafetyError.

    flag_names: how errors name a setting given in `flags` (the CLI passes FLAGS); by default,
    by its field name, as a library caller wrote it."""
    environ = os.environ if environ is None else environ
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    file_values = read_file(config_file) if config_file else {}
    env_values = read_env(environ)

    layers = {"file": file_values, "environment": env_values, "flag": flags}
    sources = _Sources(config_file, layers, flag_names)

    environment = (
        flags.get("environment")
        or env_values.get("environment")
        or file_values.get("environment", "development")
    )
    if environment == "production":
        raise SafetyError(
            "refusing to seed: the environment is production. ragseed only seeds development, "
            "testing, staging and demo databases."
        )
    if environment not in ENVIRONMENTS:
        raise ConfigError(
            f"{sources.where('environment')}unknown environment {environment!r}: use one of "
            f"{', '.join(ENVIRONMENTS[:-1])}"
        )
    profile = (
        flags.get("profile")
        or env_values.get("profile")
        or file_values.get("profile")
        or DEFAULT_PROFILE_FOR_ENV.get(str(environment), "development")
    )
    if profile not in PROFILES:
        raise ConfigError(
            f"{sources.where('profile')}unknown profile {profile!r}: use one of "
            f"{', '.join(PROFILES)}"
        )
    sources.profile = profile

    merged: dict[str, Any] = {**PROFILES[profile], **file_values, **env_values, **flags}
    merged["environment"], merged["profile"] = environment, profile
    try:
        return Config(**merged)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, sources)) from None
