"""No configured secret reaches a tool result or a log line, whatever its shape or encoding.

Every request goes through the real httpx client to a real HTTP server on loopback
(``tests.support.http_server``), so header validation and the wire behave as in
production. The server plays an API that echoes what it received: the ``Authorization``
header, the body, escaped or encoded, and placed so that a secret straddles the point
where error text is cut to length.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import quote

import pytest

from infra_team.settings import HttpSettings
from infra_team.tools import TOOL_CATALOG, parse_tool_output
from infra_team.tools._base import ToolResult, ok
from infra_team.tools._redact import REDACTED, Redactor
from infra_team.tools.integrations.http import ApiRequest, ApiTarget, call_api
from tests.support.http_server import SeenRequest, serve

pytestmark = pytest.mark.usefixtures("clean_settings")

HTTP = HttpSettings(retries=0, timeout=5)
GET = ApiRequest(method="GET", path="/api/v1/thing")
CUT = 1000
"""Length error text is cut to (``_MAX_ERROR_TEXT`` in ``tools/integrations/http.py``)."""

HEADER_TOKENS = {
    "short": "k9Zq",
    "long": "glsa_" + "AbCdEfGh12345678" * 20,
    "regex_metacharacters": "a.b*c+d?e[f]g(h)i|j^k$l\\m{2}",
    "base64_like": "dG9rZW4tdmFsdWU+/x==",
    "quotes_and_percent": "q'u\"o%t`e#s&=;",
    "jwt_like": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
}
"""Bearer tokens: visible ASCII, as settings allow for a header."""
BODY_SECRETS = {
    **HEADER_TOKENS,
    "unicode": "clé-secrète-ключ-🔑-値",
    "spaces": "Rk9 Xq7 Zvw 2Pj",
}
"""Secrets sent in a body (a PagerDuty routing key), where any text is allowed."""


def _fragments(secret: str) -> list[str]:
    """Pieces of ``secret`` that must not appear: all of it when short, else every 4-gram."""
    if len(secret) <= 4:
        return [secret]
    return [secret[i : i + 4] for i in range(len(secret) - 3)]


def assert_hidden(secret: str, *texts: str) -> None:
    """No part of ``secret`` (raw, JSON-escaped, URL-encoded or repr-escaped) is shown."""
    forms = {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), repr(secret)[1:-1]}
    for text in texts:
        for form in forms:
            for piece in _fragments(form):
                assert piece not in text, f"{piece!r} of a secret is shown in {text[:200]!r}..."


def echo_parse(body: Any) -> ToolResult:
    return ok("demo", "fine", {"body": body})


def call(target: ApiTarget, request: ApiRequest = GET) -> ToolResult:
    return call_api("demo", target, request, echo_parse, http=HTTP, sleep=lambda _: None)


def _straddling(seen: SeenRequest, secret_text: str, secret: str, lead: int) -> Any:
    """An error body whose message puts ``secret`` ``lead`` characters before the cut."""
    start = secret_text.index(secret)
    prefix = "Demo GET /api/v1/thing: HTTP 401: "
    padding = "~" * max(0, CUT - 1 - len(prefix) - lead - start)
    return {"message": f"{padding}{secret_text} rejected"}


@pytest.mark.parametrize("shape", sorted(HEADER_TOKENS))
@pytest.mark.parametrize("lead", [1, 4, 12, 40])
def test_bearer_token_echoed_across_the_cut(shape: str, lead: int) -> None:
    token = HEADER_TOKENS[shape]

    def api(seen: SeenRequest) -> tuple[int, Any]:
        header = seen.headers["Authorization"]
        assert header == f"Bearer {token}"  # the real header went out on the wire
        return 401, _straddling(seen, f"Authorization: {header}", token, lead)

    with serve(api) as server:
        result = call(
            ApiTarget(service="Demo", base_url=server.url, auth_scheme="Bearer", token=token)
        )
    assert result.code == "http_error"
    shown = result.model_dump_json()
    assert_hidden(token, shown)
    assert result.error is not None and len(result.error) <= CUT + 40


@pytest.mark.parametrize("shape", sorted(BODY_SECRETS))
def test_body_secret_echoed_in_every_encoding(shape: str) -> None:
    secret = BODY_SECRETS[shape]
    request = ApiRequest(method="POST", path="/v2/enqueue", json_body={"routing_key": secret})

    def api(seen: SeenRequest) -> tuple[int, Any]:
        sent = json.loads(seen.body)["routing_key"]
        assert sent == secret
        return 400, {
            "status": "invalid event",
            "message": "bad key",
            "errors": [
                f"raw {sent}",
                f"json {json.dumps(sent)}",
                f"url ?key={quote(sent, safe='')}",
                f"repr {sent!r} {sent.encode()!r}",
            ],
        }

    with serve(api) as server:
        result = call(
            ApiTarget(service="Demo", base_url=server.url, body_secrets=(secret,)), request
        )
    assert result.code == "http_error"
    assert result.error is not None and REDACTED in result.error
    assert_hidden(secret, result.model_dump_json(), result.model_dump_json(indent=1))


@pytest.mark.parametrize("password", ["pw", "pässwörd-ü-𝄞", "p@ss:w0rd/with?url&chars"])
def test_basic_auth_header_echoed_is_redacted(password: str) -> None:
    def api(seen: SeenRequest) -> tuple[int, Any]:
        return 403, f"denied: {seen.headers['Authorization']}"

    with serve(api) as server:
        result = call(
            ApiTarget(service="Demo", base_url=server.url, username="ops", password=password)
        )
    pair = base64.b64encode(f"ops:{password}".encode()).decode()
    shown = result.model_dump_json()
    assert pair not in shown
    assert result.error == f"Demo GET /api/v1/thing: HTTP 403: denied: {REDACTED}"
    if len(password) >= 4:
        assert_hidden(password, shown)


@pytest.mark.parametrize("bad", ["\n", "\r", "\r\n", "\x00", "\t", " "])
def test_control_character_in_token_never_shown(caplog: pytest.LogCaptureFixture, bad: str) -> None:
    """h11 refuses such a header with ``Illegal header value b'Bearer ...\\n'``, which
    showed the token in the result and in httpcore's debug log."""
    token = "glsa_Tq8Lw3Nz9Vx4Rk2" + bad
    with serve(lambda seen: (200, {})) as server, caplog.at_level(logging.DEBUG):
        result = call(
            ApiTarget(service="Demo", base_url=server.url, auth_scheme="Bearer", token=token)
        )
        assert server.requests == []
    assert result.status == "error"
    assert result.code == "invalid_settings"
    assert "Illegal header value" not in result.model_dump_json()
    assert_hidden(token.strip(), result.model_dump_json(), caplog.text)


def test_non_ascii_token_is_an_error_without_the_value() -> None:
    token = "Tk9ökén-Qz7ünï-W4x"
    with serve(lambda seen: (200, {})) as server:
        result = call(
            ApiTarget(service="Demo", base_url=server.url, auth_scheme="Bearer", token=token)
        )
        assert server.requests == []
    assert result.code == "invalid_settings"
    assert_hidden(token, result.model_dump_json())


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INFRA_TEAM_PROMETHEUS_BEARER_TOKEN", "Zq7tKn8Xw4vB\n"),
        ("INFRA_TEAM_PROMETHEUS_BEARER_TOKEN", "Zq7tKn8Xw4vB\r"),
        ("INFRA_TEAM_PROMETHEUS_BEARER_TOKEN", "Zq7tökén8Xw4vB"),
        ("INFRA_TEAM_PROMETHEUS_PASSWORD", "Pw9Qz7Lk3Jh\n"),
    ],
)
def test_tool_with_a_bad_token_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, variable: str, value: str
) -> None:
    with serve(lambda seen: (200, {"status": "success", "data": {}})) as server:
        monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", server.url)
        monkeypatch.setenv(variable, value)
        if variable.endswith("PASSWORD"):
            monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_USERNAME", "ops")
        with caplog.at_level(logging.DEBUG):
            content = TOOL_CATALOG["query_prometheus"].invoke({"query": "up"})
        assert server.requests == []
    result = parse_tool_output(content)
    assert result.code == "invalid_settings"
    assert result.error is not None and variable in result.error
    assert_hidden(value.strip(), content, caplog.text)


def test_redactor_matches_literally_and_longest_first() -> None:
    redactor = Redactor.of(["a.cd", "x+yz", "secret", "secret-longer", "ab"], ["Bearer ab"])
    assert redactor.text("abcd a.cd xxyz x+yz secret-longer Bearer ab ab") == (
        f"abcd {REDACTED} xxyz {REDACTED} {REDACTED} {REDACTED} ab"
    )
    assert redactor.obj({"k-secret": ["secret", ("secret",)], "n": 1}) == {
        f"k-{REDACTED}": [REDACTED, (REDACTED,)],
        "n": 1,
    }
