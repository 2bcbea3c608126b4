"""The only door to a Kubernetes cluster: four GETs through lightkube, nothing else.

Client: lightkube. It has a plain synchronous API over an httpx-family transport with one
timeout for every call, typed resources generated from the Kubernetes OpenAPI spec, and
kubeconfig loading with a named context, in a few hundred kB. The official ``kubernetes``
client is megabytes of generated code on urllib3, whose timeout is a per-method
``_request_timeout`` keyword that is easy to forget; kr8s is async first (its sync API
runs an event loop in a thread) and hands out objects whose own methods patch, scale and
delete, so read-only would only be a convention there.

Read-only by construction: the lightkube client is held inside ``KubeReader``, which
offers four methods, each an HTTP GET (list pods, list events, read a deployment, read a
pod's log). No tool can reach a method that writes. A namespace outside the settings'
allowlist is refused before any request; the kubeconfig path and context come from the
settings, never from the model. lightkube is imported only when a tool runs, so the
catalogue loads without it (``pip install 'infra-team[kubernetes]'``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from infra_team.settings import KubernetesSettings, Settings
from infra_team.tools._base import ToolInputError, ToolResult, error
from infra_team.tools._redact import Redactor
from infra_team.tools.integrations.http import not_configured, unset_settings

if TYPE_CHECKING:
    from lightkube import Client

SERVICE = "Kubernetes"
PAGE = 500
"""Items per list request (``limit``/``continue`` paging)."""
MAX_ERROR_CHARS = 2_000
"""Characters kept of an API error message."""


class KubeReader:
    """The only door to the cluster: four GETs, nothing else."""

    def __init__(self, client: Client, redactor: Redactor) -> None:
        self._client = client
        self.redactor = redactor

    def pods(self, namespace: str) -> Iterator[dict[str, Any]]:
        from lightkube.resources.core_v1 import Pod

        for pod in self._client.list(Pod, namespace=namespace, chunk_size=PAGE):
            yield pod.to_dict()

    def warning_events(self, namespace: str) -> Iterator[dict[str, Any]]:
        from lightkube.resources.core_v1 import Event

        listing = self._client.list(
            Event, namespace=namespace, chunk_size=PAGE, fields={"type": "Warning"}
        )
        for event in listing:
            yield event.to_dict()

    def deployment(self, namespace: str, name: str) -> dict[str, Any]:
        from lightkube.resources.apps_v1 import Deployment

        return dict(self._client.get(Deployment, name, namespace=namespace).to_dict())

    def log_tail(self, namespace: str, pod: str, container: str | None, lines: int) -> list[str]:
        stream = self._client.log(
            pod, namespace=namespace, container=container, tail_lines=lines, newlines=False
        )
        return list(islice(stream, lines))

    def close(self) -> None:
        self._client.close()


def open_reader(config: KubernetesSettings) -> KubeReader:
    """A reader on the configured kubeconfig and context.

    Raises:
        ToolInputError: the kubeconfig cannot be read or has no such context
            (``code="invalid_settings"``).
    """
    import httpx2
    from lightkube import Client, KubeConfig
    from lightkube.core.exceptions import ConfigError as KubeConfigError

    assert config.kubeconfig is not None
    try:
        kubeconfig = KubeConfig.from_file(config.kubeconfig)
        single = kubeconfig.get(context_name=config.context)
    except (OSError, ValueError, KeyError, KubeConfigError) as exc:
        what = type(exc).__name__
        msg = (
            f"cannot use kubeconfig `{config.kubeconfig}`"
            f"{f' context `{config.context}`' if config.context else ''} ({what}); "
            "check INFRA_TEAM_KUBERNETES_KUBECONFIG and INFRA_TEAM_KUBERNETES_CONTEXT"
        )
        raise ToolInputError(msg, code="invalid_settings") from None
    user = single.user if single is not None else None
    if single is None or user is None:
        msg = f"kubeconfig `{config.kubeconfig}`: the context names no user; add one"
        raise ToolInputError(msg, code="invalid_settings")
    secrets = [s for s in (user.token, user.password) if s]
    client = Client(config=single, timeout=httpx2.Timeout(config.timeout), trust_env=False)
    return KubeReader(client, Redactor.of(secrets))


ReaderFactory = Callable[[KubernetesSettings], KubeReader]


def _namespace(config: KubernetesSettings, requested: str | None) -> str:
    if requested is None:
        return config.namespaces[0]
    if requested not in config.namespaces:
        allowed = ", ".join(config.namespaces)
        msg = f"namespace `{requested}` is not allowlisted (allowed: {allowed}); nothing was read"
        raise ToolInputError(msg, code="not_allowed")
    return requested


def run_read(
    tool: str,
    settings: Settings,
    namespace: str | None,
    read: Callable[[KubeReader, str], ToolResult],
    *,
    factory: ReaderFactory = open_reader,
) -> ToolResult:
    """Check settings and the allowlist, open a reader, run ``read``, turn failures into results."""
    config = settings.kubernetes
    missing = unset_settings("kubernetes", config, "kubeconfig")
    if not config.namespaces:
        missing.append("INFRA_TEAM_KUBERNETES_NAMESPACES")
    if missing:
        return not_configured(tool, SERVICE, missing)
    try:
        import httpx2
        from lightkube.core.exceptions import ApiError
    except ImportError:
        return error(
            tool,
            "the Kubernetes client is not installed: pip install 'infra-team[kubernetes]'",
            code="not_installed",
        )
    ns = _namespace(config, namespace)
    reader = factory(config)
    try:
        return read(reader, ns)
    except ApiError as exc:
        status = exc.status
        text = reader.redactor.text(str(status.message or status.reason or "error"))[
            :MAX_ERROR_CHARS
        ]
        return error(tool, f"{SERVICE} API: HTTP {status.code}: {text}", code="http_error")
    except httpx2.HTTPStatusError as exc:
        code = exc.response.status_code
        return error(tool, f"{SERVICE} API: HTTP {code}", code="http_error")
    except httpx2.TimeoutException:
        return error(tool, f"{SERVICE} API: no answer within {config.timeout:g} s", code="timeout")
    except httpx2.HTTPError as exc:
        reason = reader.redactor.text(f"{type(exc).__name__}: {exc}")[:MAX_ERROR_CHARS]
        return error(tool, f"{SERVICE} API unreachable ({reason})", code="unreachable")
    finally:
        reader.close()
