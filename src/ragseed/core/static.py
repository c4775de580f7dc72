"""The hybrid strategy's static half: reference users and documents from JSON files.

The files ship with the package (ragseed/seed_data); --static-dir points at your own. A malformed
file is reported with its path and the offending field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .errors import ConfigError

T = TypeVar("T")


class StaticUser(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    email: str = Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    # 8 to 36 characters: the engine accepts keys of 8 or more, and under --tenant-ids api-key
    # the key is users.id, a varchar(36).
    api_key: str = Field(min_length=8, max_length=36, pattern=r"^\S+$")
    role: Literal["admin", "user"] = "user"


class StaticDocument(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    owner: str
    filename: str = Field(min_length=1, max_length=512)
    content_type: str = Field(min_length=3, max_length=128)
    language: Literal["en", "ar"] = "en"
    title: str = Field(min_length=1, max_length=256)
    content: str = Field(min_length=1)


@dataclass(frozen=True)
class StaticData:
    users: tuple[StaticUser, ...]
    documents: tuple[StaticDocument, ...]

    def documents_of(self, email: str) -> tuple[StaticDocument, ...]:
        return tuple(d for d in self.documents if d.owner == email)


def _read(path: Path | None, name: str) -> tuple[str, object]:
    if path is None:
        ref = resources.files("ragseed").joinpath("seed_data", name)
        return f"ragseed/seed_data/{name}", json.loads(ref.read_text(encoding="utf-8"))
    file = path / name
    try:
        return str(file), json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"static file {file} does not exist (check --static-dir)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"static file {file} is not valid JSON: {exc}") from None


def _validate(adapter: TypeAdapter[list[T]], where: str, data: object) -> list[T]:
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise ConfigError(
            f"static file {where}: field {loc.lstrip('.') or '(top level)'}: {err['msg']}"
        ) from None


def load_static(static_dir: Path | None = None) -> StaticData:
    where_u, raw_users = _read(static_dir, "users.json")
    users = _validate(TypeAdapter(list[StaticUser]), where_u, raw_users)
    where_d, raw_docs = _read(static_dir, "documents.json")
    docs = _validate(TypeAdapter(list[StaticDocument]), where_d, raw_docs)
    emails = [u.email for u in users]
    for field, values in (("email", emails), ("api_key", [u.api_key for u in users])):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            raise ConfigError(f"static file {where_u}: duplicate {field} {dupes[0]!r}")
    for i, doc in enumerate(docs):
        if doc.owner not in emails:
            raise ConfigError(
                f"static file {where_d}: field [{i}].owner: {doc.owner!r} is not a user in "
                f"{where_u}"
            )
    return StaticData(tuple(users), tuple(docs))


NO_STATIC = StaticData((), ())
