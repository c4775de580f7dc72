"""A document's layout (status, language, topic, type, chunk count, times), drawn from its stream.

The body of ``Plan.layout``, kept here so that it is compiled with the generator (see setup.py):
a plan decides 117,648 layouts for a million chunks, and interpreted, they took a tenth of the
generation time.
"""

from __future__ import annotations

from itertools import accumulate
from typing import TYPE_CHECKING

from . import rng as R
from .documents import (
    BOILERPLATE_POOL,
    EXTENSIONS,
    EXTRACTABLE,
    FILE_TYPES,
    HOUR,
    PENDING_STATUSES,
    SHARED_TEXTS,
    TOPICS,
    DocLayout,
    extractable,
    split_static,
)

if TYPE_CHECKING:
    from .plan import Plan


def doc_layout(plan: Plan, u: int, d: int, user_created: int) -> DocLayout:
    cfg = plan.config
    seed: int = cfg.seed
    rng = R.stream(seed, "doc", u, d)
    created = user_created + 2 * HOUR + d * 6 * HOUR + int(rng.random() * 5 * HOUR)
    statics = plan.static_docs(u)
    if d < len(statics):
        doc = statics[d]
        size = len(doc.content.encode())
        ext = doc.filename.rsplit(".", 1)[-1].lower()
        if not extractable(doc.filename, doc.content_type):
            return DocLayout(
                u, d, R.uuid_for(seed, "document", u, d), "failed", doc.language, "static",
                ext, 0, (), created, created + 2, size, doc,
            )  # fmt: skip
        n = len(split_static(doc.content, cfg.chunk_tokens))
        return DocLayout(
            u, d, R.uuid_for(seed, "document", u, d), "indexed", doc.language, "static",
            ext, n, (), created, created + 20, size, doc,
        )  # fmt: skip
    roll = rng.random()
    failed_share: float = cfg.failed_share
    if roll < failed_share:
        status = "failed"
    elif roll < failed_share + cfg.pending_share:
        status = PENDING_STATUSES[R.below(rng, len(PENDING_STATUSES))]
    else:
        status = "indexed"
    weights: dict[str, float] = cfg.languages
    langs = sorted(weights)  # never the dict's order: configs from JSON reorder keys
    lang = R.weighted(rng, langs, list(accumulate(weights[x] for x in langs)))
    topic = TOPICS[R.below(rng, len(TOPICS))]
    shared = R.below(rng, SHARED_TEXTS) if rng.random() < cfg.shared_doc_share else None
    same_name = d > len(statics) and rng.random() < cfg.same_name_share
    ext = R.weighted(rng, EXTENSIONS, plan.extension_weights)
    if same_name:  # a re-upload of the previous file: its type too
        ext = doc_layout(plan, u, d - 1, user_created).ext
    if status == "indexed" and ext not in EXTRACTABLE:
        status = "failed"  # the engine's extractor rejects the type (tenant.document_row)
    n = min(cfg.max_chunks, max(cfg.min_chunks, R.poisson(rng, cfg.chunk_lambda)))
    # Randomised rounding keeps the boilerplate share close to the target even in small seeds.
    want = n * cfg.boilerplate_share
    k = min(n - 1, int(want) + (rng.random() < want - int(want)))
    boiler = tuple(R.sample(rng, range(BOILERPLATE_POOL), k)) if k > 0 else ()
    _, _, per_chunk, sigma = FILE_TYPES[ext]
    size = max(200, int(n * per_chunk * (2.718281828 ** R.gauss(rng, 0, sigma))))
    if status == "indexed":
        updated = created + 5 + int(rng.random() * 8 * n)
    elif status == "failed":
        updated = created + 2 + int(rng.random() * 30)
    else:
        updated = created
    indexed = status == "indexed"
    return DocLayout(
        u, d, R.uuid_for(seed, "document", u, d), status, lang, topic, ext,
        n if indexed else 0, boiler if indexed else (),
        created, updated, size, None, shared, same_name,
    )  # fmt: skip
