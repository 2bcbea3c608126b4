"""The Python API: validation, failure handling, resume errors, async twins, streaming."""

from __future__ import annotations

import pytest

from infra_team import (
    InvalidRequestError,
    ThreadNotFoundError,
    astream,
    atask,
    resume,
    stream,
    task,
)
from infra_team.errors import ErrorCode
from tests.fakes import ScriptedChatModel
from tests.integration.conftest import team_script


def test_unknown_type_lists_the_seven():
    with pytest.raises(InvalidRequestError) as caught:
        task("database-wizard", "fix it")
    assert caught.value.code == ErrorCode.UNKNOWN_SUBAGENT_TYPE
    for name in ("infrastructure-team", "automation-engineer", "site-reliability-engineer"):
        assert name in str(caught.value)


@pytest.mark.parametrize("description", ["", "   ", "\n\t"])
def test_empty_description_is_refused(description):
    with pytest.raises(InvalidRequestError) as caught:
        task("infrastructure-team", description)
    assert caught.value.code == ErrorCode.EMPTY_DESCRIPTION


def test_resume_unknown_thread():
    with pytest.raises(ThreadNotFoundError) as caught:
        resume("no-such-thread", "approve")
    assert caught.value.code == ErrorCode.THREAD_NOT_FOUND


def test_resume_a_finished_run():
    done = task("network-engineer", "Plan subnets", model=team_script())
    with pytest.raises(ThreadNotFoundError) as caught:
        resume(done.thread_id, "approve", model=team_script())
    assert caught.value.code == ErrorCode.NOTHING_TO_RESUME


def test_a_failing_model_gives_a_failed_result_not_a_traceback():
    def broken(messages, bound):
        raise RuntimeError("provider unavailable for INF-003")

    result = task("infrastructure-team", "New cluster", model=ScriptedChatModel(script=broken))
    assert result.status == "failed"
    assert "provider unavailable" in (result.error or "")
    assert "Network Engineer" in (result.error or "")
    assert "run stopped" in result.report


async def test_atask_matches_task():
    sync = task("infrastructure-team", "New Postgres cluster", model=team_script())
    result = await atask("infrastructure-team", "New Postgres cluster", model=team_script())
    assert result.engaged_roles == sync.engaged_roles
    assert result.status == "completed"


def test_stream_reports_roles_in_order_and_ends_with_the_result():
    events = list(stream("infrastructure-team", "New Postgres cluster", model=team_script()))
    started = [e.role for e in events if e.type == "role_started"]
    assert started[0] == "infrastructure-team"  # intake
    assert started[1:] == [
        "infrastructure-architect",
        "database-administrator",
        "network-engineer",
        "automation-engineer",
        "site-reliability-engineer",
    ]
    assert events[-1].type == "result"
    assert events[-1].result is not None and events[-1].result.status == "completed"


async def test_astream_reports_tool_calls():
    model = team_script(
        first_tools={"site-reliability-engineer": [("burn_rate_alerts", {"slo_percent": 99.9})]}
    )
    events = [e async for e in astream("infrastructure-team", "New cluster", model=model)]
    called = [e for e in events if e.type == "tool_called"]
    results = [e for e in events if e.type == "tool_result"]
    assert [e.tool for e in called] == ["burn_rate_alerts"]
    assert results[0].data["status"] == "success"
    assert "14.4" in results[0].text


def test_postgres_url_without_the_extra_names_the_extra(monkeypatch):
    import sys

    from infra_team import HostAdapterError

    monkeypatch.setitem(sys.modules, "langgraph.checkpoint.postgres", None)
    with pytest.raises(HostAdapterError, match=r"infra-team\[postgres\]"):
        task("network-engineer", "Plan subnets", checkpointer="postgresql://localhost/x")


async def test_aresume_answers_a_paused_run_from_a_sqlite_file(tmp_path):
    from infra_team import aresume

    path = tmp_path / "runs.sqlite"
    model = team_script()
    paused = await atask(
        "infrastructure-team", "checkout 502 for 40% of requests", model=model, checkpointer=path
    )
    assert paused.status == "interrupted"
    done = await aresume(
        paused.thread_id, False, comment="declined", model=model, checkpointer=path
    )
    assert done.status == "completed"
    assert done.escalation_trail[-1].outcome == "declined"


def test_stream_resume_ends_with_the_result():
    model = team_script()
    paused = task("infrastructure-team", "checkout 502 for 40% of requests", model=model)
    events = list(
        stream(
            "infrastructure-team",
            thread_id=paused.thread_id,
            model=model,
            resume_with="approve",
            comment="taken",
        )
    )
    result = events[-1].result
    assert result is not None and result.status == "completed"
    assert result.escalation_trail[-1].summary == "taken"


def test_resume_without_the_instance_model_says_to_pass_it():
    from infra_team import ModelResolutionError

    paused = task("infrastructure-team", "checkout 502 for 40% of requests", model=team_script())
    with pytest.raises(ModelResolutionError, match="pass the same model"):
        resume(paused.thread_id, "approve")


def test_resume_with_another_model_records_it():
    paused = task("infrastructure-team", "checkout 502 for 40% of requests", model=team_script())
    done = resume(paused.thread_id, "approve", model="offline")
    assert done.status == "completed"
    assert done.escalation_trail[-1].rung == "human"
    assert done.model == "offline"
    assert "Model: `offline`" in done.report


def test_each_pending_write_needs_its_own_decision(monkeypatch):
    import httpx
    import respx

    from infra_team.settings import reset_settings

    monkeypatch.setenv("INFRA_TEAM_GRAFANA_URL", "https://grafana.test")
    monkeypatch.setenv("INFRA_TEAM_GRAFANA_TOKEN", "token")
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_PAGE_ID", "page-1")
    monkeypatch.setenv("INFRA_TEAM_STATUSPAGE_TOKEN", "token")
    reset_settings()

    model = team_script(
        resolved_at="on-call",
        first_tools={
            "site-reliability-engineer": [
                ("create_grafana_annotation", {"text": "checkout 502s"}),
                (
                    "create_statuspage_incident",
                    {"name": "Checkout errors", "status": "investigating"},
                ),
            ]
        },
    )
    request = "checkout 502 for 40% of requests; annotate it and open a status page incident"
    paused = task("infrastructure-team", request, model=model)
    assert len(paused.interrupts) == 2
    first_tool = paused.interrupts[0].details["tool"]
    second_tool = paused.interrupts[1].details["tool"]
    hosts = {
        "create_grafana_annotation": "grafana.test",
        "create_statuspage_incident": "api.statuspage.io",
    }
    with respx.mock(assert_all_called=False) as router:
        called = router.route().mock(return_value=httpx.Response(200, json={}))
        once = resume(paused.thread_id, "approve", model=model)
        assert once.status == "interrupted"
        assert [q.details["tool"] for q in once.interrupts] == [second_tool]
        done = resume(paused.thread_id, "reject", model=model)
    assert done.status == "completed"
    approved_hosts = {call.request.url.host for call in called.calls}
    assert approved_hosts == {hosts[first_tool]}  # the first listed was approved, only it


def test_incident_log_lives_beside_the_sqlite_checkpoints(tmp_path):
    from langgraph.store.sqlite import SqliteStore

    from infra_team.persistence import incident_log_path

    path = tmp_path / "runs.sqlite"
    model = team_script(
        resolved_at="on-call",
        first_tools={
            "site-reliability-engineer": [
                (
                    "incident_create",
                    {"title": "Checkout 502s", "severity": "P1", "impact": "40% of checkouts"},
                )
            ]
        },
    )
    task("infrastructure-team", "checkout 502 for 40% of requests", model=model, checkpointer=path)
    assert incident_log_path(path) == tmp_path / "runs-incidents.sqlite"
    with SqliteStore.from_conn_string(str(incident_log_path(path))) as store:
        records = store.search(("infra_team", "incidents"))
    assert [record.value["title"] for record in records] == ["Checkout 502s"]


def test_a_folder_as_checkpoint_is_a_usage_error(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra_team",
            "task",
            "network-engineer",
            "Plan subnets",
            "--checkpoint",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert "is a folder" in result.stderr


def test_the_default_memory_keeps_a_bounded_number_of_runs(monkeypatch):
    from infra_team._memory import MEMORY

    monkeypatch.setattr(MEMORY, "limit", MEMORY.live() + 2)
    ids = [
        task("network-engineer", "Plan subnets", model=team_script()).thread_id for _ in range(4)
    ]
    assert MEMORY.holds(ids[-1])
    assert not MEMORY.holds(ids[0])


async def test_astream_streams_scrubbed_tokens():
    events = [
        e async for e in astream("infrastructure-team", "New cluster", model=team_script(leak=True))
    ]
    tokens = "".join(e.text for e in events if e.type == "token")
    assert "Infrastructure Architect" in tokens
    from tests.leaks import leaks

    assert leaks(tokens) == []


def test_runs_saved_before_model_specs_resume_by_their_label():
    from types import SimpleNamespace

    from infra_team import ModelResolutionError
    from infra_team.runner import _stored_model

    old = SimpleNamespace(checkpoint={"channel_values": {"model": "offline"}})
    assert _stored_model(old, "t") == "offline"
    instance = SimpleNamespace(
        checkpoint={"channel_values": {"model": "scripted", "model_spec": None}}
    )
    with pytest.raises(ModelResolutionError, match="pass the same model"):
        _stored_model(instance, "t")
