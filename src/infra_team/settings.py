"""Runtime settings: one model read from ``INFRA_TEAM_*`` variables and a TOML file.

Every value has one name in each place. A nested field ``prometheus.url`` is the
environment variable ``INFRA_TEAM_PROMETHEUS_URL`` and the key ``url`` under the
``[prometheus]`` table of the config file. The config file is ``$INFRA_TEAM_CONFIG``,
or ``config.toml`` in the platform's user config folder (``platformdirs``); the
environment wins over the file, and explicit keyword arguments win over both.

Credentials are ``SecretStr``: their repr, ``str()`` and JSON dump show ``**********``,
and validation errors never echo an input value (``hide_input_in_errors``), so a
mistyped token cannot leak through an error message or a log line.

Tokens, URLs and names are checked for control characters at load. A token read with
its trailing newline (``echo token > file``, a TOML ``"...\\n"``) would otherwise fail
later inside the HTTP client, whose message (``Illegal header value b'Bearer ...\\n'``)
carries the token escaped, past any redaction of the raw value. Tokens sent in a header
must also be visible ASCII (RFC 9110 §5.5: a field value is visible US-ASCII; RFC 6750
§2.1: a bearer token has no spaces).
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import platformdirs
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from infra_team.errors import ConfigError

ENV_PREFIX = "INFRA_TEAM_"
CONFIG_ENV = "INFRA_TEAM_CONFIG"
APP_NAME = "infra-team"
PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
STATUSPAGE_API_URL = "https://api.statuspage.io/v1"

_SECTION_CONFIG = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)


_CONTROL_MESSAGE = (
    "contains a control character (newline, carriage return, tab, NUL ...); remove it "
    "(a trailing newline often comes from `echo` or the end of a file)"
)


def _has_control(text: str) -> bool:
    return any(unicodedata.category(char) in {"Cc", "Zl", "Zp"} for char in text)


def _no_control(value: Any) -> Any:
    """Reject text with control characters before any parser can strip or keep them.

    Runs before URL parsing on purpose: the URL parser silently drops tabs and newlines,
    so ``https://prom\\n.example`` would otherwise load as a different host. The error
    names the problem, never the value.
    """
    if isinstance(value, str) and _has_control(value):
        raise ValueError(_CONTROL_MESSAGE)
    return value


def _secret_no_control(value: SecretStr) -> SecretStr:
    if _has_control(value.get_secret_value()):
        raise ValueError(_CONTROL_MESSAGE)
    return value


def _header_token(value: SecretStr) -> SecretStr:
    """A credential sent in the ``Authorization`` header: visible ASCII only, no spaces."""
    text = value.get_secret_value()
    if _has_control(text):
        raise ValueError(_CONTROL_MESSAGE)
    if not text:
        msg = "is empty; set the token or remove the key"
        raise ValueError(msg)
    if not all("!" <= char <= "~" for char in text):
        msg = (
            "must be visible ASCII without spaces: it is sent in the HTTP `Authorization` "
            "header (RFC 9110 §5.5); check that the whole token, and only it, was copied"
        )
        raise ValueError(msg)
    return value


def _user_name(value: str) -> str:
    if ":" in value:
        msg = "must not contain `:` (HTTP basic auth, RFC 7617 §2)"
        raise ValueError(msg)
    return value


Text = Annotated[str, AfterValidator(_no_control)]
"""A name or identifier from the environment: no control characters."""
Secret = Annotated[SecretStr, AfterValidator(_secret_no_control)]
"""A credential sent in a request body or through basic auth: no control characters."""
HeaderToken = Annotated[SecretStr, AfterValidator(_header_token)]
"""A credential sent as ``Authorization: <scheme> <token>``: visible ASCII, no spaces."""


def _without_credentials(url: HttpUrl) -> HttpUrl:
    """Reject ``https://user:pass@host``: a URL is shown in messages, a password never is."""
    if url.username or url.password:
        msg = "must not carry credentials; set the `username`/`password` or token fields instead"
        raise ValueError(msg)
    return url


ApiUrl = Annotated[HttpUrl, BeforeValidator(_no_control), AfterValidator(_without_credentials)]
"""An http(s) URL with no user info and no control characters in it."""


class EndpointSettings(BaseModel):
    """A URL with either a bearer token or HTTP basic auth (as a reverse proxy may demand)."""

    model_config = _SECTION_CONFIG

    url: ApiUrl | None = None
    """Base URL of the server, without the ``/api/...`` path."""
    bearer_token: HeaderToken | None = None
    """Sent as ``Authorization: Bearer <token>``."""
    username: Annotated[Text, AfterValidator(_user_name)] | None = None
    """HTTP basic auth user name; needs ``password``."""
    password: Secret | None = None
    """HTTP basic auth password; needs ``username``."""

    @model_validator(mode="after")
    def _one_auth_method(self) -> EndpointSettings:
        if (self.username is None) != (self.password is None):
            msg = "`username` and `password` go together: set both or neither"
            raise ValueError(msg)
        if self.bearer_token is not None and self.username is not None:
            msg = "set either `bearer_token` or `username`/`password`, not both"
            raise ValueError(msg)
        return self


class PrometheusSettings(EndpointSettings):
    """Prometheus HTTP API (``/api/v1/query``, ``/api/v1/query_range``)."""


class AlertmanagerSettings(EndpointSettings):
    """Alertmanager API v2 (``/api/v2/alerts``, ``/api/v2/silences``)."""


PAGERDUTY_API_URL = "https://api.pagerduty.com"
OnCallRole = Literal[
    "infrastructure-architect",
    "systems-administrator",
    "network-engineer",
    "database-administrator",
    "site-reliability-engineer",
    "automation-engineer",
]
"""A role that can be on a rotation (the subagent types of the six roles)."""


class PagerDutySettings(BaseModel):
    """PagerDuty Events API v2 (paging), and the REST API read only (who is on call)."""

    model_config = _SECTION_CONFIG

    routing_key: Secret | None = None
    """The 32-character integration key of an Events API v2 integration."""
    url: ApiUrl = HttpUrl(PAGERDUTY_EVENTS_URL)
    """Full enqueue endpoint (the EU service region uses ``events.eu.pagerduty.com``)."""
    api_token: HeaderToken | None = None
    """REST API key for reading schedules (``GET /oncalls``, read only), sent as
    ``Authorization: Token token=<key>``; a read-only key is enough."""
    api_url: ApiUrl = HttpUrl(PAGERDUTY_API_URL)
    """REST API base URL (``https://api.eu.pagerduty.com`` in the EU service region)."""
    schedules: dict[OnCallRole, Text] = Field(default_factory=dict)
    """Role -> the PagerDuty schedule ID whose on-call person holds that role."""


class OnCallSettings(BaseModel):
    """Named people on the rotation: the specification's "On-Call Rotation" names roles,
    the roster names who fills them on each day."""

    model_config = _SECTION_CONFIG

    roster: dict[
        OnCallRole, Annotated[list[Annotated[Text, Field(min_length=1)]], Field(min_length=1)]
    ] = Field(default_factory=dict)
    """Role -> people in rotation order, e.g. ``{"site-reliability-engineer": ["Ana", "Ben"]}``."""
    rotation_start: date = date(1970, 1, 1)
    """The rotation day (hand-off at 09:00 UTC) on which the first person listed is on call."""
    shift_days: int = Field(default=1, ge=1, le=366)
    """Days one person holds a role before the next takes over (1: the daily hand-off)."""


class GrafanaSettings(BaseModel):
    """Grafana HTTP API (annotations)."""

    model_config = _SECTION_CONFIG

    url: ApiUrl | None = None
    """Base URL of Grafana, e.g. ``https://grafana.example.com``."""
    token: HeaderToken | None = None
    """Service account token, sent as ``Authorization: Bearer <token>``."""


class StatuspageSettings(BaseModel):
    """Atlassian Statuspage REST API."""

    model_config = _SECTION_CONFIG

    page_id: Text | None = None
    """The page the incidents are opened on."""
    token: HeaderToken | None = None
    """API key, sent as ``Authorization: OAuth <key>``."""
    url: ApiUrl = HttpUrl(STATUSPAGE_API_URL)
    """API base URL including the ``/v1`` version segment."""


class LokiSettings(EndpointSettings):
    """Loki HTTP API, read-only (``/loki/api/v1/query_range``)."""


_DNS_LABEL = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?")


def _namespace(value: str) -> str:
    """A Kubernetes namespace is a DNS label (RFC 1123 §2.1, at most 63 characters)."""
    if len(value) > 63 or not _DNS_LABEL.fullmatch(value):
        msg = "must be a namespace name (lower-case letters, digits and `-`, at most 63)"
        raise ValueError(msg)
    return value


class KubernetesSettings(BaseModel):
    """Kubernetes API, read-only: pods, events, deployments and container logs."""

    model_config = _SECTION_CONFIG

    kubeconfig: Path | None = None
    """The kubeconfig file to read the cluster, user and credentials from."""
    context: Text | None = None
    """The kubeconfig context to use; unset means the file's ``current-context``."""
    namespaces: tuple[Annotated[Text, AfterValidator(_namespace)], ...] = ()
    """The namespaces the tools may read; a namespace outside this list is refused."""
    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds allowed for each API call."""

    @field_validator("kubeconfig")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


class AutomationSettings(BaseModel):
    """Local Terraform and Ansible runs, read-only, confined to one workspace folder."""

    model_config = _SECTION_CONFIG

    workspace: Path | None = None
    """The only folder whose plan files, playbooks and inventories the tools may read."""
    timeout: float = Field(default=120.0, gt=0, le=3600)
    """Seconds a `terraform` or `ansible-playbook` run may take before it is stopped."""

    @field_validator("workspace")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None


class PostgresSettings(BaseModel):
    """A PostgreSQL server the Database Administrator reads, read-only.

    ``dsn`` is a libpq connection string or URI (``postgresql://user:pass@host:5432/db``,
    https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING); it is a
    secret because it may carry the password. Every session is opened READ ONLY with the
    statement timeout below (``infra_team.tools.live.postgres``).
    """

    model_config = _SECTION_CONFIG

    dsn: Secret | None = None
    """Connection string or URI; shown only as host, port, database and user."""
    statement_timeout_ms: int = Field(default=5_000, ge=100, le=60_000)
    """Milliseconds any one statement may run before the server cancels it."""
    connect_timeout: int = Field(default=5, ge=1, le=60)
    """Seconds allowed to connect (libpq ``connect_timeout``)."""


class HttpSettings(BaseModel):
    """Timeout and retry policy shared by every outbound API call."""

    model_config = _SECTION_CONFIG

    timeout: float = Field(default=10.0, gt=0)
    """Seconds allowed for each of connect, read, write and pool acquisition."""
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts after the first on 429, 5xx, connection errors and timeouts."""
    backoff_initial: float = Field(default=0.5, ge=0)
    """Seconds: upper bound of the first randomised backoff wait; doubles per attempt."""
    backoff_max: float = Field(default=8.0, ge=0)
    """Seconds: ceiling of any backoff wait."""
    retry_after_max: float = Field(default=60.0, ge=0)
    """Seconds: the longest ``Retry-After`` a server may impose before the next attempt."""


class SshSettings(BaseModel):
    """Read-only SSH to allowlisted hosts (the systems administrator's live host checks).

    The host key of every host must be in ``known_hosts``; verification is never turned
    off. Only public-key authentication with ``key_path`` is used (no agent, no password,
    no ``~/.ssh/config``).
    """

    model_config = _SECTION_CONFIG

    hosts: list[Text] = Field(default_factory=list, max_length=256)
    """Host names or addresses the tools may connect to; any other host is refused."""
    username: Text | None = None
    """Remote user (an unprivileged one: every command is read-only)."""
    key_path: Path | None = None
    """Private key file for public-key authentication."""
    key_passphrase: Secret | None = None
    """Passphrase of ``key_path``, when it has one."""
    known_hosts: Path | None = None
    """OpenSSH known_hosts file holding every allowed host's key."""
    port: int = Field(default=22, ge=1, le=65535)
    """SSH port of every allowed host."""
    timeout: float = Field(default=15.0, gt=0, le=300)
    """Seconds allowed for connecting and running one check."""


class NetworkSettings(BaseModel):
    """Targets the network engineer's live probes (DNS, TLS, HTTP, TCP) may reach.

    An entry of ``targets`` is a host name (``api.example.com``), a wildcard of a domain's
    sub-names (``*.example.com``), an IP address or a CIDR block. An address in a private,
    loopback or link-local range is reached only when a CIDR or IP entry covers it, or
    ``allow_private`` is true, so a public name that resolves inside the network is not
    scanned by accident.
    """

    model_config = _SECTION_CONFIG

    targets: list[Text] = Field(default_factory=list, max_length=1024)
    """Names, ``*.domain`` wildcards, IP addresses and CIDR blocks that may be probed."""
    allow_private: bool = False
    """Whether an allowlisted name may resolve to a non-global (private) address."""
    resolvers: list[Text] = Field(default_factory=list, max_length=16)
    """DNS servers ``dns_resolve`` may ask: ``192.0.2.53``, ``192.0.2.53:5353`` or ``[2001:db8::53]:53``."""
    ca_file: Path | None = None
    """Extra CA bundle (PEM) trusted by the TLS and HTTPS probes, besides the system store."""
    timeout: float = Field(default=5.0, gt=0, le=60)
    """Seconds allowed for each connection, handshake or query."""


class Settings(BaseSettings):
    """Everything the package reads from its environment, in one validated model."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="_",
        env_nested_max_split=1,
        env_ignore_empty=True,
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
    )

    model: Text | None = None
    """Chat model spec (``provider:model`` or ``offline``); unset means the embedded default."""
    state_dir: Path | None = None
    """Folder for checkpoints and the incident log; unset means the platform data folder."""
    http: HttpSettings = HttpSettings()
    prometheus: PrometheusSettings = PrometheusSettings()
    alertmanager: AlertmanagerSettings = AlertmanagerSettings()
    pagerduty: PagerDutySettings = PagerDutySettings()
    oncall: OnCallSettings = OnCallSettings()
    grafana: GrafanaSettings = GrafanaSettings()
    statuspage: StatuspageSettings = StatuspageSettings()
    postgres: PostgresSettings = PostgresSettings()
    ssh: SshSettings = SshSettings()
    network: NetworkSettings = NetworkSettings()
    loki: LokiSettings = LokiSettings()
    kubernetes: KubernetesSettings = KubernetesSettings()
    automation: AutomationSettings = AutomationSettings()

    @field_validator("state_dir")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then ``INFRA_TEAM_*`` variables, then the TOML file."""
        return (
            init_settings,
            env_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=config_path()),
        )


_SECTIONS = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel)
)


def config_path() -> Path:
    """The TOML config file: ``$INFRA_TEAM_CONFIG``, else the user config folder's file."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def env_name(*field_path: str) -> str:
    """The environment variable of a settings field, e.g. ``INFRA_TEAM_PROMETHEUS_URL``."""
    return ENV_PREFIX + "_".join(field_path).upper()


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings now; ``overrides`` win over environment and file.

    Raises:
        ConfigError: ``INFRA_TEAM_CONFIG`` names a missing file, the file is not valid
            TOML, or a value is invalid. The message names each field by its environment
            variable and TOML key, never by its value.
    """
    path = config_path()
    if os.environ.get(CONFIG_ENV) and not path.is_file():
        msg = f"{CONFIG_ENV} names `{path}`, which is not a file; create it or unset {CONFIG_ENV}"
        raise ConfigError(msg)
    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        msg = f"config file `{path}` is not valid TOML: {exc}"
        raise ConfigError(msg) from None
    except ValidationError as exc:
        raise ConfigError(_describe(exc, path)) from None


def _describe(exc: ValidationError, path: Path) -> str:
    problems = []
    for err in exc.errors():
        loc = [str(part) for part in err["loc"] if isinstance(part, str)]
        if not loc:
            problems.append(err["msg"])
            continue
        if len(loc) == 1 and loc[0] in _SECTIONS:
            problems.append(f"`[{loc[0]}]` settings: {err['msg']}")
            continue
        where = f"`{'.'.join(loc[1:])}` under `[{loc[0]}]`" if len(loc) > 1 else f"`{loc[0]}`"
        problems.append(f"{env_name(*loc)} ({where} in the config file): {err['msg']}")
    return f"invalid settings (config file `{path}`): " + "; ".join(problems)


@cache
def get_settings() -> Settings:
    """The settings, read once per process; ``reset_settings()`` forces a re-read."""
    return load_settings()


def reset_settings() -> None:
    """Forget the cached settings so the next ``get_settings()`` reads them again."""
    get_settings.cache_clear()


__all__ = [
    "CONFIG_ENV",
    "PAGERDUTY_EVENTS_URL",
    "STATUSPAGE_API_URL",
    "AlertmanagerSettings",
    "AutomationSettings",
    "EndpointSettings",
    "GrafanaSettings",
    "HttpSettings",
    "KubernetesSettings",
    "LokiSettings",
    "NetworkSettings",
    "OnCallSettings",
    "PagerDutySettings",
    "PrometheusSettings",
    "Settings",
    "SshSettings",
    "StatuspageSettings",
    "config_path",
    "env_name",
    "get_settings",
    "load_settings",
    "reset_settings",
]
