"""A tenant's rows are what RAG Engine Mini's own indexer would have written (docs/engine.md):
only extractable uploads are indexed, triplets sit on parent chunks, chunk_context is the
document's summary. Properties over seeds and schemas (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ragseed.core.config import build_config
from ragseed.core.documents import EXTRACTABLE, extractable
from ragseed.core.plan import Features, Plan
from ragseed.core.rows import Clock, Rows
from ragseed.core.static import load_static
from ragseed.generate.tenant import tenant_rows

STATIC = load_static()
SEEDS = st.integers(0, 2**32)
FEATURES = st.builds(Features, parent_id=st.booleans(), chunk_context=st.booleans())


def _rows(seed: int, features: Features = Features(), **flags: object) -> Rows:
    cfg = build_config(
        {"environment": "testing", "seed": seed, "num_users": 4, "docs_per_user": 12,
         "languages": {"en": 0.5, "ar": 0.5}, **flags},
        environ={},
    )  # fmt: skip
    plan = Plan(cfg, STATIC, features)
    rows: Rows = {}
    for u in range(cfg.num_users):
        for table, batch in tenant_rows(plan, u, Clock(0)).items():
            rows.setdefault(table, []).extend(batch)
    return rows


@settings(max_examples=15, deadline=None)
@given(SEEDS)
def test_only_extractable_uploads_are_indexed(seed: int) -> None:
    rows = _rows(seed, unsupported_share=0.3)
    with_chunks = {r[0] for r in rows["document_chunks"]}
    unsupported = 0
    for doc_id, _u, filename, ctype, _p, _s, _h, status, error, *_ in rows["documents"]:
        if status == "indexed":
            assert extractable(filename, ctype), filename
            assert doc_id in with_chunks
        else:
            assert doc_id not in with_chunks, "only indexed documents have chunks"
        if not extractable(filename, ctype):
            unsupported += 1
            assert status != "indexed"
            if status == "failed":
                ext = filename.rsplit(".", 1)[-1]
                assert error == f"Unsupported file type: {ext}. Allowed: pdf, docx, txt"
    assert unsupported > 0, "a realistic mix keeps uploads the engine cannot read"


def test_the_type_mix_follows_unsupported_share() -> None:
    for share in (0.0, 0.5):
        rows = _rows(7, unsupported_share=share, docs_per_user=50)
        names = [r[2] for r in rows["documents"]]
        bad = sum(name.rsplit(".", 1)[-1] not in EXTRACTABLE for name in names) / len(names)
        assert abs(bad - share) < 0.12, (share, bad)


@settings(max_examples=15, deadline=None)
@given(SEEDS, FEATURES)
def test_triplets_sit_on_the_parent_chunk(seed: int, features: Features) -> None:
    rows = _rows(seed, features)
    chunks = {c[0]: c for c in rows["chunk_store"]}
    parent_of = {c[0]: c[4] for c in rows["chunk_store"]}
    doc_chunks: dict[str, set[str]] = {}
    for doc, _ord, cid in rows["document_chunks"]:
        doc_chunks.setdefault(str(doc), set()).add(str(cid))
    assert rows["graph_triplets"]
    for _user, doc, cid, subject, _rel, obj, _at in rows["graph_triplets"]:
        assert parent_of[cid] is None, "a chunk with a parent never carries the triplet"
        mine = doc_chunks[doc]
        assert cid in mine or any(parent_of[c] == cid for c in mine)
        assert subject in chunks[cid][3] and obj in chunks[cid][3]
    if features.parent_id:
        parents = {p for p in parent_of.values() if p is not None}
        assert parents & {t[2] for t in rows["graph_triplets"]}, "facts extracted from parents"


@settings(max_examples=15, deadline=None)
@given(SEEDS)
def test_chunk_context_is_one_summary_per_document(seed: int) -> None:
    rows = _rows(seed)
    context = {c[0]: c[5] for c in rows["chunk_store"]}
    parent_of = {c[0]: c[4] for c in rows["chunk_store"]}
    users: dict[str, int] = {}
    for _doc, _ord, cid in rows["document_chunks"]:
        users[cid] = users.get(cid, 0) + 1
    per_doc: dict[str, set[str]] = {}
    for doc, _ord, cid in rows["document_chunks"]:
        if users[cid] == 1:  # a shared chunk keeps the context of the document that stored it
            per_doc.setdefault(str(doc), set()).add(str(context[cid]))
            parent = parent_of[cid]
            if parent is not None:
                per_doc[str(doc)].add(str(context[parent]))
    assert per_doc
    for summaries in per_doc.values():
        assert len(summaries) == 1
        (text,) = summaries
        sentences = [s for s in text.replace("؟", ".").split(". ") if s.strip()]
        assert 1 <= len(sentences) <= 2 and len(text) < 600, text
    assert len({next(iter(s)) for s in per_doc.values()}) > len(per_doc) // 2


def test_without_the_column_there_is_no_context() -> None:
    rows = _rows(1, Features(chunk_context=False))
    assert {c[5] for c in rows["chunk_store"]} == {None}
