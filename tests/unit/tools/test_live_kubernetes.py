"""The Kubernetes read-only tools against recorded API answers, served on loopback.

Kubernetes cannot run here, so a loopback HTTP server answers with real API shapes
(PodList, EventList, Deployment, ``Status`` errors and log text as the API server sends
them) and a kubeconfig points lightkube at it: the tools run the real client, paging
parameters, field selector, bearer token and error decoding.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from infra_team.settings import reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.live import kubernetes as k8s
from infra_team.tools.live.kubernetes_client import KubeReader
from tests.support.http_server import LoopbackServer, Reply, SeenRequest, serve

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tools" / "kubernetes"
TOKEN = "kube-token-7f3a9c1e5b2d"
API_JSON = "application/json"
"""What kube-apiserver sends as ``Content-Type``; lightkube decodes errors only for it."""
NOW = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("clean_settings")


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _not_found(kind: str, name: str) -> Reply:
    return 404, {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'{kind} "{name}" not found',
        "reason": "NotFound",
        "details": {"name": name, "kind": kind},
        "code": 404,
    }


def responder(request: SeenRequest) -> Reply:
    """What the API server answers to the four GETs the tools send (anything else: 405)."""
    if request.method != "GET":
        return 405, {"kind": "Status", "code": 405, "message": "read-only test server"}
    url = urlsplit(request.path)
    query = parse_qs(url.query)
    if request.headers.get("Authorization") != f"Bearer {TOKEN}":
        return 401, {
            "kind": "Status",
            "code": 401,
            "message": "Unauthorized",
            "reason": "Unauthorized",
        }
    if url.path == "/api/v1/namespaces/shop/pods":
        return 200, _load("pods.json")
    if url.path == "/api/v1/namespaces/shop/events":
        assert query.get("fieldSelector") == ["type=Warning"]
        return 200, _load("events.json")
    if url.path == "/apis/apps/v1/namespaces/shop/deployments/checkout":
        return 200, _load("deployment.json")
    if url.path.startswith("/apis/apps/v1/namespaces/shop/deployments/"):
        return _not_found("deployments.apps", url.path.rsplit("/", 1)[1])
    if url.path == "/api/v1/namespaces/shop/pods/checkout-7d9f8c6b5-2xkqp/log":
        lines = (FIXTURES / "checkout.log").read_text(encoding="utf-8").splitlines()
        tail = int(query["tailLines"][0])
        return 200, "\n".join(lines[-tail:]) + "\n"
    if url.path == "/api/v1/namespaces/shop/pods/secret-echo/log":
        return 403, {
            "kind": "Status",
            "code": 403,
            "message": f"token {TOKEN} may not read logs",
            "reason": "Forbidden",
        }
    return 404, {
        "kind": "Status",
        "code": 404,
        "message": "the server could not find the requested resource",
    }


@pytest.fixture
def apiserver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve(responder, json_type=API_JSON) as server:
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": server.url}}],
            "users": [{"name": "reader", "user": {"token": TOKEN}}],
            "contexts": [{"name": "ro", "context": {"cluster": "test", "user": "reader"}}],
            "current-context": "ro",
        }
        path = tmp_path / "kubeconfig"
        path.write_text(yaml.safe_dump(kubeconfig), encoding="utf-8")
        monkeypatch.setenv("INFRA_TEAM_KUBERNETES_KUBECONFIG", str(path))
        monkeypatch.setenv("INFRA_TEAM_KUBERNETES_CONTEXT", "ro")
        monkeypatch.setenv("INFRA_TEAM_KUBERNETES_NAMESPACES", '["shop", "web"]')
        monkeypatch.setattr(k8s, "_now", lambda: NOW)
        reset_settings()
        yield server


def call(tool: Any, **args: Any) -> tuple[str, ToolResult]:
    text = tool.invoke(args)
    return text, parse_tool_output(text)


def test_pods_not_ready_reads_the_real_pod_list(apiserver: LoopbackServer) -> None:
    text, result = call(k8s.k8s_pods_not_ready)
    assert result.status == "success", result
    data = result.data
    assert data["pods_scanned"] == 4
    assert [(r["pod"], r["reason"], r["restarts"]) for r in data["not_ready"]] == [
        ("checkout-7d9f8c6b5-2xkqp", "CrashLoopBackOff", 17),
        ("payments-5c6d7e8f9-qr8tn", "ImagePullBackOff", 0),
    ]
    assert data["not_ready"][0]["ready"] == "0/1"
    assert text.startswith('<tool-output trust="untrusted" tool="k8s_pods_not_ready">')
    assert "limit=500" in apiserver.requests[0].path
    assert TOKEN not in text


def test_warning_events_recent_first_and_windowed(apiserver: LoopbackServer) -> None:
    _, result = call(k8s.k8s_warning_events, namespace="shop", since_minutes=60)
    assert result.status == "success", result
    events = result.data["events"]
    assert [e["reason"] for e in events] == [
        "Failed",
        "BackOff",
    ]  # the 12:10 probe failure is older
    assert events[1]["count"] == 342
    assert events[1]["object"] == "Pod/checkout-7d9f8c6b5-2xkqp"
    _, older = call(k8s.k8s_warning_events, namespace="shop", since_minutes=600)
    assert older.data["count"] == 3


def test_rollout_status_reports_the_progress_deadline(apiserver: LoopbackServer) -> None:
    _, result = call(k8s.k8s_rollout_status, deployment="checkout")
    assert result.status == "success"
    assert result.data["state"] == "failed"
    assert result.data["message"] == 'deployment "checkout" exceeded its progress deadline'
    assert (result.data["available"], result.data["unavailable"]) == (2, 1)


def test_rollout_of_a_missing_deployment_is_the_api_error(apiserver: LoopbackServer) -> None:
    _, result = call(k8s.k8s_rollout_status, deployment="nope")
    assert result.status == "error" and result.code == "http_error"
    assert 'deployments.apps "nope" not found' in str(result.error)


def test_container_logs_tail_is_bounded(apiserver: LoopbackServer) -> None:
    _, result = call(
        k8s.k8s_container_logs, pod="checkout-7d9f8c6b5-2xkqp", container="checkout", lines=2
    )
    assert result.status == "success"
    assert result.data["line_count"] == 2
    assert result.data["lines"][-1].endswith("FATAL exiting: startup dependency check failed")
    query = parse_qs(urlsplit(apiserver.requests[-1].path).query)
    assert query["tailLines"] == ["2"] and query["container"] == ["checkout"]


def test_a_token_echoed_by_the_api_is_redacted(apiserver: LoopbackServer) -> None:
    text, result = call(k8s.k8s_container_logs, pod="secret-echo")
    assert result.status == "error" and "HTTP 403" in str(result.error)
    assert TOKEN not in text


def test_a_namespace_outside_the_allowlist_is_refused_before_any_request(
    apiserver: LoopbackServer,
) -> None:
    _, result = call(k8s.k8s_pods_not_ready, namespace="kube-system")
    assert result.status == "error" and result.code == "not_allowed"
    assert apiserver.requests == []


def test_only_get_requests_reach_the_server(apiserver: LoopbackServer) -> None:
    call(k8s.k8s_pods_not_ready)
    call(k8s.k8s_warning_events)
    call(k8s.k8s_rollout_status, deployment="checkout")
    call(k8s.k8s_container_logs, pod="checkout-7d9f8c6b5-2xkqp")
    assert {r.method for r in apiserver.requests} == {"GET"}
    public = {name for name in vars(KubeReader) if not name.startswith("_")}
    assert public == {"pods", "warning_events", "deployment", "log_tail", "close"}


def test_without_settings_the_tools_are_not_configured() -> None:
    for tool, args in (
        (k8s.k8s_pods_not_ready, {}),
        (k8s.k8s_warning_events, {}),
        (k8s.k8s_rollout_status, {"deployment": "checkout"}),
        (k8s.k8s_container_logs, {"pod": "p"}),
    ):
        _, result = call(tool, **args)
        assert result.status == "not_configured"
        assert "INFRA_TEAM_KUBERNETES_KUBECONFIG" in result.summary


def test_a_missing_context_is_one_clear_settings_error(
    apiserver: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRA_TEAM_KUBERNETES_CONTEXT", "prod")
    reset_settings()
    _, result = call(k8s.k8s_pods_not_ready)
    assert result.status == "error" and result.code == "invalid_settings"
    assert "context `prod`" in str(result.error)


def test_an_unreachable_api_server_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve(responder) as server:
        url = server.url  # closed when the block ends: nothing listens there afterwards
    path = tmp_path / "kubeconfig"
    path.write_text(
        yaml.safe_dump(
            {
                "clusters": [{"name": "c", "cluster": {"server": url}}],
                "users": [{"name": "u", "user": {"token": TOKEN}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("INFRA_TEAM_KUBERNETES_KUBECONFIG", str(path))
    monkeypatch.setenv("INFRA_TEAM_KUBERNETES_NAMESPACES", '["shop"]')
    reset_settings()
    _, result = call(k8s.k8s_pods_not_ready)
    assert result.status == "error" and result.code == "unreachable"


def test_rollout_status_words_match_kubectl() -> None:
    base = {"metadata": {"name": "web", "generation": 2}, "spec": {"replicas": 3}}
    cases = [
        ({"observedGeneration": 1}, "Waiting for deployment spec update to be observed..."),
        (
            {"observedGeneration": 2, "updatedReplicas": 1, "replicas": 3},
            'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
        ),
        (
            {"observedGeneration": 2, "updatedReplicas": 3, "replicas": 4},
            'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
        ),
        (
            {"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 2},
            'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
        ),
        (
            {"observedGeneration": 2, "updatedReplicas": 3, "replicas": 3, "availableReplicas": 3},
            'deployment "web" successfully rolled out',
        ),
    ]
    for status, message in cases:
        assert k8s.rollout_status({**base, "status": status})[0] == message


def test_the_namespace_allowlist_holds_only_namespace_names() -> None:
    from infra_team.errors import ConfigError
    from infra_team.settings import load_settings

    assert load_settings(kubernetes={"namespaces": ["shop", "web-2"]}).kubernetes.namespaces == (
        "shop",
        "web-2",
    )
    for bad in ("Shop", "-web", "a" * 64, "shop/x"):
        with pytest.raises(ConfigError, match="INFRA_TEAM_KUBERNETES_NAMESPACES"):
            load_settings(kubernetes={"namespaces": [bad]})
