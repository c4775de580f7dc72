"""Vectors in Qdrant, for real through qdrant-client: local mode always, and a server too where
RAGSEED_TEST_QDRANT_URL names one. The engine's layout, the after-commit contract (a SIGKILL
between the commit and the upserts is repaired by the next run), reset, top-ups and shards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("qdrant_client")

from ragseed import api
from ragseed.core.errors import SchemaError

from .conftest import make_config
from .dbutil import scalar

SMALL = dict(num_users=4, docs_per_user=4, sessions_per_user=2, turns_per_session=2)
SERVER = os.environ.get("RAGSEED_TEST_QDRANT_URL")


@pytest.fixture(params=["local", "server"])
def qdrant(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(--vectors spec, collection): a local-mode folder, or a fresh collection on a server."""
    if request.param == "local":
        yield f"qdrant:{tmp_path / 'qdrant'}", "chunks"
        return
    if not SERVER:
        pytest.skip("no Qdrant server: set RAGSEED_TEST_QDRANT_URL=http://host:6333 to run this")
    collection = f"ragseed_test_{uuid.uuid4().hex[:12]}"
    yield f"qdrant:{SERVER}", collection
    from ragseed.vectors.qdrant import connect

    client = connect(f"qdrant:{SERVER}")
    client.delete_collection(collection)
    client.close()


def _points(spec: str, collection: str) -> dict[str, tuple[dict[str, Any], bytes]]:
    from array import array

    from ragseed.vectors.qdrant import connect

    client = connect(spec)
    try:
        out: dict[str, tuple[dict[str, Any], bytes]] = {}
        offset = None
        while True:
            batch, offset = client.scroll(
                collection, limit=1000, offset=offset, with_payload=True, with_vectors=True
            )
            for p in batch:
                out[str(p.id)] = (dict(p.payload or {}), array("f", p.vector).tobytes())
            if offset is None:
                return out
    finally:
        client.close()


def _sqlite_vectors(url: str) -> dict[str, tuple[dict[str, Any], bytes]]:
    """The same seed's vectors from --vectors sqlite, as points (the reference)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT chunk_id, user_id, document_id, embedding FROM chunk_embeddings")
        ).all()
    engine.dispose()
    return {str(c): ({"tenant_id": u, "document_id": d}, bytes(v)) for c, u, d, v in rows}


def _cosine_close(a: dict[str, tuple[dict[str, Any], bytes]], b: dict[str, Any]) -> bool:
    """Same ids and payloads; vectors equal up to float32 rounding (Qdrant normalizes for
    COSINE, and our vectors are unit norm already)."""
    from array import array

    if a.keys() != b.keys():
        return False
    for k, (payload, vec) in a.items():
        other_payload, other_vec = b[k]
        if payload != other_payload:
            return False
        x, y = array("f", vec), array("f", other_vec)
        if len(x) != len(y) or max(abs(p - q) for p, q in zip(x, y, strict=True)) > 1e-5:
            return False
    return True


def test_every_used_chunk_gets_one_point_in_the_engine_layout(
    sqlite_url: str, tmp_path: Path, qdrant: tuple[str, str]
) -> None:
    spec, collection = qdrant
    cfg = make_config(sqlite_url, **SMALL, vectors=spec, collection=collection)
    result = api.seed(cfg)
    reference = f"sqlite:///{tmp_path / 'ref.db'}"
    ref = api.seed(make_config(reference, **SMALL, vectors="sqlite"))
    points = _points(spec, collection)
    used = scalar(sqlite_url, "SELECT count(DISTINCT chunk_id) FROM document_chunks")
    assert result.counts["qdrant_points"] == used == len(points) > 0
    assert all(set(p) == {"tenant_id", "document_id"} for p, _ in points.values())
    assert _cosine_close(points, _sqlite_vectors(reference))
    assert result.fingerprint == ref.fingerprint, "the same vectors, the same fingerprint"
    from ragseed.vectors.qdrant import connect

    client = connect(spec)
    params = client.get_collection(collection).config.params.vectors
    client.close()
    assert (
        params.distance.value == "Cosine" and params.size == len(points[next(iter(points))][1]) // 4
    )
    assert scalar(sqlite_url, "SELECT status FROM ragseed_vector_sync") == "complete"
    report = api.verify(cfg)
    check = report.get("vector consistency")
    assert check.status == "pass", check.summary
    again = api.seed(cfg)
    assert again.skipped and "qdrant_points" not in again.counts
    plain = make_config(sqlite_url, **SMALL)  # the store and collection from the ledger
    assert api.verify(plain).get("vector consistency").status == "pass"
    from qdrant_client import models

    client = connect(spec)
    client.delete(collection, points_selector=models.PointIdsList(points=[next(iter(points))]))
    client.close()
    broken = api.verify(cfg).get("vector consistency")
    assert broken.status == "fail" and "without_point" in broken.summary, broken.summary


def test_another_size_or_distance_is_refused_before_anything_is_written(
    sqlite_url: str, qdrant: tuple[str, str]
) -> None:
    from qdrant_client import models

    from ragseed.vectors.qdrant import connect

    spec, collection = qdrant
    client = connect(spec)
    client.create_collection(
        collection, vectors_config=models.VectorParams(size=3, distance=models.Distance.DOT)
    )
    client.close()
    with pytest.raises(SchemaError, match="size 3") as err:
        api.seed(make_config(sqlite_url, **SMALL, vectors=spec, collection=collection))
    assert "\n" not in str(err.value)
    from sqlalchemy import create_engine, inspect

    engine = create_engine(sqlite_url)
    with engine.connect() as conn:
        assert "users" not in inspect(conn).get_table_names(), "nothing was written"
    engine.dispose()
    assert _points(spec, collection) == {}


def test_reset_removes_only_the_points_of_its_tenants(
    sqlite_url: str, qdrant: tuple[str, str]
) -> None:
    from qdrant_client import models

    from ragseed.vectors.qdrant import connect

    spec, collection = qdrant
    api.seed(make_config(sqlite_url, **SMALL, vectors=spec, collection=collection))
    dim = len(next(iter(_points(spec, collection).values()))[1]) // 4
    foreign = str(uuid.uuid4())
    client = connect(spec)
    client.upsert(
        collection,
        points=[
            models.PointStruct(
                id=foreign, vector=[1.0] + [0.0] * (dim - 1),
                payload={"tenant_id": "someone-else", "document_id": "x"},
            )
        ],
    )  # fmt: skip
    client.close()
    small = {**SMALL, "num_users": 2, "seed": 7}
    api.seed(make_config(sqlite_url, **small, vectors=spec, collection=collection, reset=True))
    points = _points(spec, collection)
    assert foreign in points, "a point of another tenant of the shared collection stays"
    users = {str(u) for u in _column(sqlite_url, "SELECT id FROM users")}
    tenants = {p["tenant_id"] for p, _ in points.values()} - {"someone-else"}
    assert tenants <= users and len(users) == 2
    used = scalar(sqlite_url, "SELECT count(DISTINCT chunk_id) FROM document_chunks")
    assert len(points) == used + 1


def test_top_ups_and_shards_add_exactly_the_missing_points(
    sqlite_url: str, tmp_path: Path, qdrant: tuple[str, str]
) -> None:
    spec, collection = qdrant
    api.seed(make_config(sqlite_url, **SMALL, vectors=spec, collection=collection))
    grown_cfg = make_config(
        sqlite_url, **{**SMALL, "num_users": 6}, vectors=spec, collection=collection
    )
    grown = api.seed(grown_cfg)
    assert grown.action == "top-up"
    reference = f"sqlite:///{tmp_path / 'ref.db'}"
    full = api.seed(make_config(reference, **{**SMALL, "num_users": 6}, vectors="sqlite"))
    assert _cosine_close(_points(spec, collection), _sqlite_vectors(reference))
    assert grown.fingerprint == full.fingerprint
    sharded = f"sqlite:///{tmp_path / 'sharded.db'}"
    other = collection + "_sharded"
    for k in (1, 0):
        cfg = make_config(sharded, **{**SMALL, "num_users": 6}, vectors=spec, collection=other)
        api.seed(cfg, shard=api.Shard(k, 2))
    try:
        assert _cosine_close(_points(spec, other), _sqlite_vectors(reference))
    finally:
        if spec.startswith("qdrant:http"):
            from ragseed.vectors.qdrant import connect

            client = connect(spec)
            client.delete_collection(other)
            client.close()


def test_concurrent_shard_processes_share_the_store(pg_url: str, qdrant: tuple[str, str]) -> None:
    """Shards in processes at once, on PostgreSQL: each writes its tenants after its commit
    (local mode: one client at a time, the others wait for the folder)."""
    spec, collection = qdrant
    cfg = make_config(pg_url, **SMALL, vectors=spec, collection=collection)
    result = api.seed(cfg, workers=2)
    used = scalar(pg_url, "SELECT count(DISTINCT chunk_id) FROM document_chunks")
    assert len(_points(spec, collection)) == used == result.counts["qdrant_points"]
    assert api.verify(cfg).get("vector consistency").status == "pass"
    statuses = _column(pg_url, "SELECT status FROM ragseed_vector_sync")
    assert statuses == ["complete", "complete"]


def test_api_key_tenants_name_the_key_and_ids_stay_uuids(
    sqlite_url: str, qdrant: tuple[str, str]
) -> None:
    spec, collection = qdrant
    cfg = make_config(sqlite_url, **SMALL, vectors=spec, collection=collection,
                      tenant_ids="api-key")  # fmt: skip
    api.seed(cfg)
    points = _points(spec, collection)
    keys = {str(k) for k in _column(sqlite_url, "SELECT api_key FROM users")}
    assert {p["tenant_id"] for p, _ in points.values()} <= keys
    assert all(uuid.UUID(pid) for pid in points)
    assert api.verify(cfg).get("vector consistency").status == "pass"


def test_a_pending_sync_row_is_repaired_refused_or_superseded(
    sqlite_url: str, qdrant: tuple[str, str]
) -> None:
    """What a run killed after the commit leaves, made by hand: a pending row and missing points.
    The same configuration repairs it; another is refused; --reset supersedes it."""
    from qdrant_client import models

    from ragseed.core.errors import LedgerError
    from ragseed.vectors.qdrant import connect

    from .dbutil import execute

    spec, collection = qdrant
    cfg = make_config(sqlite_url, **SMALL, vectors=spec, collection=collection)
    api.seed(cfg)
    full = _points(spec, collection)
    client = connect(spec)
    gone = sorted(full)[::2]
    client.delete(collection, points_selector=models.PointIdsList(points=gone))
    client.close()
    execute(sqlite_url, "UPDATE ragseed_vector_sync SET status = 'vectors-pending'")
    again = api.seed(cfg)
    assert again.skipped and _points(spec, collection).keys() == full.keys()
    assert any(f"{len(full):,} points upserted again" in n for n in again.notes), again.notes
    assert scalar(sqlite_url, "SELECT status FROM ragseed_vector_sync") == "complete"
    execute(sqlite_url, "UPDATE ragseed_vector_sync SET status = 'vectors-pending'")
    grown = make_config(
        sqlite_url, **{**SMALL, "num_users": 5}, vectors=spec, collection=collection
    )
    with pytest.raises(LedgerError, match="re-run it to repair them, or add --reset"):
        api.seed(grown)
    api.seed(grown.model_copy(update={"reset": True}))
    statuses = _column(sqlite_url, "SELECT status FROM ragseed_vector_sync ORDER BY created_at")
    assert statuses == ["superseded", "complete"]


def test_local_mode_warns_above_its_size(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ragseed.vectors import qdrant as store

    monkeypatch.setattr(store, "LOCAL_WARN_POINTS", 10)
    result = api.seed(make_config(sqlite_url, **SMALL, vectors=f"qdrant:{tmp_path / 'q'}"))
    assert any("local mode" in n for n in result.notes), result.notes


def test_the_ledger_redacts_the_store_password() -> None:
    from ragseed.core.config import redact_store

    assert (
        redact_store("qdrant:https://user:secret@host:6333") == "qdrant:https://user:***@host:6333"
    )
    assert "k3y" not in redact_store("qdrant:http://host:6333/?api_key=k3y")


def _column(url: str, sql: str) -> list[object]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        out = [r[0] for r in conn.execute(text(sql))]
    engine.dispose()
    return out


CRASH = dict(num_users=40, docs_per_user=6, sessions_per_user=1, turns_per_session=1)


@pytest.mark.slow
def test_sigkill_between_the_commit_and_the_upserts_is_repaired_by_the_next_run(
    sqlite_url: str, qdrant: tuple[str, str]
) -> None:
    spec, collection = qdrant
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ENVIRONMENT")}
    args = ["--num-users", "40", "--num-docs", "6", "--sessions", "1", "--turns", "1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ragseed", "seed", "--database-url", sqlite_url, "--env",
         "testing", "--quiet", "--vectors", spec, "--collection", collection, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while True:  # the relational transaction committed: its pending sync row is visible
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, "the seed never committed"
        try:
            if scalar(sqlite_url, "SELECT count(*) FROM ragseed_vector_sync"):
                break
        except Exception:
            pass  # the tables are not there yet
        time.sleep(0.01)
    if not spec.startswith("qdrant:http"):  # local mode: once the first points are on disk
        storage = Path(spec.removeprefix("qdrant:")) / "collection" / collection / "storage.sqlite"
        while not (storage.exists() and storage.stat().st_size > 64 * 1024):
            assert proc.poll() is None, "the seed ended before it was killed"
            time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    status = scalar(sqlite_url, "SELECT status FROM ragseed_vector_sync")
    assert status == "vectors-pending", "killed after the commit, before the upserts finished"
    used = scalar(sqlite_url, "SELECT count(DISTINCT chunk_id) FROM document_chunks")
    from qdrant_client.http.exceptions import UnexpectedResponse

    try:
        half = len(_points(spec, collection))
    except (ValueError, UnexpectedResponse):
        half = 0  # killed before the collection was made
    assert half < used
    if not spec.startswith("qdrant:http"):
        assert half > 0, "killed during the upserts"
    cfg = make_config(sqlite_url, **CRASH, vectors=spec, collection=collection)
    again = api.seed(cfg)
    assert again.skipped, "the rows are there: only the points are repaired"
    assert len(_points(spec, collection)) == used
    assert scalar(sqlite_url, "SELECT status FROM ragseed_vector_sync") == "complete"
    assert api.verify(cfg).get("vector consistency").status == "pass"
