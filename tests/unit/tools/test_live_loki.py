"""query_loki against recorded Loki ``query_range`` answers, served on loopback.

Loki cannot run here; the loopback server answers with real response shapes (streams
with stats, a metric matrix, Loki's plain-text 400 for a LogQL parse error) so the tool
runs its real HTTP path: query parameters in nanoseconds, basic auth, redaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from infra_team.settings import reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.live.loki import query_loki
from tests.support.http_server import LoopbackServer, Reply, SeenRequest, serve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tools" / "loki"
PASSWORD = "loki-pass-91d2e7"

pytestmark = pytest.mark.usefixtures("no_backoff")


def responder(request: SeenRequest) -> Reply:
    url = urlsplit(request.path)
    if request.method != "GET" or url.path != "/loki/api/v1/query_range":
        return 404, "404 page not found\n"
    query = parse_qs(url.query)["query"][0]
    if query.startswith("rate("):
        return 200, json.loads((FIXTURES / "matrix.json").read_text(encoding="utf-8"))
    if query.startswith("{"):
        return 200, json.loads((FIXTURES / "streams.json").read_text(encoding="utf-8"))
    return (
        400,
        f"parse error at line 1, col 1: syntax error: unexpected IDENTIFIER (auth {PASSWORD})\n",
    )


@pytest.fixture
def loki(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve(responder) as server:
        monkeypatch.setenv("INFRA_TEAM_LOKI_URL", server.url)
        monkeypatch.setenv("INFRA_TEAM_LOKI_USERNAME", "reader")
        monkeypatch.setenv("INFRA_TEAM_LOKI_PASSWORD", PASSWORD)
        reset_settings()
        yield server


def call(**args: Any) -> tuple[str, ToolResult]:
    text = query_loki.invoke(args)
    return text, parse_tool_output(text)


def test_log_lines_are_merged_newest_first(loki: LoopbackServer) -> None:
    text, result = call(
        query='{namespace="shop"} |= "error"',
        start="2026-12-02T15:30:00Z",
        end="2026-12-02T16:30:00Z",
        limit=50,
    )
    assert result.status == "success", result
    lines = result.data["lines"]
    assert [line["time"] for line in lines] == [
        "2026-12-02T16:21:42.547000Z",
        "2026-12-02T16:20:10.002000Z",
        "2026-12-02T16:16:42.311000Z",
    ]
    assert lines[1]["stream"].startswith('{app="payments"')
    sent = parse_qs(urlsplit(loki.requests[0].path).query)
    assert sent["start"] == ["1796225400000000000"] and sent["end"] == ["1796229000000000000"]
    assert sent["limit"] == ["50"] and sent["direction"] == ["backward"]
    assert loki.requests[0].headers["Authorization"].startswith("Basic ")
    assert text.startswith('<tool-output trust="untrusted" tool="query_loki">')


def test_the_limit_bounds_the_lines(loki: LoopbackServer) -> None:
    _, result = call(query='{namespace="shop"}', limit=2)
    assert result.data["line_count"] == 2 and result.data["truncated"] is True


def test_a_metric_query_is_summarised_per_series(loki: LoopbackServer) -> None:
    _, result = call(query='rate({namespace="shop"} |= "error" [5m])')
    assert result.status == "success"
    assert result.data["top"][0] == {
        "labels": '{app="checkout"}',
        "points": 3,
        "last": 0.1,
        "max": 0.1,
    }


def test_a_logql_error_is_loki_text_with_the_password_redacted(loki: LoopbackServer) -> None:
    text, result = call(query="nonsense")
    assert result.status == "error" and result.code == "http_error"
    assert "syntax error: unexpected IDENTIFIER" in str(result.error)
    assert PASSWORD not in text


def test_bounds_are_in_the_schema() -> None:
    schema = query_loki.tool_call_schema.model_json_schema()
    assert schema["properties"]["limit"]["maximum"] == 500
    _, result = call(query='{a="b"}', start="2026-01-01T00:00:00Z", end="2026-03-01T00:00:00Z")
    assert result.status == "error" and "narrow it" in str(result.error)


def test_without_a_url_loki_is_not_configured() -> None:
    _, result = call(query='{app="api"}')
    assert result.status == "not_configured"
    assert "INFRA_TEAM_LOKI_URL" in result.summary
