"""`ragseed report`: the figures of `ragseed verify` as one self-contained HTML page (or JSON).

Every number comes from `ragseed.verify.run`'s checks: this package only selects and draws them.
`figures(report)` is the JSON document (docs/report.md describes its schema); `html.render`
draws it with matplotlib as inline SVG (the `ragseed[report]` extra): no script, no network.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.errors import ConfigError
from ..verify.report import Check, Report

__all__ = ["DEFAULT_SAMPLE", "SCHEMA_VERSION", "figures", "poisson_clipped", "write"]

SCHEMA_VERSION = 1
#: turns the per-turn checks read when no sample is given: a large seed stays under a minute
DEFAULT_SAMPLE = 2_000
#: above this many chunks the whole-table integrity scans are left to `ragseed verify`
SCAN_LIMIT = 250_000
RECALL_PATHS = ("keyword", "vector", "hybrid")


def _get(report: Report, prefix: str) -> Check | None:
    for c in report.checks:
        if c.name.startswith(prefix):
            return c
    return None


def _figs(report: Report, prefix: str) -> dict[str, Any]:
    c = _get(report, prefix)
    return dict(c.figures) if c is not None else {}


def poisson_clipped(lam: float, lo: int, hi: int) -> dict[int, float]:
    """P(n) for n in [lo, hi] of min(hi, max(lo, Poisson(lam))), as core/layout.py draws it."""
    pmf: dict[int, float] = {}
    below = 0.0
    p = math.exp(-lam)  # P(0)
    for n in range(hi):
        if n <= lo:
            below += p
        else:
            pmf[n] = p
        p *= lam / (n + 1)
    pmf[lo] = below if lo < hi else 1.0
    pmf[hi] = max(0.0, 1.0 - sum(pmf.values())) if lo < hi else pmf[lo]
    return dict(sorted(pmf.items()))


def _recall(report: Report) -> dict[str, Any]:
    """{path: {"form/lang": recall}} from the retrieval checks, plus HNSW overlap."""
    out: dict[str, dict[str, float | None]] = {p: {} for p in RECALL_PATHS}
    k: int | None = None
    for c in report.checks:
        if c.group != "retrieval" or c.status == "skip":
            continue
        name = c.name
        if name.startswith("keyword recall@") and "(" in name:
            lang = name.split("(")[1].rstrip(")")
            out["keyword"][f"keyword/{lang}"] = c.figures.get("recall")
            k = int(name.split("@")[1].split()[0])
        elif name.startswith("natural recall@"):
            for lang, f in c.figures.items():
                if isinstance(f, dict) and f.get("turns"):
                    out["keyword"][f"natural/{lang}"] = f.get("recall")
        elif name.startswith(("vector recall@", "hybrid recall@")) and "(" in name:
            path = name.split()[0]
            form, lang = name.split("(")[1].rstrip(")").split(", ")
            out[path][f"{form}/{lang}"] = c.figures.get("recall")
    hnsw = _figs(report, "HNSW against exact search")
    return {
        "k": k,
        "paths": {p: dict(sorted(v.items())) for p, v in out.items() if v},
        "hnsw_overlap": hnsw.get("overlap"),
        "hybrid_k": 8 if out["hybrid"] else None,
    }


def figures(report: Report) -> dict[str, Any]:
    """The report's JSON document: header, one entry per chart, the integrity list, notes."""
    chunks = _figs(report, "chunks per document")
    lam, lo, hi = chunks.get("chunk_lambda"), chunks.get("min_chunks"), chunks.get("max_chunks")
    expected = (
        {n: round(p, 6) for n, p in poisson_clipped(float(lam), int(lo), int(hi)).items()}
        if lam is not None and lo is not None and hi is not None
        else {}
    )
    status = _figs(report, "status mix")
    langs = _figs(report, "language mix")
    tokens = _figs(report, "tokens vs text length")
    per_chunk = _figs(report, "tokens per chunk")
    notes = list(report.notes)
    chunk_sample = bool(per_chunk) and per_chunk.get("measured", 0) < per_chunk.get("chunks", 0)
    if chunk_sample:
        notes.append(
            f"tokens per chunk measured on {per_chunk['measured']:,} of "
            f"{per_chunk['chunks']:,} chunks (the first by id)"
        )
    return {
        "schema": SCHEMA_VERSION,
        "header": {
            "seed": report.seed,
            "profile": report.profile,
            "config_hash": report.config_hash,
            "fingerprint": report.fingerprint,
            "ragseed_version": report.ragseed_version,
            "seeded_by": report.seeded_by,
            "database": report.database,
            "dialect": report.dialect,
            "complete": report.complete,
            "turns_checked": report.turns_checked,
            "turns_total": report.turns_total,
            "sampled": report.turns_checked < report.turns_total
            or chunk_sample
            or any(c.status == "skip" and c.summary.startswith("not run:") for c in report.checks),
            "ok": report.ok,
        },
        "rows_per_table": _figs(report, "rows per table"),
        "chunks_per_document": {
            "histogram": chunks.get("histogram", {}),
            "documents": chunks.get("documents", 0),
            "mean": chunks.get("mean"),
            "lambda": lam,
            "min": lo,
            "max": hi,
            "expected_share": expected,
        },
        "tokens_per_chunk": per_chunk,
        "documents": {
            "by_status": status.get("by_status", {}),
            "by_content_type": _figs(report, "document types").get("by_content_type", {}),
            "by_language": {k: v for k, v in langs.items() if isinstance(v, dict)},
        },
        "shares": {
            "boilerplate": _figs(report, "boilerplate share"),
            "dedup": _figs(report, "dedup"),
        },
        "tenants_by_size": _figs(report, "tenants by size").get("histograms", {}),
        "latencies": _figs(report, "latency"),
        "tokens": tokens,
        "recall": _recall(report),
        "checks": [
            {"group": c.group, "name": c.name, "status": c.status, "summary": c.summary}
            for c in report.checks
        ],
        "notes": notes,
    }


def write(
    config: Config, out: Path, *, as_json: bool = False, sample: int | None = None
) -> dict[str, Any]:
    """Verify the database, then write the report (HTML, or JSON when as_json) to out. Returns
    the figures. sample: turns the per-turn checks read (default DEFAULT_SAMPLE; all when the
    seed has fewer)."""
    from .. import verify

    render: Callable[[dict[str, Any]], str] | None = None
    if not as_json:  # fail before the checks run when the extra is missing
        from .html import render  # raises ConfigError without the extra

    out = Path(out)
    if not out.parent.is_dir():
        raise ConfigError(f"--out {out}: the directory {out.parent} does not exist")
    report = verify.run(config, sample=sample or DEFAULT_SAMPLE, scan_limit=SCAN_LIMIT)
    data = figures(report)
    if as_json:
        body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False) + "\n"
    else:
        assert render is not None
        body = render(data)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(out)
    return data
