"""The pytest plugin, exercised the way a project uses it: generated test files run by pytester."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ragseed import api
from ragseed.core.config import build_config
from ragseed.factories.databases import Registry
from tests.conftest import make_config
from tests.dbutil import dump, execute, scalar

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _not_an_xdist_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner runs are single-process: when this suite runs under xdist, its worker id must
    not leak into them (the plugin would name its databases after a worker that is not there)."""
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)


SUITE = """
import pytest
from sqlalchemy import text
from ragseed import factories as F


def one(conn, sql, **params):
    return conn.execute(text(sql), params).scalar_one()


def test_static_users_log_in(ragseed_api_keys, ragseed_connection):
    assert ragseed_api_keys["admin@example.com"] == "sk_admin_123"
    sql = "SELECT email FROM users WHERE api_key = :k"
    assert one(ragseed_connection, sql, k="sk_admin_123") == "admin@example.com"


def test_tenant_has_its_documents(ragseed_tenant, ragseed_connection):
    sql = "SELECT id FROM documents WHERE user_id = :u ORDER BY id"
    ids = list(ragseed_connection.execute(text(sql), {"u": ragseed_tenant.id}).scalars())
    assert ids and sorted(ragseed_tenant.document_ids) == ids
    chunk = ragseed_tenant.chunks[0]
    stored = one(ragseed_connection, "SELECT text FROM chunk_store WHERE id = :c", c=chunk.id)
    assert stored == chunk.text
    extra = F.DocumentFactory(user=ragseed_tenant)  # the tenant grows like any factory user
    chat = F.ChatSessionFactory(user=ragseed_tenant, turns=1)
    assert ragseed_tenant.documents[-1] is extra and chat.turns[0].sources
    assert one(ragseed_connection, "SELECT count(*) FROM documents WHERE user_id = :u",
               u=ragseed_tenant.id) == len(ids) + 1


def test_a_writes_and_commits(ragseed_session):
    user = F.UserFactory(key="isolated", documents=1)
    F.DocumentFactory(user=user, failed=True)
    ragseed_session.commit()  # only releases a savepoint
    assert one(ragseed_session, "SELECT count(*) FROM users") == 4
    sql = "SELECT count(*) FROM documents WHERE user_id = :u"
    assert one(ragseed_session, sql, u=user.id) == 2
    many = F.bulk(ragseed_session, users=2, docs_per_user=1, first=100)
    assert one(ragseed_session, "SELECT count(*) FROM users") == 6 == 4 + many.counts["users"]


def test_b_does_not_see_a(ragseed_connection):
    assert one(ragseed_connection, "SELECT count(*) FROM users") == 3
    isolated = F.UserFactory.build(key="isolated").id
    assert one(ragseed_connection, "SELECT count(*) FROM users WHERE id = :u", u=isolated) == 0


@pytest.mark.ragseed(users=5, docs=1, sessions=1)
def test_marker_gets_its_own_database(ragseed_db, ragseed_connection):
    assert ragseed_db.config.num_users == 5
    assert one(ragseed_connection, "SELECT count(*) FROM users") == 5
    assert one(ragseed_connection, "SELECT count(*) FROM documents") == 5


def test_default_database_is_untouched_by_the_marker(ragseed_connection):
    assert one(ragseed_connection, "SELECT count(*) FROM users") == 3
"""


#: Inner runs skip hypothesis's plugin: it imports all of hypothesis at the end of every session.
QUIET = ("-p", "no:cacheprovider", "-p", "no:hypothesispytest")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_suite=SUITE)
    return pytester.runpytest(*QUIET, *args)


def test_suite_passes_on_sqlite_by_default(pytester: pytest.Pytester) -> None:
    result = run(pytester)
    result.assert_outcomes(passed=6)
    basetemp = pytester.path.parent / "basetemp"  # where pytester puts inner runs' tmp dirs
    seeded = sorted(p.name for p in basetemp.rglob("ragseed*.db"))
    assert len(seeded) == 2, seeded  # the default config and the marker's


def test_suite_passes_on_postgresql(pytester: pytest.Pytester, pg_url: str) -> None:
    result = run(pytester, f"--ragseed-database-url={pg_url}")
    result.assert_outcomes(passed=6)


def test_url_from_the_environment_and_reuse(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "tests.db"
    monkeypatch.setenv("RAGSEED_DATABASE_URL", f"sqlite:///{db}")
    pytester.makepyfile(
        test_reuse="""
        import os

        def test_reused(ragseed_db):
            assert ragseed_db.reused is (os.environ["EXPECT_REUSED"] == "1")
        """
    )
    for expect in ("0", "1"):
        monkeypatch.setenv("EXPECT_REUSED", expect)
        pytester.runpytest(*QUIET).assert_outcomes(passed=1)
    assert db.exists()


def test_bad_marker_fails_the_test_with_a_message(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_bad="""
        import pytest

        @pytest.mark.ragseed(profile="huge")
        def test_x(ragseed_db):
            pass
        """
    )
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ragseed: unknown profile 'huge'*"])


def test_suites_without_ragseed_fixtures_import_nothing_heavy(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_plain(pytestconfig):
            assert "ragseed.pytest_plugin" in sys.modules
            assert "sqlalchemy" not in sys.modules and "factory" not in sys.modules
            assert any(m.startswith("ragseed(") for m in pytestconfig.getini("markers"))
        """
    )
    result = pytester.runpytest_subprocess(*QUIET, "--strict-markers")
    result.assert_outcomes(passed=1)


def test_each_config_and_worker_gets_its_own_database(tmp_path: Path) -> None:
    base = f"sqlite:///{tmp_path / 'x.db'}"
    reg = Registry(base, {})
    other = reg.tag(reg.config({"num_users": 5}))
    assert reg.url_for(reg.default_tag) == base
    assert reg.url_for(other) == f"sqlite:///{tmp_path / f'x-{other}.db'}"
    worker = Registry(base, {}, worker="gw1")
    assert worker.url_for(worker.default_tag) == f"sqlite:///{tmp_path / 'x-gw1.db'}"
    assert reg.tag(reg.config({"profile": "testing"})) == reg.default_tag


ORDER_SUITE = """
import json, os, pathlib
import pytest
from ragseed import factories as F

OUT = pathlib.Path(os.environ["RAGSEED_ORDER_OUT"])


@pytest.mark.parametrize("n", range(6))
def test_make(n, ragseed_session, request):
    user = F.UserFactory.create(documents=1, sessions=1, sqlalchemy_session=ragseed_session)
    doc = user.documents[0]
    record = [user.email, user.api_key, doc.id, [c.text for c in user.chunks][:2],
              user.sessions[0].turns[0].question]
    name = request.node.nodeid.replace("/", "_").replace(":", "_")
    (OUT / f"{name}.json").write_text(json.dumps(record))
"""

REVERSE = """
def pytest_collection_modifyitems(items):
    items.reverse()
"""


def test_factory_data_is_stable_under_xdist_and_any_order(pytester: pytest.Pytester) -> None:
    """factory_boy's global random state would make these depend on test order and worker;
    ragseed's keys come from the test's node id, so they do not."""
    pytest.importorskip("xdist")
    pytester.makepyfile(test_order=ORDER_SUITE)
    outputs = []
    for run, (args, conftest) in enumerate(
        [((), ""), (("-n", "2"), ""), ((), REVERSE), (("-n", "2"), REVERSE)]
    ):
        out = pytester.path / f"out{run}"
        out.mkdir()
        pytester.makeconftest(conftest)
        import os

        os.environ["RAGSEED_ORDER_OUT"] = str(out)
        try:
            res = pytester.runpytest_subprocess(*args)
        finally:
            del os.environ["RAGSEED_ORDER_OUT"]
        res.assert_outcomes(passed=6)
        outputs.append({p.name: p.read_text() for p in sorted(out.iterdir())})
    assert len(outputs[0]) == 6
    assert all(o == outputs[0] for o in outputs[1:])
    assert len({v for v in outputs[0].values()}) == 6  # and every test got its own data


#: db_url comes before pytester in the tests below: an in-process pytester run restores
#: sys.modules afterwards, which would unload what starting the PostgreSQL server imported.
SEEDED_ELSEWHERE = """
import pytest
from sqlalchemy import text


def test_default_config(ragseed_db, ragseed_connection):
    users = ragseed_connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    assert users == ragseed_db.config.num_users == 3


@pytest.mark.ragseed(users=2, docs=1)
def test_marker_config(ragseed_db, ragseed_connection):
    users = ragseed_connection.execute(text("SELECT count(*) FROM users")).scalar_one()
    assert users == 2
"""


def _development_seed(url: str) -> None:
    """What `ragseed seed` leaves in a database: the development environment and profile."""
    config = build_config(
        {"environment": "development", "database_url": url, "num_users": 4, "docs_per_user": 2},
        environ={},
    )
    api.seed(config)


def _head_environment(url: str) -> str:
    return str(scalar(url, "SELECT environment FROM ragseed_runs ORDER BY id DESC LIMIT 1"))


def test_a_database_the_cli_seeded_is_brought_to_the_test_config(
    db_url: str, pytester: pytest.Pytester
) -> None:
    _development_seed(db_url)
    assert _head_environment(db_url) == "development"
    pytester.makepyfile(test_elsewhere=SEEDED_ELSEWHERE)
    result = pytester.runpytest(*QUIET, f"--ragseed-database-url={db_url}")
    result.assert_outcomes(passed=2)
    assert _head_environment(db_url) == "testing"
    assert scalar(db_url, "SELECT count(*) FROM users") == 3
    # and the next run reuses it
    pytester.makepyfile(test_reuse="def test_reused(ragseed_db):\n    assert ragseed_db.reused\n")
    pytester.runpytest(*QUIET, f"--ragseed-database-url={db_url}", "test_reuse.py").assert_outcomes(
        passed=1
    )


def test_a_production_database_is_never_written(db_url: str, pytester: pytest.Pytester) -> None:
    _development_seed(db_url)
    api.stamp(make_config(db_url), "production")
    before = dump(db_url)
    pytester.makepyfile(test_elsewhere=SEEDED_ELSEWHERE)
    result = pytester.runpytest(*QUIET, f"--ragseed-database-url={db_url}")
    result.assert_outcomes(errors=2)  # the marker's config too, in its own file or schema
    result.stdout.fnmatch_lines(
        ["*ragseed: * is stamped production*point --ragseed-database-url (or "
         "$RAGSEED_DATABASE_URL) at a test database*"]
    )  # fmt: skip
    assert dump(db_url) == before
    if db_url.startswith("postgres"):  # not even a schema for the marker's config
        schemas = "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ragseed%'"
        assert scalar(db_url, schemas) == 0


def test_rows_ragseed_did_not_write_are_left_alone(db_url: str, pytester: pytest.Pytester) -> None:
    api.init(make_config(db_url))
    execute(db_url, "INSERT INTO users (id, email, api_key) VALUES ('u1', 'me@x.io', 'sk_mine')")
    pytester.makepyfile(test_x="def test_x(ragseed_db):\n    pass\n")
    result = pytester.runpytest(*QUIET, f"--ragseed-database-url={db_url}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*ragseed: * holds rows ragseed did not write (1 users)*"
                                 "--ragseed-database-url*"])  # fmt: skip
    assert scalar(db_url, "SELECT api_key FROM users") == "sk_mine"


def test_the_readme_bulk_example_runs_in_a_pytest_run(
    db_url: str, pytester: pytest.Pytester
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "bulk(" in b]
    pytester.makepyfile(test_readme_bulk=example)
    result = pytester.runpytest(*QUIET, f"--ragseed-database-url={db_url}")
    result.assert_outcomes(passed=1)
    assert scalar(db_url, "SELECT count(*) FROM users") == 3  # and it was rolled back
