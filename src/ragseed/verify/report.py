"""The result of `ragseed verify`: checks with a status and the figures behind them. Pure data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "skip", "info"]
GROUPS = ("integrity", "realism", "retrieval")


@dataclass
class Check:
    group: str  # integrity | realism | retrieval
    name: str
    status: Status
    summary: str  # one line: the figure that decided the status
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def check(
    group: str, name: str, ok: bool, summary: str, figures: dict[str, Any] | None = None
) -> Check:
    return Check(group, name, "pass" if ok else "fail", summary, figures or {})


def violations(group: str, name: str, counts: dict[str, int], what: str) -> Check:
    """A check that passes when every count is zero; the summary names the non-zero ones."""
    bad = {k: v for k, v in counts.items() if v}
    summary = "; ".join(f"{k}: {v:,}" for k, v in bad.items()) if bad else what
    return check(group, name, not bad, summary, dict(counts))


@dataclass
class Report:
    database: str
    dialect: str
    seed: int
    profile: str
    complete: bool  # every shard of the seed is there
    turns_checked: int = 0
    turns_total: int = 0
    config_hash: str = ""
    fingerprint: str = ""
    seeded_by: str = ""  # the ragseed version that seeded the database
    ragseed_version: str = ""  # the ragseed version that verified it
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.failed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if c.failed]

    def get(self, name: str) -> Check:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["ok"] = self.ok
        return out
