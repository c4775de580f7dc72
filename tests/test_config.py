from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ragseed.core.config import FLAGS, PROFILES, build_config, parse_languages
from ragseed.core.errors import ConfigError, SafetyError


def test_defaults_are_the_seed_documents_seed_config() -> None:
    cfg = build_config({}, environ={})
    assert (cfg.environment, cfg.profile) == ("development", "development")
    assert (cfg.num_users, cfg.docs_per_user, cfg.min_chunks, cfg.max_chunks) == (10, 15, 5, 20)
    assert (cfg.sessions_per_user, cfg.turns_per_session) == (5, 3)


def test_environment_picks_the_profile() -> None:
    cfg = build_config({}, environ={"ENVIRONMENT": "testing"})
    assert cfg.profile == "testing" and cfg.num_users == PROFILES["testing"]["num_users"]


def test_flags_beat_env_beat_file_beat_profile(tmp_path: Path) -> None:
    file = tmp_path / "seed.toml"
    file.write_text("num_users = 7\ndocs_per_user = 3\nsessions_per_user = 4\nseed = 1\n")
    env = {"RAGSEED_NUM_DOCS": "9", "RAGSEED_SESSIONS": "6"}
    cfg = build_config({"sessions_per_user": 2}, config_file=file, environ=env)
    assert cfg.num_users == 7  # file beats profile
    assert cfg.docs_per_user == 9  # env beats file
    assert cfg.sessions_per_user == 2  # flag beats env
    assert cfg.max_chunks == 20  # profile fills the rest
    assert cfg.seed == 1


def test_tool_ragseed_table_is_read(tmp_path: Path) -> None:
    file = tmp_path / "pyproject.toml"
    file.write_text("[tool.ragseed]\nnum_users = 4\nprofile = 'demo'\n")
    cfg = build_config({}, config_file=file, environ={})
    assert (cfg.num_users, cfg.profile, cfg.docs_per_user) == (4, "demo", 20)


@pytest.mark.parametrize("how", ["flag", "env"])
def test_production_is_refused(how: str) -> None:
    flags = {"environment": "production"} if how == "flag" else {}
    env = {"ENVIRONMENT": "production"} if how == "env" else {}
    with pytest.raises(SafetyError, match="production"):
        build_config(flags, environ=env)


@pytest.mark.parametrize(
    ("flags", "message", "cli_message"),
    [
        ({"num_users": 0}, "num_users: must be greater than or equal to 1 (got 0)",
         "--num-users: must be greater than or equal to 1 (got 0)"),
        ({"min_chunks": 9, "max_chunks": 3}, "min_chunks must not exceed max_chunks: 9 > 3",
         "--min-chunks must not exceed --max-chunks: 9 > 3"),
        ({"profile": "huge"}, "unknown profile 'huge': use one of testing, development, demo, "
         "large", "--profile: unknown profile 'huge': use one of testing, development, demo, "
         "large"),
        ({"environment": "qa"}, "unknown environment 'qa': use one of development, testing, "
         "staging, demo", "--env: unknown environment 'qa': use one of development, testing, "
         "staging, demo"),
        ({"turns_per_session": 0}, "turns_per_session is 0 but sessions_per_user (profile "
         "development) is 5: a chat session needs turns (for no chat at all: --sessions 0 "
         "--turns 0)", "--turns is 0 but sessions_per_user (profile development) is 5: a chat "
         "session needs turns (for no chat at all: --sessions 0 --turns 0)"),
        ({"turns_per_session": -1}, "turns_per_session: must be greater than or equal to 0 "
         "(got -1)", "--turns: must be greater than or equal to 0 (got -1)"),
        ({"languages": {"fr": 1.0}}, "languages: unknown language(s) fr: use en and ar",
         "--languages: unknown language(s) fr: use en and ar"),
    ],
)  # fmt: skip
def test_bad_values_are_named(flags: dict[str, object], message: str, cli_message: str) -> None:
    """By their field names for a library caller, by the CLI's flags for the CLI."""
    with pytest.raises(ConfigError) as info:
        build_config(flags, environ={})
    assert str(info.value) == message
    with pytest.raises(ConfigError) as info:
        build_config(flags, environ={}, flag_names=FLAGS)
    assert str(info.value) == cli_message


def test_bad_env_value_names_its_source() -> None:
    with pytest.raises(
        ConfigError, match=r"^RAGSEED_SEED: must be a valid integer.*\(got 'abc'\)$"
    ):
        build_config({}, environ={"RAGSEED_SEED": "abc"})


def test_unknown_file_key_and_bad_toml(tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text("num_user = 3\n")
    with pytest.raises(
        ConfigError,
        match=f"^config file {file}: unknown setting num_user: did you mean num_users\\?$",
    ):
        build_config({}, config_file=file, environ={})
    file.write_text("num_users = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        build_config({}, config_file=file, environ={})
    with pytest.raises(ConfigError, match="does not exist"):
        build_config({}, config_file=tmp_path / "missing.toml", environ={})


def test_languages() -> None:
    assert parse_languages("en=0.8,ar=0.2") == {"en": 0.8, "ar": 0.2}
    cfg = build_config({"languages": {"en": 3, "ar": 1}}, environ={})
    assert cfg.languages == {"ar": 0.25, "en": 0.75}
    with pytest.raises(ConfigError, match="--languages: bad entry 'en=lots'"):
        parse_languages("en=lots")


@given(
    users=st.integers(-10, 10**8),
    mn=st.integers(-3, 50),
    mx=st.integers(-3, 50),
    env=st.sampled_from(["development", "testing", "staging", "demo", "production", "qa", ""]),
)
def test_config_parser_accepts_exactly_the_valid_inputs(
    users: int, mn: int, mx: int, env: str
) -> None:
    flags = {"num_users": users, "min_chunks": mn, "max_chunks": mx, "environment": env or None}
    valid = 1 <= users <= 10_000_000 and 1 <= mn <= mx and env != "production" and env != "qa"
    try:
        cfg = build_config(flags, environ={})
    except (ConfigError, SafetyError) as exc:
        assert not valid, exc
        assert str(exc) and "\n" not in str(exc)
    else:
        assert valid
        assert (cfg.num_users, cfg.min_chunks, cfg.max_chunks) == (users, mn, mx)


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("num_user", ": did you mean num_users?"),
        ("sesions_per_user", ": did you mean sessions_per_user?"),
        ("num_docs", ": did you mean docs_per_user?"),  # the flag's spelling names its setting
        ("num-users", ": did you mean num_users?"),
        ("turns", ": did you mean turns_per_session?"),
        ("colour_scheme", ""),  # nothing near it: no guess
    ],
)
def test_unknown_file_keys_suggest_the_nearest_setting(tmp_path: Path, key: str, hint: str) -> None:
    file = tmp_path / "pyproject.toml"
    file.write_text(f"[tool.ragseed]\n{key!r} = 5\n".replace("'", '"'))
    with pytest.raises(ConfigError) as info:
        build_config({}, config_file=file, environ={})
    assert str(info.value) == f"config file {file}: unknown setting {key}{hint}"


@pytest.mark.parametrize(
    ("file_text", "environ", "message"),
    [
        ("num_users = -2\n", {},
         "config file {file}: num_users: must be greater than or equal to 1 (got -2)"),
        ("", {"RAGSEED_NUM_USERS": "-2"},
         "RAGSEED_NUM_USERS: must be greater than or equal to 1 (got '-2')"),
        ("", {"RAGSEED_LANGUAGES": "en=x"},
         "RAGSEED_LANGUAGES: bad entry 'en=x': expected e.g. en=0.8,ar=0.2"),
        ("", {"RAGSEED_TENANT_IDS": "email"},
         "RAGSEED_TENANT_IDS: must be 'uuid' or 'api-key' (got 'email')"),
        ("", {"RAGSEED_PROFILE": "huge"},
         "RAGSEED_PROFILE: unknown profile 'huge': use one of testing, development, demo, large"),
        ("min_chunks = 30\n", {},
         "min_chunks (config file {file}) must not exceed max_chunks (profile development): "
         "30 > 20"),
        ("", {"RAGSEED_TURNS": "0"},
         "RAGSEED_TURNS is 0 but sessions_per_user (profile development) is 5: a chat session "
         "needs turns (for no chat at all: --sessions 0 --turns 0)"),
    ],
)  # fmt: skip
def test_errors_name_the_file_or_variable(
    tmp_path: Path, file_text: str, environ: dict[str, str], message: str
) -> None:
    file = tmp_path / "seed.toml"
    file.write_text(file_text)
    with pytest.raises(ConfigError) as info:
        build_config({}, config_file=file, environ=environ)
    assert str(info.value) == message.format(file=file)


def test_no_chat_is_zero_sessions_and_zero_turns() -> None:
    cfg = build_config({"sessions_per_user": 0, "turns_per_session": 0}, environ={})
    assert (cfg.sessions_per_user, cfg.turns_per_session) == (0, 0)
    cfg = build_config({}, environ={"RAGSEED_SESSIONS": "0", "RAGSEED_TURNS": "0"})
    assert (cfg.sessions_per_user, cfg.turns_per_session) == (0, 0)
