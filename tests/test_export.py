"""`ragseed export-eval`: BEIR and Ragas-style files that are deterministic and consistent with the
database they came from."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ragseed import api
from ragseed.core.errors import ConfigError, LedgerError
from ragseed.export import export_eval

from .conftest import make_config
from .dbutil import dump

FILES = ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv", "eval.jsonl")


def _read(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in FILES if (out / name).exists()}


def _jsonl(data: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in data.decode().splitlines()]


def test_export_is_deterministic_and_matches_the_database(db_url: str, tmp_path: Path) -> None:
    cfg = make_config(db_url, num_users=4, docs_per_user=5, empty_tenants=1)
    api.seed(cfg)
    first = export_eval(cfg, tmp_path / "a", "both")
    export_eval(cfg, tmp_path / "b", "both")
    a, b = _read(tmp_path / "a"), _read(tmp_path / "b")
    assert set(a) == set(FILES) and a == b, "two exports of one seed must be byte-identical"

    rows = dump(db_url)
    turns = {t[0]: t for t in rows["chat_turns"]}
    chunks = {c[0]: c for c in rows["chunk_store"]}
    corpus = _jsonl(a["corpus.jsonl"])
    assert [c["_id"] for c in corpus] == sorted(chunks)
    assert all(c["text"] == chunks[c["_id"]][3] and c["title"] for c in corpus)
    queries = _jsonl(a["queries.jsonl"])
    # every turn with sources is a query; the empty tenant's turns (no sources) are skipped
    with_sources = {tid for tid, t in turns.items() if t[5]}
    assert {q["_id"] for q in queries} == with_sources and len(queries) == first.queries
    assert first.skipped == len(turns) - len(with_sources) > 0
    for q in queries:
        turn = turns[q["_id"]]
        assert q["text"] == turn[3] and q["metadata"]["user_id"] == turn[2]
        assert q["metadata"]["form"] in ("keyword", "natural")
        assert q["metadata"]["language"] in ("en", "ar")
    lines = a["qrels/test.tsv"].decode().splitlines()
    assert lines[0] == "query-id\tcorpus-id\tscore"
    qrels = [line.split("\t") for line in lines[1:]]
    assert len(qrels) == first.qrels and all(score == "1" for _, _, score in qrels)
    corpus_ids = {c["_id"] for c in corpus}
    for qid, cid, _ in qrels:
        assert cid in corpus_ids and cid in turns[qid][5]
        assert chunks[cid][1] == turns[qid][2], "a relevant chunk belongs to the asker"

    evals = _jsonl(a["eval.jsonl"])
    assert [e["id"] for e in evals] == [q["_id"] for q in queries]
    for e in evals:
        turn = turns[e["id"]]
        assert (e["user_input"], e["reference"], e["user_id"]) == (turn[3], turn[4], turn[2])
        assert e["retrieved_context_ids"] == turn[5]
        n = len(e["reference_context_ids"])
        assert n in (1, 2) and e["reference_context_ids"] == turn[5][:n]
        assert e["reference_contexts"] == [chunks[c][3] for c in e["reference_context_ids"]]
    assert sum(len(e["reference_context_ids"]) for e in evals) == first.qrels


@pytest.mark.postgres
def test_both_backends_export_the_same_bytes(sqlite_url: str, pg_url: str, tmp_path: Path) -> None:
    outs = []
    for url in (sqlite_url, pg_url):
        cfg = make_config(url, num_users=4, languages={"en": 0.5, "ar": 0.5})
        api.seed(cfg)
        export_eval(cfg, tmp_path / url.split(":")[0], "both")
        outs.append(_read(tmp_path / url.split(":")[0]))
    assert outs[0] == outs[1]


def test_formats_and_errors(sqlite_url: str, tmp_path: Path) -> None:
    cfg = make_config(sqlite_url)
    with pytest.raises(ConfigError, match="format"):
        export_eval(cfg, tmp_path / "x", "csv")
    api.init(cfg)
    with pytest.raises(LedgerError, match="not seeded"):
        export_eval(cfg, tmp_path / "x", "beir")
    api.seed(cfg)
    export_eval(cfg, tmp_path / "beir", "beir")
    assert set(_read(tmp_path / "beir")) == set(FILES) - {"eval.jsonl"}
    export_eval(cfg, tmp_path / "jsonl", "jsonl")
    assert set(_read(tmp_path / "jsonl")) == {"eval.jsonl"}
    assert not list(tmp_path.rglob("*.tmp"))


def test_cli_export_eval(sqlite_url: str, tmp_path: Path) -> None:
    api.seed(make_config(sqlite_url))
    out = tmp_path / "eval"
    res = subprocess.run(
        [sys.executable, "-m", "ragseed", "export-eval", "--out", str(out),
         "--database-url", sqlite_url, "--format", "beir"],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "queries" in res.stdout and (out / "qrels" / "test.tsv").exists()
    assert not (out / "eval.jsonl").exists()
