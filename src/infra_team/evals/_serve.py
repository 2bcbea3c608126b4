"""Serving a case's recorded integration answers to the team's HTTP tools.

While an eval runs, every integration's URL points at a host under ``.eval.invalid``
(RFC 2606 reserves ``.invalid``: it can never resolve) and every request to such a host
is answered by an ``httpx.MockTransport`` from the answers of the case being run. The
tools, their retries and their parsing run unchanged; nothing reaches a real
Prometheus, Alertmanager, PagerDuty, Grafana or Statuspage, and a user's configured
credentials are never read. Requests to any other host (a model provider's API) pass
through untouched.

The answers are chosen per case through a context variable, so cases can run in
threads side by side: LangGraph and LangChain copy the context into the threads that
run nodes and tools.

A request no recorded answer matches gets what the real service would say when it has
nothing to show: an empty result for a Prometheus query, no alerts from Alertmanager,
and HTTP 404 with an error body for anything else. A model is never handed a made-up
value.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict

from infra_team.evals._case import RecordedResponse, Service

EVAL_DOMAIN = "eval.invalid"
BASE_URLS: dict[Service, str] = {
    "prometheus": f"http://prometheus.{EVAL_DOMAIN}",
    "alertmanager": f"http://alertmanager.{EVAL_DOMAIN}",
    "pagerduty": f"http://pagerduty.{EVAL_DOMAIN}/v2/enqueue",
    "grafana": f"http://grafana.{EVAL_DOMAIN}",
    "statuspage": f"http://statuspage.{EVAL_DOMAIN}/v1",
}
"""Where each integration is reached during an eval."""
_SETTINGS: dict[str, str] = {
    "INFRA_TEAM_PROMETHEUS_URL": BASE_URLS["prometheus"],
    "INFRA_TEAM_ALERTMANAGER_URL": BASE_URLS["alertmanager"],
    "INFRA_TEAM_PAGERDUTY_URL": BASE_URLS["pagerduty"],
    "INFRA_TEAM_PAGERDUTY_ROUTING_KEY": "eval0000000000000000000000000000",
    "INFRA_TEAM_GRAFANA_URL": BASE_URLS["grafana"],
    "INFRA_TEAM_GRAFANA_TOKEN": "eval-grafana-token",
    "INFRA_TEAM_STATUSPAGE_URL": BASE_URLS["statuspage"],
    "INFRA_TEAM_STATUSPAGE_PAGE_ID": "evalpage",
    "INFRA_TEAM_STATUSPAGE_TOKEN": "eval-statuspage-token",
    "INFRA_TEAM_HTTP_BACKOFF_INITIAL": "0",
    "INFRA_TEAM_HTTP_RETRY_AFTER_MAX": "0",
}
"""The settings of an eval run: every integration configured, pointing at the eval hosts."""


class ServedRequest(BaseModel):
    """One request a tool sent during a case, and what it was answered."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    method: str
    path: str
    params: dict[str, list[str]]
    status: int
    recorded: bool
    """True when a recorded answer matched; False for the default empty answer."""


class _Routes:
    """The answers of one case and the log of what was asked."""

    def __init__(self, responses: tuple[RecordedResponse, ...]) -> None:
        self.responses = responses
        self.log: list[ServedRequest] = []
        self.lock = threading.Lock()


_CURRENT: ContextVar[_Routes | None] = ContextVar("infra_team_eval_routes", default=None)


def _service(host: str) -> Service | None:
    for service, base in BASE_URLS.items():
        if httpx.URL(base).host == host:
            return service
    return None


def _relative_path(service: Service, url: httpx.URL) -> str:
    prefix = httpx.URL(BASE_URLS[service]).path.rstrip("/")
    if prefix and url.path.startswith(prefix):
        return url.path[len(prefix) :] or "/"
    return url.path


def _matches(response: RecordedResponse, method: str, path: str, params: list[str]) -> bool:
    if response.method != method or response.path.rstrip("/") != path.rstrip("/"):
        return False
    if response.query_contains is None:
        return True
    needle = response.query_contains.lower()
    return any(needle in value.lower() for value in params)


def _default(service: Service, path: str) -> tuple[int, Any]:
    """What the real service answers when it has nothing: see the module docstring."""
    if service == "prometheus" and path.startswith("/api/v1/query"):
        kind = "matrix" if path.startswith("/api/v1/query_range") else "vector"
        return 200, {"status": "success", "data": {"resultType": kind, "result": []}}
    if service == "alertmanager" and path == "/api/v2/alerts":
        return 200, []
    return 404, {
        "error": f"no recorded answer for {path} in this eval case",
        "message": "not found",
    }


def _answer(request: httpx.Request) -> httpx.Response:
    routes = _CURRENT.get()
    service = _service(request.url.host)
    if service is None:  # pragma: no cover - only eval hosts are routed here
        return httpx.Response(502, json={"error": "not an eval host"})
    path = _relative_path(service, request.url)
    params = {key: request.url.params.get_list(key) for key in request.url.params}
    values = [value for items in params.values() for value in items]
    status, body, recorded = 0, None, False
    for response in routes.responses if routes else ():
        if response.service == service and _matches(response, request.method, path, values):
            status, body, recorded = response.status, response.body, True
            break
    if not recorded:
        status, body = _default(service, path)
    if routes is not None:
        with routes.lock:
            routes.log.append(
                ServedRequest(
                    service=service,
                    method=request.method,
                    path=path,
                    params=params,
                    status=status,
                    recorded=recorded,
                )
            )
    content = b"" if body is None else json.dumps(body).encode()
    return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})


_MOCK = httpx.MockTransport(_answer)
_PATCH_LOCK = threading.Lock()
_patch_depth = 0
_original_handle = httpx.HTTPTransport.handle_request


def _handle_request(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
    if request.url.host.endswith("." + EVAL_DOMAIN):
        return _MOCK.handle_request(request)
    return _original_handle(self, request)


@contextlib.contextmanager
def _routed_transport() -> Iterator[None]:
    """Send requests to the eval hosts to ``_MOCK``; nested uses share one patch."""
    global _patch_depth
    with _PATCH_LOCK:
        _patch_depth += 1
        if _patch_depth == 1:
            httpx.HTTPTransport.handle_request = _handle_request  # type: ignore[method-assign]
    try:
        yield
    finally:
        with _PATCH_LOCK:
            _patch_depth -= 1
            if _patch_depth == 0:
                httpx.HTTPTransport.handle_request = _original_handle  # type: ignore[method-assign]


@contextlib.contextmanager
def _eval_settings() -> Iterator[None]:
    """The eval's settings in place of the user's: an empty config file and the variables
    above; every ``INFRA_TEAM_*`` variable but the model is set aside and restored after."""
    from infra_team.settings import CONFIG_ENV, reset_settings

    saved = {
        name: value
        for name, value in os.environ.items()
        if name.startswith("INFRA_TEAM_") and name != "INFRA_TEAM_MODEL"
    }
    with tempfile.TemporaryDirectory(prefix="infra-team-eval-") as folder:
        empty = Path(folder) / "config.toml"
        empty.write_text("", encoding="utf-8")
        try:
            for name in saved:
                del os.environ[name]
            os.environ.update({**_SETTINGS, CONFIG_ENV: str(empty)})
            reset_settings()
            yield
        finally:
            for name in [*_SETTINGS, CONFIG_ENV]:
                os.environ.pop(name, None)
            os.environ.update(saved)
            reset_settings()


@contextlib.contextmanager
def eval_integrations() -> Iterator[None]:
    """Route the eval hosts to the recorded answers and point the settings at them.

    The user's config file and ``INFRA_TEAM_*`` integration variables are set aside for
    the duration and restored afterwards, so no credential of theirs is read or sent.
    """
    with _routed_transport(), _eval_settings():
        yield


@contextlib.contextmanager
def serve_case(responses: tuple[RecordedResponse, ...]) -> Iterator[list[ServedRequest]]:
    """Answer this context's integration requests from ``responses``; yields the request log."""
    routes = _Routes(responses)
    token = _CURRENT.set(routes)
    try:
        yield routes.log
    finally:
        _CURRENT.reset(token)


__all__ = ["BASE_URLS", "EVAL_DOMAIN", "ServedRequest", "eval_integrations", "serve_case"]
