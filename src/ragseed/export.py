"""`ragseed export-eval`: the seeded questions as a retrieval evaluation set.

Two layouts: BEIR (corpus.jsonl, queries.jsonl, qrels/test.tsv) and Ragas-style JSONL
(eval.jsonl). Ground truth comes from the plan the ledger records (which sources are relevant,
the question's form and language), the texts from the database. Rows are streamed in a fixed
order (corpus by chunk id, questions by tenant, session and turn), so two exports of one seed are
byte-identical.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .core.config import Config
from .core.errors import ConfigError
from .db.engine import transaction
from .run.identity import existing_url
from .verify import vectors
from .verify.seeded import (
    Seeded,
    TurnTruth,
    batched,
    load,
    read_only,
    truths,
    turn_keys,
)
from .verify.sql import Dialect, decode_sources, dialect_of

if TYPE_CHECKING:
    from sqlalchemy import Connection

FORMATS = ("beir", "jsonl", "both")
BATCH = 500
STREAM_ROWS = 2_000


@dataclass
class ExportSummary:
    out_dir: Path
    format: str
    files: list[Path] = field(default_factory=list)
    corpus: int = 0  # corpus rows (BEIR)
    queries: int = 0
    qrels: int = 0  # (query, relevant chunk) pairs
    skipped: int = 0  # turns without relevant sources (tenants with no indexed document)
    missing: int = 0  # planned turns not found in the database


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


@contextmanager
def _writer(path: Path, files: list[Path]) -> Iterator[IO[str]]:
    """Write to a temporary name and rename on success: no half-written file is left behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        yield fh
    os.replace(tmp, path)
    files.append(path)


def export_eval(config: Config, out_dir: Path, fmt: str = "both") -> ExportSummary:
    """Export the seeded questions of config.database_url into out_dir. Raises RagseedError
    subclasses (unreachable database, not seeded by ragseed, unknown format)."""
    from .db.target import inspect_target

    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    url = existing_url(config)
    summary = ExportSummary(Path(out_dir), fmt)
    try:
        summary.out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create {out_dir}: {exc.strerror}") from None
    with transaction(url, read_only=True) as conn:
        read_only(conn)
        seeded = load(conn, config)
        d = dialect_of(conn, inspect_target(conn, create=False))
        beir, jsonl = fmt in ("beir", "both"), fmt in ("jsonl", "both")
        if beir:
            with _writer(summary.out_dir / "corpus.jsonl", summary.files) as fh:
                summary.corpus = _corpus(conn, d, fh)
        with ExitStack() as stack:
            queries = qrels = ragas = None
            if beir:
                queries = stack.enter_context(
                    _writer(summary.out_dir / "queries.jsonl", summary.files)
                )
                qrels = stack.enter_context(
                    _writer(summary.out_dir / "qrels" / "test.tsv", summary.files)
                )
                qrels.write("query-id\tcorpus-id\tscore\n")
            if jsonl:
                ragas = stack.enter_context(_writer(summary.out_dir / "eval.jsonl", summary.files))
            for item in _questions(conn, seeded, summary, with_texts=jsonl):
                tr, row, relevant, texts = item
                meta = {"form": tr.form, "language": tr.lang, "user_id": row.user_id}
                if queries is not None and qrels is not None:
                    queries.write(_line({"_id": tr.id, "text": row.question, "metadata": meta}))
                    qrels.writelines(f"{tr.id}\t{c}\t1\n" for c in relevant)
                if ragas is not None:
                    ragas.write(_line({
                        "id": tr.id, "user_input": row.question, "reference": row.answer,
                        "reference_context_ids": relevant,
                        "reference_contexts": [texts.get(c, "") for c in relevant],
                        "retrieved_context_ids": decode_sources(row.sources),
                        "user_id": row.user_id, "form": tr.form, "language": tr.lang,
                    }))  # fmt: skip
                summary.queries += 1
                summary.qrels += len(relevant)
        if seeded.plan.config.vectors is not None and vectors.present(conn):
            _vectors(conn, d, seeded, summary)
        conn.rollback()
    return summary


def _vectors(conn: Connection, d: Dialect, seeded: Seeded, summary: ExportSummary) -> None:
    """The seeded vectors (vectors.jsonl: one per used chunk, with its tenant and document) and
    the questions embedded by the seed's embedder (query_vectors.jsonl), for evaluating the
    vector path outside the engine."""
    from sqlalchemy import text

    from .embedders import load

    cfg = seeded.plan.config
    with _writer(summary.out_dir / "vectors.jsonl", summary.files) as fh:
        rows = conn.execute(
            text(
                f"SELECT chunk_id, user_id, document_id, {vectors.column(d)} "
                f"FROM {vectors.TABLE} ORDER BY chunk_id"
            )
        )
        for cid, user, doc, vec in rows:
            fh.write(_line({"_id": cid, "tenant_id": user, "document_id": doc,
                            "vector": vectors.decode(vec)}))  # fmt: skip
    embedder = load(cfg.embedder, dim=cfg.dim)
    with _writer(summary.out_dir / "query_vectors.jsonl", summary.files) as fh:
        counted = ExportSummary(summary.out_dir, summary.format)  # counted once, above
        for batch in batched(_questions(conn, seeded, counted, with_texts=False), 256):
            embedded = embedder.embed_many([row.question for _, row, _, _ in batch])
            for (tr, _row, _rel, _texts), vec in zip(batch, embedded, strict=True):
                fh.write(_line({"_id": tr.id, "vector": list(vec)}))


def _corpus(conn: Connection, d: Dialect, fh: IO[str]) -> int:
    """Every chunk_store row, by id. Its title is that of the document it belongs to (the
    smallest document id when deduplication put it in several; a parent chunk's through its
    children): the document's '# ' heading when its first chunk has one, else its filename."""
    from sqlalchemy import text

    parent = (
        "UNION ALL SELECT c.parent_id, dc.document_id FROM chunk_store c "
        "JOIN document_chunks dc ON dc.chunk_id = c.id WHERE c.parent_id IS NOT NULL"
        if "parent_id" in d.chunk_columns
        else ""
    )
    sql = (
        f"WITH links AS (SELECT chunk_id, document_id FROM document_chunks {parent}), "
        f"owner AS (SELECT chunk_id, min({d.bytewise('document_id')}) AS document_id "
        "FROM links GROUP BY chunk_id) "
        f"SELECT c.id, c.user_id, c.text, d.filename, {d.first_line('h.text')} AS head "
        "FROM chunk_store c LEFT JOIN owner o ON o.chunk_id = c.id "
        "LEFT JOIN documents d ON d.id = o.document_id "
        "LEFT JOIN document_chunks hc ON hc.document_id = d.id AND hc.ord = 0 "
        f"LEFT JOIN chunk_store h ON h.id = hc.chunk_id ORDER BY {d.bytewise('c.id')}"
    )
    n = 0
    result = conn.execution_options(stream_results=True, yield_per=STREAM_ROWS).execute(text(sql))
    for batch in result.partitions():
        for cid, user_id, body, filename, head in batch:
            title = head[2:].strip() if head and head.startswith("# ") else (filename or "")
            fh.write(_line({"_id": cid, "title": title, "text": body,
                            "metadata": {"user_id": user_id}}))  # fmt: skip
            n += 1
    return n


def _questions(
    conn: Connection, seeded: Seeded, summary: ExportSummary, *, with_texts: bool
) -> Iterator[tuple[TurnTruth, Any, list[str], dict[str, str]]]:
    """(truth, turn row, relevant ids, texts of the relevant chunks) of every turn that has
    relevant sources, in plan order."""
    from sqlalchemy import bindparam, text

    turns_q = text(
        "SELECT id, user_id, question, answer, sources FROM chat_turns WHERE id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    texts_q = text("SELECT id, text FROM chunk_store WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    for batch in batched(truths(seeded.plan, turn_keys(seeded, None)), BATCH):
        rows = {r.id: r for r in conn.execute(turns_q, {"ids": [t.id for t in batch]})}
        relevant = {
            t.id: decode_sources(rows[t.id].sources)[: t.n_relevant]
            for t in batch
            if t.id in rows and t.n_relevant
        }
        texts: dict[str, str] = {}
        wanted = sorted({c for ids in relevant.values() for c in ids})
        if with_texts and wanted:
            texts = {str(i): str(body) for i, body in conn.execute(texts_q, {"ids": wanted})}
        for t in batch:
            if t.id not in rows:
                summary.missing += 1
            elif t.id not in relevant:
                summary.skipped += 1
            else:
                yield t, rows[t.id], relevant[t.id], texts
