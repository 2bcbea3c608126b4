"""Kubernetes, read-only: pods not ready, recent Warning events, rollout status, log tail.

The cluster is reached only through ``kubernetes_client.KubeReader`` (four GETs; the
client choice and the read-only construction are explained there). Semantics follow the
Kubernetes documentation: "Pod Lifecycle" (the ``Ready`` condition, container
``waiting``/``terminated`` reasons), the Event API (``type=Warning``), and ``kubectl
rollout status`` (kubectl ``polymorphichelpers/rollout_status.go``,
``DeploymentStatusViewer``). Every result is bounded: rows, log lines and characters per
line are capped (stated in each tool's description and schema).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Annotated, Any

from langchain_core.tools import BaseTool
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from infra_team.tools._base import ToolResult, infra_tool, no_data, ok
from infra_team.tools.integrations.http import with_settings
from infra_team.tools.live.kubernetes_client import KubeReader, run_read

MAX_PODS_SCANNED = 5_000
"""Pods read from one namespace at most; a bigger namespace is reported as truncated."""
MAX_EVENTS_SCANNED = 5_000
"""Warning events read at most."""
MAX_ROWS = 50
"""Pods or events listed in a result; the total count is always reported."""
MAX_LOG_LINES = 500
"""Log lines a call may ask for (``tailLines``)."""
MAX_LINE_CHARS = 2_000
"""Characters kept of one log line or event message."""

_DNS_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?")


def _dns_name(value: str) -> str:
    """Checked here, not as a schema ``pattern``: the rule costs the model no schema text."""
    if not _DNS_NAME.fullmatch(value):
        msg = "must be a Kubernetes name: lower-case letters, digits, `-` and `.`"
        raise ValueError(msg)
    return value


ObjectName = Annotated[str, Field(max_length=253), AfterValidator(_dns_name)]
"""A pod, deployment or container name (RFC 1123 subdomain, as Kubernetes requires)."""
Namespace = Annotated[str, Field(max_length=63), AfterValidator(_dns_name)]
_NS_HELP = "Allowlisted namespace; default the first."
_ARGS = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _now() -> datetime:
    """The current time; tests replace it to read recorded events as recent."""
    return datetime.now(UTC)


SETTINGS = ("kubernetes.kubeconfig", "kubernetes.namespaces")
"""The settings fields the tools here need (``infra-team tools`` lists them)."""


# --------------------------------------------------------------------------- pods


def _waiting_reason(status: dict[str, Any]) -> str | None:
    """The first container's ``waiting``/``terminated`` reason (CrashLoopBackOff, OOMKilled ...)."""
    for key in ("initContainerStatuses", "containerStatuses"):
        for container in status.get(key) or []:
            state = container.get("state") or {}
            for phase in ("waiting", "terminated"):
                reason = (state.get(phase) or {}).get("reason")
                if reason and reason != "Completed":
                    return str(reason)
    return None


def pod_row(pod: dict[str, Any]) -> dict[str, Any] | None:
    """The row of a pod that is not ready, or None for a ready or completed one.

    A pod is ready when its ``Ready`` condition is ``True`` (Pod Lifecycle, "Pod
    conditions"); a ``Succeeded`` pod (a finished Job) is never ready and is not a problem.
    """
    status = pod.get("status") or {}
    phase = status.get("phase", "Unknown")
    if phase == "Succeeded":
        return None
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    if ready:
        return None
    containers = status.get("containerStatuses") or []
    meta = pod.get("metadata") or {}
    return {
        "pod": meta.get("name"),
        "phase": phase,
        "reason": _waiting_reason(status) or status.get("reason"),
        "ready": f"{sum(bool(c.get('ready')) for c in containers)}/{len(containers)}",
        "restarts": sum(int(c.get("restartCount") or 0) for c in containers),
        "node": (pod.get("spec") or {}).get("nodeName"),
        "started": status.get("startTime"),
    }


class PodsArgs(BaseModel):
    """Arguments of ``k8s_pods_not_ready``."""

    model_config = _ARGS

    namespace: Namespace | None = Field(default=None, description=_NS_HELP)


def read_pods_not_ready(reader: KubeReader, namespace: str) -> ToolResult:
    tool = "k8s_pods_not_ready"
    pods = list(islice(reader.pods(namespace), MAX_PODS_SCANNED + 1))
    truncated = len(pods) > MAX_PODS_SCANNED
    pods = pods[:MAX_PODS_SCANNED]
    rows = [row for row in map(pod_row, pods) if row is not None]
    rows.sort(key=lambda r: (-r["restarts"], str(r["pod"])))
    data = {
        "namespace": namespace,
        "pods_scanned": len(pods),
        "not_ready_count": len(rows),
        "not_ready": rows[:MAX_ROWS],
        "truncated": truncated or len(rows) > MAX_ROWS,
    }
    if not rows:
        return no_data(tool, f"All {len(pods)} pod(s) in {namespace} are ready.", data)
    reasons = sorted({str(r["reason"] or r["phase"]) for r in rows})
    summary = (
        f"{len(rows)} of {len(pods)} pod(s) in {namespace} not ready ({', '.join(reasons)}); "
        f"most restarts: {rows[0]['pod']} ({rows[0]['restarts']})."
    )
    return ok(tool, summary, data)


@infra_tool(
    name="k8s_pods_not_ready",
    description=(
        "Read-only: list pods of a Kubernetes namespace that are not Ready (phase, waiting "
        f"reason, restarts); at most {MAX_ROWS} rows."
    ),
    args_schema=PodsArgs,
    live=True,
    settings=SETTINGS,
)
def k8s_pods_not_ready(*, namespace: str | None) -> ToolResult:
    """Which pods are not Ready, most restarts first."""
    return with_settings(
        "k8s_pods_not_ready",
        lambda s, a: run_read("k8s_pods_not_ready", s, a.namespace, read_pods_not_ready),
        PodsArgs(namespace=namespace),
    )


# --------------------------------------------------------------------------- events


def _event_time(event: dict[str, Any]) -> datetime | None:
    for key in ("lastTimestamp", "eventTime", "firstTimestamp"):
        value = event.get(key) or (event.get("series") or {}).get("lastObservedTime")
        if value:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    created = (event.get("metadata") or {}).get("creationTimestamp")
    return datetime.fromisoformat(str(created).replace("Z", "+00:00")) if created else None


class EventsArgs(BaseModel):
    """Arguments of ``k8s_warning_events``."""

    model_config = _ARGS

    namespace: Namespace | None = Field(default=None, description=_NS_HELP)
    since_minutes: int = Field(default=60, ge=1, le=10_080, description="Look-back window.")


def read_warning_events(
    reader: KubeReader, namespace: str, since_minutes: int, now: datetime | None = None
) -> ToolResult:
    tool = "k8s_warning_events"
    cutoff = (now or _now()) - timedelta(minutes=since_minutes)
    scanned = list(islice(reader.warning_events(namespace), MAX_EVENTS_SCANNED + 1))
    recent: list[dict[str, Any]] = []
    for event in scanned[:MAX_EVENTS_SCANNED]:
        seen = _event_time(event)
        if seen is None or seen < cutoff:
            continue
        involved = event.get("involvedObject") or {}
        recent.append(
            {
                "last_seen": seen.isoformat(),
                "reason": event.get("reason"),
                "object": f"{involved.get('kind')}/{involved.get('name')}",
                "count": int(event.get("count") or (event.get("series") or {}).get("count") or 1),
                "message": str(event.get("message") or "")[:MAX_LINE_CHARS],
            }
        )
    recent.sort(key=lambda e: e["last_seen"], reverse=True)
    data = {
        "namespace": namespace,
        "since_minutes": since_minutes,
        "count": len(recent),
        "events": recent[:MAX_ROWS],
        "truncated": len(scanned) > MAX_EVENTS_SCANNED or len(recent) > MAX_ROWS,
    }
    if not recent:
        return no_data(tool, f"No Warning events in {namespace} in {since_minutes} min.", data)
    reasons: dict[str, int] = {}
    for event in recent:
        reasons[str(event["reason"])] = reasons.get(str(event["reason"]), 0) + event["count"]
    top = ", ".join(f"{r} x{n}" for r, n in sorted(reasons.items(), key=lambda i: -i[1])[:5])
    summary = f"{len(recent)} Warning event(s) in {namespace} in {since_minutes} min: {top}."
    return ok(tool, summary, data)


@infra_tool(
    name="k8s_warning_events",
    description=(
        "Read-only: recent Warning events of a Kubernetes namespace (reason, object, count, "
        f"message), newest first; at most {MAX_ROWS}."
    ),
    args_schema=EventsArgs,
    live=True,
    settings=SETTINGS,
)
def k8s_warning_events(*, namespace: str | None, since_minutes: int) -> ToolResult:
    """Recent Warning events: what the cluster itself reports as going wrong."""
    return with_settings(
        "k8s_warning_events",
        lambda s, a: run_read(
            "k8s_warning_events",
            s,
            a.namespace,
            lambda r, ns: read_warning_events(r, ns, a.since_minutes),
        ),
        EventsArgs(namespace=namespace, since_minutes=since_minutes),
    )


# --------------------------------------------------------------------------- rollout


def rollout_status(deployment: dict[str, Any]) -> tuple[str, bool, bool]:
    """(message, done, failed) exactly as ``kubectl rollout status`` words it."""
    meta = deployment.get("metadata") or {}
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    name = meta.get("name")
    if int(meta.get("generation") or 0) > int(status.get("observedGeneration") or 0):
        return "Waiting for deployment spec update to be observed...", False, False
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and (
            condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            return f'deployment "{name}" exceeded its progress deadline', False, True
    wanted = int(spec.get("replicas", 1) or 0)
    updated = int(status.get("updatedReplicas") or 0)
    total = int(status.get("replicas") or 0)
    available = int(status.get("availableReplicas") or 0)
    if updated < wanted:
        return (
            f'Waiting for deployment "{name}" rollout to finish: {updated} out of {wanted} '
            "new replicas have been updated...",
            False,
            False,
        )
    if total > updated:
        return (
            f'Waiting for deployment "{name}" rollout to finish: {total - updated} old '
            "replicas are pending termination...",
            False,
            False,
        )
    if available < updated:
        return (
            f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} '
            "updated replicas are available...",
            False,
            False,
        )
    return f'deployment "{name}" successfully rolled out', True, False


class RolloutArgs(BaseModel):
    """Arguments of ``k8s_rollout_status``."""

    model_config = _ARGS

    deployment: ObjectName = Field(description="Deployment name.")
    namespace: Namespace | None = Field(default=None, description=_NS_HELP)


def read_rollout(reader: KubeReader, namespace: str, name: str) -> ToolResult:
    tool = "k8s_rollout_status"
    deployment = reader.deployment(namespace, name)
    message, done, failed = rollout_status(deployment)
    status = deployment.get("status") or {}
    spec = deployment.get("spec") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    data = {
        "namespace": namespace,
        "deployment": name,
        "state": "failed" if failed else "complete" if done else "progressing",
        "message": message,
        "replicas": spec.get("replicas", 1),
        "updated": status.get("updatedReplicas", 0),
        "ready": status.get("readyReplicas", 0),
        "available": status.get("availableReplicas", 0),
        "unavailable": status.get("unavailableReplicas", 0),
        "images": [c.get("image") for c in containers][:MAX_ROWS],
        "conditions": [
            {k: c.get(k) for k in ("type", "status", "reason", "message")}
            for c in status.get("conditions") or []
        ][:MAX_ROWS],
    }
    return ok(tool, f"{namespace}/{name}: {message}", data)


@infra_tool(
    name="k8s_rollout_status",
    description=(
        "Read-only: rollout status of a Kubernetes Deployment as `kubectl rollout status` "
        "says it, with replica counts, images and conditions."
    ),
    args_schema=RolloutArgs,
    live=True,
    settings=SETTINGS,
)
def k8s_rollout_status(*, deployment: str, namespace: str | None) -> ToolResult:
    """Is a rollout done, progressing or past its deadline."""
    return with_settings(
        "k8s_rollout_status",
        lambda s, a: run_read(
            "k8s_rollout_status", s, a.namespace, lambda r, ns: read_rollout(r, ns, a.deployment)
        ),
        RolloutArgs(deployment=deployment, namespace=namespace),
    )


# --------------------------------------------------------------------------- logs


class LogsArgs(BaseModel):
    """Arguments of ``k8s_container_logs``."""

    model_config = _ARGS

    pod: ObjectName = Field(description="Pod name.")
    container: ObjectName | None = Field(default=None, description="Default: the only one.")
    namespace: Namespace | None = Field(default=None, description=_NS_HELP)
    lines: int = Field(default=100, ge=1, le=MAX_LOG_LINES, description="Lines from the end.")


def read_logs(
    reader: KubeReader, namespace: str, pod: str, container: str | None, lines: int
) -> ToolResult:
    tool = "k8s_container_logs"
    raw = reader.log_tail(namespace, pod, container, lines)
    kept = [reader.redactor.text(line)[:MAX_LINE_CHARS] for line in raw[-lines:]]
    data = {
        "namespace": namespace,
        "pod": pod,
        "container": container,
        "line_count": len(kept),
        "lines": kept,
        "cut_lines": sum(len(line) > MAX_LINE_CHARS for line in raw),
    }
    where = f"{namespace}/{pod}" + (f" [{container}]" if container else "")
    if not kept:
        return no_data(tool, f"No log lines from {where}.", data)
    return ok(tool, f"Last {len(kept)} log line(s) of {where}.", data)


@infra_tool(
    name="k8s_container_logs",
    description=(
        "Read-only: the last lines of a Kubernetes container's log (at most "
        f"{MAX_LOG_LINES} lines of {MAX_LINE_CHARS} chars)."
    ),
    args_schema=LogsArgs,
    live=True,
    settings=SETTINGS,
)
def k8s_container_logs(
    *, pod: str, container: str | None, namespace: str | None, lines: int
) -> ToolResult:
    """The tail of a container's log, for the error behind a crash loop."""
    args = LogsArgs(pod=pod, container=container, namespace=namespace, lines=lines)
    return with_settings(
        "k8s_container_logs",
        lambda s, a: run_read(
            "k8s_container_logs",
            s,
            a.namespace,
            lambda r, ns: read_logs(r, ns, a.pod, a.container, a.lines),
        ),
        args,
    )


TOOLS: tuple[BaseTool, ...] = (
    k8s_pods_not_ready,
    k8s_warning_events,
    k8s_rollout_status,
    k8s_container_logs,
)
