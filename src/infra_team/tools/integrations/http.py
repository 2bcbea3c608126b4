"""Outbound calls to the team's external APIs, always ending in a ``ToolResult``.

Each call opens its own ``httpx.Client`` with the configured timeout and is retried by
tenacity on the failures that are worth a second try. A read (GET) is retried on 420/429
(rate limited), 5xx other than 501/505, connection errors, dropped connections and
timeouts. A write (POST: a Statuspage incident, a Grafana annotation, an Alertmanager
silence) is retried only on answers that prove it was not processed: 420/429, 503 with
``Retry-After``, and a connection that failed before any byte was sent. After a timeout,
a dropped connection or another 5xx the server may have acted on it, and a second send
could do the write twice, so the result says the outcome is unknown instead. Every
outcome becomes a result a model can act on; nothing here raises into a tool:

- 2xx: the integration's ``parse`` turns the JSON body into the result;
- any other status: ``status="error"``, ``code="http_error"``, with the API's own error
  text in ``error``;
- still failing after the last attempt: ``code="retries_exhausted"`` (or ``"timeout"``
  when the last attempt timed out);
- base URL or credential missing: ``status="not_configured"``.

Secret values of the target (tokens, passwords, routing keys) are removed from the
result and from log lines, even when an API echoes them back, in every encoding the
``_redact`` module knows, and before any text is cut to length.
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
from pydantic import AfterValidator, BaseModel, ConfigDict, SecretStr, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_random_exponential

from infra_team._version import __version__
from infra_team.errors import ConfigError
from infra_team.settings import (
    EndpointSettings,
    HttpSettings,
    Settings,
    config_path,
    env_name,
    get_settings,
)
from infra_team.tools._base import ToolResult, error
from infra_team.tools._redact import Redactor, basic_credentials

logger = logging.getLogger(__name__)

Sleep = Callable[[float], None]
"""How a retry waits; tests pass a recorder so no real time passes."""
ArgsT = TypeVar("ArgsT", bound=BaseModel)
"""A tool's validated arguments, passed through ``with_settings`` to the call."""

RATE_LIMITED = frozenset({420, 429})
"""429 Too Many Requests (RFC 6585 §4); Statuspage still answers 420 to some clients."""
NOT_RETRYABLE_5XX = frozenset({501, 505})
"""Not Implemented and HTTP Version Not Supported do not change on a retry (RFC 9110 §15.6)."""
_MAX_ERROR_TEXT = 1000
_VISIBLE_HEADER = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
"""A header value of visible ASCII words separated by single spaces (RFC 9110 §5.5)."""
_RETRYABLE_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
_UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Failures before any byte of the request left: no connection (refused, DNS, TLS
handshake) or no free connection in the pool. Safe to retry for any method."""
IDEMPOTENT_METHODS = frozenset({"GET"})
"""Methods a server applies at most once however often they are sent (RFC 9110 §9.2.2)."""


def _assume_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_assume_utc)]
"""A timestamp argument (RFC 3339 or Unix seconds); one without a zone is read as UTC."""


class ApiTarget(BaseModel):
    """Where one API lives and how to authenticate to it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    """Name used in messages, e.g. ``Prometheus``."""
    base_url: str
    """Scheme, host and any path prefix; request paths are appended to it."""
    auth_scheme: Literal["Bearer", "OAuth", "Token"] | None = None
    """``Authorization`` scheme sent with ``token`` (``Token`` is PagerDuty's REST API form,
    ``Token token=<key>``)."""
    token: SecretStr | None = None
    """Credential for ``auth_scheme``."""
    username: str | None = None
    """HTTP basic auth user."""
    password: SecretStr | None = None
    """HTTP basic auth password."""
    body_secrets: tuple[SecretStr, ...] = ()
    """Secrets sent inside the request body (a PagerDuty routing key), redacted likewise."""

    def redactor(self) -> Redactor:
        """Removes every credential of this target, bare and as sent, from text and data."""
        values = [
            s.get_secret_value() for s in (self.token, self.password, *self.body_secrets) if s
        ]
        decorated = []
        if self.auth_scheme is not None and self.token is not None:
            decorated.append(self._authorization())
        if self.username is not None and self.password is not None:
            password = self.password.get_secret_value()
            decorated += [
                f"{self.username}:{password}",
                basic_credentials(self.username, password),
            ]
        return Redactor.of(values, decorated)

    def headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": f"infra-team/{__version__}"}
        if self.auth_scheme is not None and self.token is not None:
            headers["Authorization"] = self._authorization()
        return headers

    def _authorization(self) -> str:
        secret = self.token.get_secret_value() if self.token is not None else ""
        if self.auth_scheme == "Token":
            return f"Token token={secret}"
        return f"{self.auth_scheme} {secret}"

    def basic_auth(self) -> httpx.BasicAuth | None:
        if self.username is None or self.password is None:
            return None
        return httpx.BasicAuth(self.username, self.password.get_secret_value())


class ApiRequest(BaseModel):
    """One HTTP request relative to an ``ApiTarget``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    method: Literal["GET", "POST"]
    path: str = ""
    """Appended to the target's base URL, e.g. ``/api/v1/query``."""
    params: tuple[tuple[str, str], ...] = ()
    """Query parameters as pairs, so a name may repeat (Alertmanager's ``filter``)."""
    json_body: Any = None
    """JSON-serialisable request body, or ``None`` for none."""
    idempotent: bool | None = None
    """Whether sending it twice has the effect of sending it once; ``None``: by method
    (only GET). A POST carrying its own deduplication key (PagerDuty's ``dedup_key``)
    sets ``True``, so it keeps the retries after timeouts and dropped connections."""

    @property
    def safe_to_resend(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return self.method in IDEMPOTENT_METHODS


class _RetryableStatus(Exception):
    """An HTTP answer worth retrying; carries the response for the final report."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


@cache
def _tls_context() -> ssl.SSLContext:
    """One verified TLS context for every call: building it loads the CA bundle (~80 ms)."""
    return httpx.create_ssl_context()


def with_settings(
    tool: str, call: Callable[[Settings, ArgsT], ToolResult], args: ArgsT
) -> ToolResult:
    """Run ``call(settings, args)`` with the current settings; unreadable ones become an error."""
    try:
        settings = get_settings()
    except ConfigError as exc:
        return error(tool, str(exc), code="invalid_settings")
    return call(settings, args)


def unset_settings(section: str, config: BaseModel, *names: str) -> list[str]:
    """The variables to set for the fields ``names`` of the ``[section]`` table left unset.

    ``config`` is that table's settings; the result, e.g. ``["INFRA_TEAM_GRAFANA_TOKEN"]``,
    is what ``not_configured`` asks the operator to set.
    """
    return [env_name(section, name) for name in names if getattr(config, name) is None]


def not_configured(tool: str, service: str, missing: list[str]) -> ToolResult:
    """The result for an integration whose URL or credential is not set."""
    names = ", ".join(f"`{name}`" for name in missing)
    return ToolResult(
        tool=tool,
        status="not_configured",
        code="not_configured",
        summary=f"{service} is not configured: set {names} (environment, or the same "
        f"keys in `{config_path()}`). Nothing was sent.",
        data={"service": service, "missing": missing},
    )


def is_retryable_status(status_code: int) -> bool:
    """Rate limiting and transient server errors, per RFC 9110 §15.6 and RFC 6585 §4."""
    if status_code in RATE_LIMITED:
        return True
    return status_code >= 500 and status_code not in NOT_RETRYABLE_5XX


def is_retryable_answer(idempotent: bool, response: httpx.Response) -> bool:
    """Whether to send a request again after ``response``.

    A read: any retryable status (``is_retryable_status``). A write: only an answer that
    proves it was not processed: rate limited (420/429), or 503 with ``Retry-After``
    (RFC 9110 §15.6.4: the server is not handling requests now). Any other 5xx may come
    after the write was done (a proxy timing out on a slow upstream), so it is not resent.
    """
    status = response.status_code
    if idempotent:
        return is_retryable_status(status)
    return status in RATE_LIMITED or (status == 503 and "Retry-After" in response.headers)


def retry_after_seconds(value: str | None, *, now: datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait, or ``None`` when absent or unreadable.

    RFC 9110 §10.2.3: the value is either ``delay-seconds`` (a non-negative integer) or an
    ``HTTP-date``; a date in the past means no wait.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _RetryWait:
    """Tenacity wait: the server's ``Retry-After`` (capped) when given, else jittered backoff.

    The backoff is "full jitter" exponential: a uniform wait between 0 and
    ``min(backoff_max, backoff_initial * 2**(attempt-1))``, as the Google SRE book
    recommends for retries ("Addressing Cascading Failures": randomized exponential
    backoff) so that many clients do not retry in lockstep.
    """

    def __init__(self, http: HttpSettings) -> None:
        self._cap = http.retry_after_max
        self._backoff = wait_random_exponential(
            multiplier=http.backoff_initial, max=http.backoff_max
        )

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        failure = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(failure, _RetryableStatus):
            header = failure.response.headers.get("Retry-After")
            delay = retry_after_seconds(header, now=datetime.now(UTC))
            if delay is not None:
                return min(delay, self._cap)
        return float(self._backoff(state))


def call_api(
    tool: str,
    target: ApiTarget,
    request: ApiRequest,
    parse: Callable[[Any], ToolResult],
    *,
    http: HttpSettings,
    sleep: Sleep = time.sleep,
) -> ToolResult:
    """Send ``request`` with retries and turn whatever happens into a ``ToolResult``.

    ``parse`` receives the decoded JSON body of a 2xx answer; a ``ValidationError`` it
    raises (a body of an unexpected shape) becomes ``code="unexpected_response"``.
    """
    redactor = target.redactor()
    result = _exchange(tool, target, request, parse, http=http, sleep=sleep, redactor=redactor)
    return ToolResult.model_validate(redactor.obj(result.model_dump(mode="json")))


def call_endpoint(
    tool: str,
    service: str,
    section: str,
    config: EndpointSettings,
    request: ApiRequest,
    parse: Callable[[Any], ToolResult],
    *,
    http: HttpSettings,
    sleep: Sleep = time.sleep,
) -> ToolResult:
    """``call_api`` on a server set up as an ``EndpointSettings`` table (``[section]``).

    Prometheus and Alertmanager are reached the same way: the URL, plus a bearer token or
    HTTP basic auth when a reverse proxy asks for one. Without a URL the result is
    ``not_configured`` and nothing is sent.
    """
    if config.url is None:
        return not_configured(tool, service, unset_settings(section, config, "url"))
    target = ApiTarget(
        service=service,
        base_url=str(config.url),
        auth_scheme="Bearer" if config.bearer_token else None,
        token=config.bearer_token,
        username=config.username,
        password=config.password,
    )
    return call_api(tool, target, request, parse, http=http, sleep=sleep)


def _exchange(
    tool: str,
    target: ApiTarget,
    request: ApiRequest,
    parse: Callable[[Any], ToolResult],
    *,
    http: HttpSettings,
    sleep: Sleep,
    redactor: Redactor,
) -> ToolResult:
    url = target.base_url.rstrip("/") + request.path
    what = f"{target.service} {request.method} {urlsplit(url).path or '/'}"
    attempts = 0
    idempotent = request.safe_to_resend

    def send(client: httpx.Client) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        response = client.request(
            request.method, url, params=list(request.params), json=request.json_body
        )
        if is_retryable_answer(idempotent, response):
            raise _RetryableStatus(response)
        return response

    def log_retry(state: RetryCallState) -> None:
        outcome = state.outcome
        reason = _reason(outcome.exception()) if outcome is not None else "unknown failure"
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.warning(
            "%s: %s; retrying in %.1f s (attempt %d of %d)",
            what,
            redactor.text(reason),
            wait,
            state.attempt_number + 1,
            http.retries + 1,
        )

    retryable_errors = _RETRYABLE_ERRORS if idempotent else _UNSENT_ERRORS
    retrying = Retrying(
        stop=stop_after_attempt(http.retries + 1),
        wait=_RetryWait(http),
        retry=retry_if_exception_type((_RetryableStatus, *retryable_errors)),
        before_sleep=log_retry,
        sleep=sleep,
        reraise=True,
    )
    tries = f"{http.retries + 1} attempt(s)"
    headers = target.headers()
    if not all(_VISIBLE_HEADER.fullmatch(value) for value in headers.values()):
        # Checked before httpx sees it: h11 would refuse the header and quote it, token and
        # all, in its exception and in httpcore's debug log.
        message = (
            f"{what}: a configured credential holds a control character, a space or a "
            "non-ASCII character, which an HTTP header cannot carry; nothing was sent. "
            "Check the token setting."
        )
        return _failure(tool, message, "invalid_settings", attempts)
    try:
        with httpx.Client(
            timeout=http.timeout,
            headers=headers,
            auth=target.basic_auth(),
            verify=_tls_context(),
        ) as client:
            response = retrying(send, client)
    except _RetryableStatus as exc:
        status = exc.response.status_code
        detail = api_error_text(_decode(exc.response), redact=redactor.text)
        message = f"{what}: HTTP {status} after {tries}" + (f": {detail}" if detail else "")
        return _failure(tool, message, "retries_exhausted", attempts, http_status=status)
    except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        if not idempotent and not isinstance(exc, _UNSENT_ERRORS):
            message = (
                f"{what}: the request was sent but no answer came ({_reason(exc)}); the "
                f"change may or may not have been made, so it was not sent again. Check "
                f"{target.service} before trying again."
            )
            return _failure(tool, message, "outcome_unknown", attempts)
        if isinstance(exc, httpx.TimeoutException):
            message = f"{what}: no answer within {http.timeout:g} s after {tries} ({_reason(exc)})"
            return _failure(tool, message, "timeout", attempts)
        message = f"{what}: cannot reach {target.base_url} after {tries} ({_reason(exc)})"
        return _failure(tool, message, "retries_exhausted", attempts)
    except httpx.LocalProtocolError:
        # h11 refused to send the request (e.g. a control character in a header value);
        # its message quotes the header, so it is never shown.
        message = (
            f"{what}: the request is not valid HTTP (a header or the URL holds a character "
            "HTTP forbids); nothing was sent. Check the configured URL and credentials."
        )
        return _failure(tool, message, "invalid_settings", attempts)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        message = f"{what}: request failed ({_reason(exc)}); check the configured URL"
        return _failure(tool, message, "http_error", attempts)

    body = _decode(response)
    if not response.is_success:
        detail = api_error_text(body, redact=redactor.text)
        message = f"{what}: HTTP {response.status_code}" + (f": {detail}" if detail else "")
        return _failure(tool, message, "http_error", attempts, http_status=response.status_code)
    try:
        return parse(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        message = f"{what}: unexpected answer (`{where}`: {first['msg']}); is the URL right?"
        return _failure(tool, message, "unexpected_response", attempts)


def _failure(
    tool: str, message: str, code: str, attempts: int, *, http_status: int | None = None
) -> ToolResult:
    result = error(tool, message, code=code)
    data: dict[str, Any] = {"attempts": attempts}
    if http_status is not None:
        data["http_status"] = http_status
    return result.model_copy(update={"data": data})


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown failure"
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _decode(response: httpx.Response) -> Any:
    """The JSON body, or the text when the body is not JSON (a proxy's HTML page)."""
    if not response.content:
        return None
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to decode
        return response.text


def api_error_text(body: Any, *, redact: Callable[[str], str] = str) -> str:
    """The API's own explanation of a failure, from the error shapes of the five APIs.

    - Prometheus HTTP API: ``{"status": "error", "errorType": ..., "error": ...}``;
    - Alertmanager API v2: a JSON string (the ``BadRequest``/``InternalServerError`` schema);
    - PagerDuty Events API v2: ``{"status": ..., "message": ..., "errors": [...]}``;
    - Grafana HTTP API: ``{"message": ...}``;
    - Statuspage: ``{"error": "..."}`` or ``{"error": ["...", ...]}``.

    Anything else is shown as compact text. ``redact`` runs on the whole text before it
    is cut to a readable length, so a secret across the cut is still removed.
    """
    if body is None:
        return ""
    if isinstance(body, str):
        return _clip(redact(body.strip()))
    if isinstance(body, dict):
        parts = [
            text
            for key in ("errorType", "error", "message", "errors")
            for text in _texts(body.get(key))
        ]
        if parts:
            return _clip(redact(": ".join(dict.fromkeys(parts))))
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    except RecursionError:
        return "(an error body nested too deeply to show)"
    return _clip(redact(text))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str) and value.strip():
        return [value.strip()]
    if isinstance(value, list):
        joined = "; ".join(str(item) for item in value if str(item).strip())
        return [joined] if joined else []
    return []


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_ERROR_TEXT else text[: _MAX_ERROR_TEXT - 1] + "…"


__all__ = [
    "ApiRequest",
    "ApiTarget",
    "Sleep",
    "UtcDatetime",
    "api_error_text",
    "call_api",
    "call_endpoint",
    "is_retryable_answer",
    "is_retryable_status",
    "not_configured",
    "retry_after_seconds",
    "unset_settings",
    "with_settings",
]
