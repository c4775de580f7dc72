"""`ragseed verify`: integrity, realism and retrieval checks of a seeded database.

`run(config)` returns a Report (pure data); the CLI renders it. Nothing is written: the checks run
in one transaction that is rolled back.
"""

from __future__ import annotations

from .. import __version__
from ..core.config import Config
from ..db import urls
from ..db.engine import transaction
from ..run.identity import existing_url
from . import integrity, realism, turns, vectors
from .report import Check, Report
from .seeded import load, read_only, turn_keys, turn_total
from .sql import count, dialect_of

__all__ = ["Check", "Report", "run"]


def _dim(config: Config) -> int:
    from ..embedders import load

    return int(load(config.embedder, dim=config.dim).dim)


def run(
    config: Config, *, sample: int | None = None, k: int | None = None,
    scan_limit: int | None = None,
) -> Report:  # fmt: skip
    """Verify the database config.database_url points at. Raises RagseedError subclasses when it
    cannot be reached or was not seeded by ragseed; failed checks are in the Report instead.

    sample: check this many turns (a deterministic sample) instead of all of them.
    k: depth of the keyword search (default: the seed's retrieval_k).
    scan_limit: above this many chunk_store rows, skip the integrity checks that scan whole
    tables (integrity.SCANS; listed as skipped, with a note) to bound the run's time.
    """
    from ..db.target import inspect_target

    url = existing_url(config)
    with transaction(url, read_only=True) as conn:
        read_only(conn)
        seeded = load(conn, config)
        d = dialect_of(conn, inspect_target(conn, create=False))
        cfg = seeded.plan.config
        depth = k or cfg.retrieval_k
        keys = turn_keys(seeded, sample)
        report = Report(
            database=urls.redact(url), dialect=d.name, seed=cfg.seed,
            profile=seeded.profile or cfg.profile, complete=seeded.complete,
            turns_checked=len(keys), turns_total=turn_total(seeded),
            config_hash=seeded.config_hash, fingerprint=seeded.fingerprint,
            seeded_by=seeded.tool_version, ragseed_version=__version__,
        )  # fmt: skip
        if not seeded.complete:
            report.notes.append(
                f"the seed is incomplete: {len(seeded.tenants):,} of {cfg.num_users:,} tenants "
                "are seeded (missing shards); their turns are not checked"
            )
        if report.turns_checked < report.turns_total:
            report.notes.append(
                f"per-turn checks ran on a sample of {report.turns_checked:,} of "
                f"{report.turns_total:,} turns"
            )
        chunks = count(conn, "SELECT count(*) FROM chunk_store")
        scans = scan_limit is None or chunks <= scan_limit
        if not scans:
            report.notes.append(
                f"whole-table integrity scans ({', '.join(integrity.SCANS)}) not run: "
                f"{chunks:,} chunks, over the limit of {scan_limit:,}; ragseed verify runs them"
            )
        report.checks += integrity.run(conn, d, scans=scans)
        report.checks += realism.run(conn, d, seeded)
        turn_checks, notes = turns.checks(turns.tally(conn, d, seeded, keys, depth), d, depth)
        report.checks += turn_checks
        report.notes += notes
        # Qdrant: the store the caller names, else the ledger's (its URL has no password).
        named = (config.vectors or "").startswith("qdrant:")
        spec = str(config.vectors if named else cfg.vectors)
        if spec.startswith("qdrant:"):
            collection = config.collection if named else cfg.collection
            report.checks.append(vectors.qdrant_consistency(conn, spec, collection, _dim(cfg)))
        elif cfg.vectors is not None and vectors.present(conn):
            report.checks.append(vectors.consistency(conn, d, _dim(cfg)))
            report.checks += vectors.retrieval(conn, d, seeded, keys, depth)
        conn.rollback()
    report.checks.sort(key=lambda c: ("integrity", "realism", "retrieval").index(c.group))
    return report
