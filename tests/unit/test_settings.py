"""Settings: environment names, TOML file, precedence, caching and secret hygiene."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from infra_team.errors import ConfigError
from infra_team.settings import (
    CONFIG_ENV,
    Settings,
    config_path,
    env_name,
    get_settings,
    load_settings,
    reset_settings,
)

SECRET = "s3cr3t-T0KEN-value-42"


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "custom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults() -> None:
    settings = load_settings()
    assert settings.model is None
    assert settings.state_dir is None
    assert settings.http.timeout == 10.0
    assert settings.http.retries == 3
    assert str(settings.pagerduty.url) == "https://events.pagerduty.com/v2/enqueue"
    assert str(settings.statuspage.url) == "https://api.statuspage.io/v1"
    assert settings.prometheus.url is None
    assert settings.grafana.token is None


def test_default_config_path_is_user_config_dir(isolated_settings: Path) -> None:
    assert config_path() == isolated_settings / "infra-team" / "config.toml"


@pytest.mark.parametrize(
    ("fields", "variable"),
    [
        (("prometheus", "url"), "INFRA_TEAM_PROMETHEUS_URL"),
        (("alertmanager", "bearer_token"), "INFRA_TEAM_ALERTMANAGER_BEARER_TOKEN"),
        (("pagerduty", "routing_key"), "INFRA_TEAM_PAGERDUTY_ROUTING_KEY"),
        (("statuspage", "page_id"), "INFRA_TEAM_STATUSPAGE_PAGE_ID"),
        (("http", "timeout"), "INFRA_TEAM_HTTP_TIMEOUT"),
        (("state_dir",), "INFRA_TEAM_STATE_DIR"),
    ],
)
def test_env_name(fields: tuple[str, ...], variable: str) -> None:
    assert env_name(*fields) == variable


def test_every_integration_reads_its_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "INFRA_TEAM_MODEL": "openai:gpt-4.1",
        "INFRA_TEAM_STATE_DIR": "/var/lib/infra-team",
        "INFRA_TEAM_PROMETHEUS_URL": "http://prometheus:9090",
        "INFRA_TEAM_PROMETHEUS_USERNAME": "reader",
        "INFRA_TEAM_PROMETHEUS_PASSWORD": "pw-1234",
        "INFRA_TEAM_ALERTMANAGER_URL": "http://alertmanager:9093",
        "INFRA_TEAM_ALERTMANAGER_BEARER_TOKEN": "am-token",
        "INFRA_TEAM_PAGERDUTY_ROUTING_KEY": "R" * 32,
        "INFRA_TEAM_PAGERDUTY_URL": "https://events.eu.pagerduty.com/v2/enqueue",
        "INFRA_TEAM_GRAFANA_URL": "https://grafana.example.com",
        "INFRA_TEAM_GRAFANA_TOKEN": "glsa_token",
        "INFRA_TEAM_STATUSPAGE_PAGE_ID": "kctbh9vrtdwd",
        "INFRA_TEAM_STATUSPAGE_TOKEN": "sp-key",
        "INFRA_TEAM_HTTP_TIMEOUT": "2.5",
        "INFRA_TEAM_HTTP_RETRIES": "5",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    s = load_settings()
    assert s.model == "openai:gpt-4.1"
    assert s.state_dir == Path("/var/lib/infra-team")
    assert str(s.prometheus.url) == "http://prometheus:9090/"
    assert s.prometheus.username == "reader"
    assert s.prometheus.password == SecretStr("pw-1234")
    assert s.alertmanager.bearer_token == SecretStr("am-token")
    assert s.pagerduty.routing_key == SecretStr("R" * 32)
    assert str(s.pagerduty.url) == "https://events.eu.pagerduty.com/v2/enqueue"
    assert s.grafana.token == SecretStr("glsa_token")
    assert s.statuspage.page_id == "kctbh9vrtdwd"
    assert s.statuspage.token == SecretStr("sp-key")
    assert (s.http.timeout, s.http.retries) == (2.5, 5)


def test_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", "")
    assert load_settings().prometheus.url is None


def test_toml_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'model = "offline"\nstate_dir = "~/infra-state"\n'
        '[prometheus]\nurl = "http://file-prom:9090"\nbearer_token = "file-token"\n'
        "[http]\ntimeout = 4\nretries = 1\n",
    )
    monkeypatch.setenv(CONFIG_ENV, str(path))
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", "http://env-prom:9090")
    monkeypatch.setenv("INFRA_TEAM_HTTP_RETRIES", "6")
    s = load_settings()
    assert str(s.prometheus.url) == "http://env-prom:9090/"  # env wins
    assert s.prometheus.bearer_token == SecretStr("file-token")  # rest of the table kept
    assert (s.http.timeout, s.http.retries) == (4.0, 6)
    assert s.model == "offline"
    assert s.state_dir == Path.home() / "infra-state"


def test_default_config_file_is_read(isolated_settings: Path) -> None:
    folder = isolated_settings / "infra-team"
    folder.mkdir()
    (folder / "config.toml").write_text('[grafana]\nurl = "https://g.example.com"\n')
    assert str(load_settings().grafana.url) == "https://g.example.com/"


def test_keyword_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_HTTP_TIMEOUT", "3")
    assert load_settings(http={"timeout": 1.5}).http.timeout == 1.5


def test_missing_explicit_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "nope.toml"))
    with pytest.raises(
        ConfigError, match=r"INFRA_TEAM_CONFIG names `.*nope\.toml`, which is not a file"
    ):
        load_settings()


def test_invalid_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write_config(tmp_path, "[prometheus\nurl = 1\n")))
    with pytest.raises(ConfigError, match="is not valid TOML"):
        load_settings()


def test_unknown_key_in_file_is_rejected(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write_config(tmp_path, '[promethues]\nurl = "http://p"\n')))
    with pytest.raises(ConfigError, match=r"`promethues`.*Extra inputs are not permitted"):
        load_settings()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"INFRA_TEAM_HTTP_TIMEOUT": "0"}, "INFRA_TEAM_HTTP_TIMEOUT (`timeout` under `[http]`"),
        ({"INFRA_TEAM_HTTP_RETRIES": "11"}, "INFRA_TEAM_HTTP_RETRIES"),
        ({"INFRA_TEAM_GRAFANA_URL": "not a url"}, "INFRA_TEAM_GRAFANA_URL"),
        (
            {"INFRA_TEAM_PROMETHEUS_URL": "http://p", "INFRA_TEAM_PROMETHEUS_USERNAME": "u"},
            "`[prometheus]` settings: Value error, `username` and `password` go together",
        ),
        (
            {
                "INFRA_TEAM_ALERTMANAGER_BEARER_TOKEN": "t0ken",
                "INFRA_TEAM_ALERTMANAGER_USERNAME": "u",
                "INFRA_TEAM_ALERTMANAGER_PASSWORD": "p",
            },
            "set either `bearer_token` or `username`/`password`",
        ),
    ],
)
def test_invalid_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert expected in str(info.value)


TOKEN_VALUE = "Zq7tKn8Xw4vB3Lp"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INFRA_TEAM_PROMETHEUS_BEARER_TOKEN", TOKEN_VALUE + "\n"),
        ("INFRA_TEAM_ALERTMANAGER_BEARER_TOKEN", TOKEN_VALUE + "\r"),
        ("INFRA_TEAM_GRAFANA_TOKEN", TOKEN_VALUE + "\r\n"),
        ("INFRA_TEAM_STATUSPAGE_TOKEN", "\t" + TOKEN_VALUE),
        ("INFRA_TEAM_GRAFANA_TOKEN", TOKEN_VALUE + " x"),
        ("INFRA_TEAM_GRAFANA_TOKEN", TOKEN_VALUE + "é"),
        ("INFRA_TEAM_PAGERDUTY_ROUTING_KEY", TOKEN_VALUE + "\n"),
        ("INFRA_TEAM_PROMETHEUS_URL", "http://prom.example\n"),
        ("INFRA_TEAM_PROMETHEUS_URL", "http://prom\r.example"),
        ("INFRA_TEAM_STATUSPAGE_PAGE_ID", TOKEN_VALUE + "\n"),
        ("INFRA_TEAM_MODEL", "openai:gpt-4o\u2028"),
    ],
)
def test_control_characters_are_rejected_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert variable in message
    assert value.strip() not in message
    assert TOKEN_VALUE[:6] not in message


@pytest.mark.parametrize("escape", ["\\u0000", "\\n", "\\r", "\\u001b"])
def test_control_characters_in_the_config_file_are_rejected(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, escape: str
) -> None:
    text = f'[grafana]\nurl = "http://g"\ntoken = "{TOKEN_VALUE}{escape}"\n'
    monkeypatch.setenv(CONFIG_ENV, str(write_config(tmp_path, text)))
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "`token` under `[grafana]`" in message
    assert "control character" in message
    assert TOKEN_VALUE[:6] not in message


def test_basic_auth_user_name_without_colon(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_USERNAME", "ops:team")
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_PASSWORD", TOKEN_VALUE)
    with pytest.raises(ConfigError, match=r"INFRA_TEAM_PROMETHEUS_USERNAME.*must not contain"):
        load_settings()


def test_clean_tokens_of_every_shape_load(monkeypatch: pytest.MonkeyPatch) -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.e30.a+b/c=~_-!$*"
    monkeypatch.setenv("INFRA_TEAM_GRAFANA_TOKEN", token)
    monkeypatch.setenv("INFRA_TEAM_PAGERDUTY_ROUTING_KEY", "clé-routing ключ")
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_USERNAME", "ops")
    monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_PASSWORD", "pässwörd with spaces")
    settings = load_settings()
    assert settings.grafana.token is not None
    assert settings.grafana.token.get_secret_value() == token
    assert settings.prometheus.password is not None


def test_get_settings_is_cached_until_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_MODEL", "first")
    first = get_settings()
    monkeypatch.setenv("INFRA_TEAM_MODEL", "second")
    assert get_settings() is first
    assert get_settings().model == "first"
    reset_settings()
    assert get_settings().model == "second"


class TestSecretsNeverShown:
    @pytest.fixture
    def settings(self, monkeypatch: pytest.MonkeyPatch) -> Settings:
        for name in (
            "PROMETHEUS_BEARER_TOKEN",
            "ALERTMANAGER_BEARER_TOKEN",
            "PAGERDUTY_ROUTING_KEY",
            "GRAFANA_TOKEN",
            "STATUSPAGE_TOKEN",
        ):
            monkeypatch.setenv(f"INFRA_TEAM_{name}", f"{SECRET}-{name}")
        monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", "http://prometheus:9090")
        return load_settings()

    def test_values_are_readable_in_code(self, settings: Settings) -> None:
        assert settings.grafana.token is not None
        assert settings.grafana.token.get_secret_value() == f"{SECRET}-GRAFANA_TOKEN"

    def test_repr_str_and_dump(self, settings: Settings) -> None:
        for text in (repr(settings), str(settings), settings.model_dump_json()):
            assert SECRET not in text
        assert "**********" in repr(settings)

    def test_logging_the_settings(
        self, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("test").info("settings: %s / %r", settings, settings.pagerduty)
        assert SECRET not in caplog.text

    def test_validation_errors_do_not_echo_input(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", f"http://admin:{SECRET}@prometheus:9090")
        with pytest.raises(ConfigError) as info:
            load_settings()
        assert "must not carry credentials" in str(info.value)
        assert SECRET not in str(info.value)
        assert info.value.__cause__ is None

    def test_wrong_type_in_file_does_not_echo_secret(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        path = write_config(tmp_path, f'[grafana]\ntoken = ["{SECRET}"]\n')
        monkeypatch.setenv(CONFIG_ENV, str(path))
        with pytest.raises(ConfigError) as info:
            load_settings()
        assert "INFRA_TEAM_GRAFANA_TOKEN" in str(info.value)
        assert SECRET not in str(info.value)
