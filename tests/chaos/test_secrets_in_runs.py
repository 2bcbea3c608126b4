"""A credential never shows in what a run leaves behind, even when the tool that uses it
fails: the result and its report, the streamed events, the SQLite checkpoint file (read as
raw bytes) and the log.

Two ways in: a token read with a control character (``echo token > file`` leaves a
newline), which settings refuse at load, naming the variable; and a well-formed token that
Prometheus (a loopback server here) rejects with 401 while echoing the ``Authorization``
header back, as some proxies do.
"""

from __future__ import annotations

import json
import logging
import secrets
from pathlib import Path

import pytest

from infra_team import stream, task
from infra_team.settings import reset_settings
from tests.support.chaos import figure, staged_model
from tests.support.http_server import serve

REQUEST = "New PostgreSQL cluster for billing with a hot standby"
VARIABLE = "INFRA_TEAM_PROMETHEUS_BEARER_TOKEN"
QUERY = ("query_prometheus", {"query": "pg_replication_lag_seconds"})


def _echo_401(request):
    return 401, {"status": "error", "error": f"bad token in {request.headers.get('Authorization')}"}


@pytest.fixture
def prometheus(monkeypatch):
    def configure(token: str):
        server = serve(_echo_401)
        state = server.__enter__()
        monkeypatch.setenv("INFRA_TEAM_PROMETHEUS_URL", state.url)
        monkeypatch.setenv(VARIABLE, token)
        reset_settings()
        opened.append(server)
        return state

    opened: list = []
    yield configure
    for server in opened:
        server.__exit__(None, None, None)
    reset_settings()


def _stored(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


SHAPES = {
    "trailing-newline": "\n",
    "trailing-cr": "\r",
    "trailing-crlf": "\r\n",
    "echoed-by-the-server": "",
}


@pytest.mark.parametrize("ending", SHAPES.values(), ids=SHAPES.keys())
def test_a_token_never_reaches_the_report_the_stream_the_checkpoint_or_the_log(
    tmp_path, prometheus, caplog, ending
):
    secret = "glsa_" + secrets.token_hex(16)
    server = prometheus(secret + ending)
    model = staged_model(first_tools={"site-reliability-engineer": [QUERY]})
    path = tmp_path / "runs.sqlite"

    with caplog.at_level(logging.DEBUG):
        result = task("infrastructure-team", REQUEST, model=model, checkpointer=path)
        events = list(
            stream("infrastructure-team", REQUEST, model=model, checkpointer=tmp_path / "s.sqlite")
        )

    shown = {
        "result": json.dumps(result.model_dump(mode="json")),
        "stream": json.dumps([e.model_dump(mode="json") for e in events]),
        "checkpoint": (_stored(path) + _stored(tmp_path / "s.sqlite")).decode("latin-1"),
        "log": "\n".join(r.getMessage() for r in caplog.records),
    }
    stem = secret[:12]  # a cut token keeps its start: look for that too
    leaked = [where for where, text in shown.items() if secret in text or stem in text]
    figure(
        f"token {next(k for k, v in SHAPES.items() if v == ending)}: places clean",
        4,
        4 - len(leaked),
    )
    assert leaked == []

    assert result.status == "completed", result.error
    tool_results = [e for e in events if e.type == "tool_result" and e.tool == "query_prometheus"]
    assert tool_results, "the tool ran in the streamed run"
    said = json.dumps([e.model_dump(mode="json") for e in tool_results])
    if ending:
        assert VARIABLE in said  # the variable is named, never its value
        assert server.requests == []  # nothing was sent with a broken header
    else:
        assert "HTTP 401" in said
        assert any(secret in r.headers.get("Authorization", "") for r in server.requests)
    assert REQUEST.encode() in _stored(path)  # the checkpoint was read, not an empty file
