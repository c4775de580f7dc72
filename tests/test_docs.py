"""The README is tested: its flags exist and its factory example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ragseed import api
from ragseed.cli import app
from ragseed.db.engine import make_engine

from .conftest import make_config

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_every_flag_in_the_readme_exists() -> None:
    runner = CliRunner()
    helps = {
        cmd: runner.invoke(app, [cmd, "--help"], terminal_width=200).output
        for cmd in ("seed", "init", "reset", "status", "stamp", "migrate")
    }
    used = re.findall(r"ragseed (seed|init|reset|status|stamp|migrate)([^\n`|#]*)", README)
    assert used
    for cmd, rest in used:
        for flag in re.findall(r"(--[a-z][a-z-]*)", rest):
            assert flag in helps[cmd], f"README uses `ragseed {cmd} {flag}`, which does not exist"


def test_the_factory_example_runs(sqlite_url: str) -> None:
    (example,) = [b for b in _blocks("python") if "UserFactory" in b]
    api.init(make_config(sqlite_url))
    engine = make_engine(sqlite_url)
    with Session(engine) as session:
        scope: dict[str, object] = {"session": session}
        exec(compile(example, "README.md", "exec"), scope)
        user = scope["user"]
        assert len(user.documents) == 3  # type: ignore[attr-defined]
        assert scope["failed"].documents[0].status == "failed"  # type: ignore[attr-defined]
        assert len(scope["chat"].turns) == 2  # type: ignore[attr-defined]
        session.commit()
    engine.dispose()


def test_the_readme_is_short_and_its_links_resolve() -> None:
    root = Path(__file__).resolve().parents[1]
    assert len(README.splitlines()) <= 210, "the README is a user's page: details go to docs/"
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert links
    for link in links:
        if not link.startswith("http"):
            assert (root / link).is_file(), f"README links to {link}, which is not in the repo"
    for doc in (root / "docs").glob("*.md"):
        for link in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", doc.read_text()):
            if not link.startswith("http"):
                assert (doc.parent / link).resolve().is_file(), f"{doc.name} links to {link}"
