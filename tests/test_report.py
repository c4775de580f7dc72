"""`ragseed report`: verify's figures as JSON and as one offline HTML page, opened in a real
headless Chromium. Without Chromium the browser test skips, unless RAGSEED_REQUIRE_CHROMIUM=1
(set by .ci/run), which makes it fail instead."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ragseed import api, verify
from ragseed.core.errors import ConfigError
from ragseed.db import urls
from ragseed.report import figures

from .conftest import make_config

CHARTS = ("rows", "chunks", "tokens-per-chunk", "documents", "shares", "tenants", "latencies",
          "tokens", "recall")  # fmt: skip


def _store(url: str) -> str:
    return "pgvector" if url.startswith("postgres") else "sqlite"


def test_json_holds_verify_figures(db_url: str, tmp_path: Path) -> None:
    cfg = make_config(db_url, profile="development", vectors=_store(db_url))
    api.seed(cfg)
    out = tmp_path / "report.json"
    data = api.report(cfg, out, as_json=True)
    assert json.loads(out.read_text()) == json.loads(json.dumps(data))
    report = verify.run(cfg)  # the same code: the same figures
    assert data["rows_per_table"] == report.get("rows per table").figures
    assert data["rows_per_table"]["chunk_embeddings"] > 0
    h = data["header"]
    assert h["database"] == urls.redact(db_url) and h["seed"] == cfg.seed
    assert re.fullmatch(r"[0-9a-f]{64}", h["config_hash"]) and h["fingerprint"]
    assert h["ragseed_version"] and h["profile"] == "development" and h["ok"]
    assert not h["sampled"] and h["turns_checked"] == h["turns_total"]
    chunks = data["chunks_per_document"]
    assert sum(chunks["histogram"].values()) == chunks["documents"] > 0
    assert abs(sum(chunks["expected_share"].values()) - 1) < 1e-6
    assert min(chunks["expected_share"]) == 5 and max(chunks["expected_share"]) == 20
    for col in ("embed_ms", "search_ms", "llm_ms"):
        q = data["latencies"][col]
        assert q["p50"] <= q["p95"] <= q["p99"]
        assert sum(data["latencies"]["histograms"][col].values()) == h["turns_total"]
    assert data["tokens"]["points"]["prompt"] and data["tokens"]["points"]["completion"]
    assert data["tenants_by_size"]["regular"]
    assert sum(data["documents"]["by_status"].values()) > 0
    paths = data["recall"]["paths"]
    assert "vector" in paths
    if h["dialect"] == "postgresql":
        assert paths["keyword"]["keyword/en"] >= 0.9 and "hybrid" in paths
        assert data["recall"]["hnsw_overlap"] is not None
    assert {c["name"] for c in data["checks"]} == {c.name for c in report.checks}


def test_sampling_is_said(sqlite_url: str, tmp_path: Path) -> None:
    cfg = make_config(sqlite_url, profile="development")
    api.seed(cfg)
    data = api.report(cfg, tmp_path / "r.json", as_json=True, sample=10)
    assert data["header"]["sampled"] and data["header"]["turns_checked"] == 10
    assert any("sample of 10" in n for n in data["notes"])
    # Above scan_limit chunks the whole-table integrity scans are listed as skipped, and said.
    data = figures(verify.run(cfg, scan_limit=10))
    skipped = {c["name"] for c in data["checks"] if c["summary"].startswith("not run:")}
    assert {"no orphans", "tenant isolation", "chunk_hash = sha256(text)"} <= skipped
    assert data["header"]["sampled"] and any("not run" in n for n in data["notes"])
    with pytest.raises(ConfigError, match="does not exist"):
        api.report(cfg, tmp_path / "missing" / "r.json", as_json=True)


def test_missing_extra_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    monkeypatch.delitem(sys.modules, "ragseed.report.html", raising=False)
    with pytest.raises(ConfigError, match=re.escape("pip install 'ragseed[report]'")):
        importlib.import_module("ragseed.report.html")


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    why = "Chromium is not installed (apt-get install -y chromium): the browser test needs it"
    if os.environ.get("RAGSEED_REQUIRE_CHROMIUM") == "1":
        pytest.fail(why + " and RAGSEED_REQUIRE_CHROMIUM=1")
    pytest.skip(why)


def _browse(
    browser: str, page: Path, profile: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_html_renders_offline_in_chromium(sqlite_url: str, tmp_path: Path) -> None:
    browser = _chromium()
    api.seed(make_config(sqlite_url, profile="development", vectors="sqlite"))
    page = tmp_path / "report.html"
    res = subprocess.run(
        [sys.executable, "-m", "ragseed", "report", "--database-url", sqlite_url, "--out",
         str(page)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    body = page.read_text()
    # Nothing to fetch: no script, stylesheet, image or font from elsewhere.
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\((?!#)|\bsrc=", body)
    assert not re.search(r"href=['\"]?(https?:)?//", body)

    dom = _browse(browser, page, tmp_path / "profile", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for bad in ("Uncaught", "ERROR:CONSOLE", "Failed to load resource"):
        assert bad not in dom.stderr, dom.stderr[-2000:]
    for chart in CHARTS:  # every chart element rendered an SVG with drawn paths
        m = re.search(rf"<figure class=\"chart\" id=\"{chart}\">(.*?)</figure>", dom.stdout, re.S)
        assert m and "<svg" in m.group(1) and m.group(1).count("<path") > 3, chart
        assert "<figcaption>Good: " in m.group(1), chart
    assert dom.stdout.count('class="pass"') >= 8  # the checks list

    from PIL import Image

    shot = tmp_path / "shot.png"
    res = _browse(browser, page, tmp_path / "profile", f"--screenshot={shot}",
                  "--window-size=1280,4000", "--hide-scrollbars")  # fmt: skip
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        assert rgb.size == (1280, 4000)
        colors = rgb.getcolors(maxcolors=1 << 20) or []
        assert len(colors) > 200, f"{len(colors)} distinct colours: a blank page?"
        white = max(n for n, c in colors if c == (255, 255, 255))
        assert white < 0.97 * 1280 * 4000, "the page is almost all white"
