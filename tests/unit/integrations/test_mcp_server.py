"""The MCP server, driven by the SDK's own client: in process, and over real stdio.

Approvals: only a person approves. A client with elicitation shows the person the question
(the callback here plays the person); without it no tool call approves, and a fake
Statuspage (respx) counts the writes that reach it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from infra_team import _paths, resume
from infra_team.registry import SUBAGENT_TYPES, parse_agent_file
from infra_team.settings import reset_settings
from infra_team.tools import TOOL_CATALOG, ToolResult, parse_tool_output, writes
from infra_team.tools.integrations import TOOLS as LIVE_TOOLS
from tests.fakes import ScriptedChatModel
from tests.integration.conftest import team_script
from tests.leaks import leaks
from tests.unit.integrations.scripted import INCIDENT, INCIDENT_ROLES

mcp = pytest.importorskip(
    "mcp", reason="the mcp extra is not installed: pip install 'infra-team[mcp]'"
)
from mcp.types import ElicitRequestParams, ElicitResult  # noqa: E402

from infra_team.integrations import mcp_listing, mcp_server  # noqa: E402
from infra_team.integrations.mcp_server import (  # noqa: E402
    ADDITIVE_WRITES,
    RESUME_TOOL,
    TEAM_TOOL,
    build_mcp_server,
)

WRITES: dict[str, dict[str, Any]] = {
    "create_alertmanager_silence": {
        "matchers": [{"name": "alertname", "value": "CheckoutHighErrorRate"}],
        "starts_at": "2026-03-01T10:00:00Z",
        "ends_at": "2026-03-01T12:00:00Z",
        "created_by": "sre-oncall",
        "comment": "checkout incident",
    },
    "pagerduty_event": {
        "action": "trigger",
        "summary": "Checkout 502s",
        "source": "lb-1",
        "severity": "critical",
    },
    "create_grafana_annotation": {"text": "checkout incident", "tags": ["incident"]},
    "create_statuspage_incident": {"name": "Checkout errors", "status": "investigating"},
}
"""Valid arguments for every write tool of the catalog."""
STATUSPAGE = "https://api.statuspage.io/v1/pages/page-1/incidents"
PAGING_INCIDENT = "checkout 502 for 40% of requests; open a status page incident"


class Person:
    """An elicitation callback: the person at the client, answering every question."""

    def __init__(self, action: str, content: dict[str, Any] | None = None) -> None:
        self.action, self.content = action, content
        self.questions: list[str] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.questions.append(params.message)
        return ElicitResult(action=self.action, content=self.content)  # type: ignore[arg-type]


def client(
    model: Any = None,
    *,
    person: Person | None = None,
    checkpointer: Any = None,
    mode: str = "legacy",
) -> Any:
    """An SDK client on the server, in process. ``legacy``: the initialize handshake and
    protocol 2025-11-25, what Claude Code speaks (its server-to-client requests carry
    elicitation mid-call)."""
    return mcp.Client(
        build_mcp_server(model, checkpointer=checkpointer),
        elicitation_callback=person,
        mode=mode,  # type: ignore[arg-type]
    )


def _text(answer: Any) -> str:
    assert [block.type for block in answer.content] == ["text"]
    return str(answer.content[0].text)


def _result(answer: Any) -> ToolResult:
    return parse_tool_output(_text(answer))


def _thread(text: str) -> str:
    return text.split("Thread id: `", 1)[1].split("`", 1)[0]


async def test_lists_every_catalog_tool_then_the_team_tools() -> None:
    async with client() as session:
        listing = (await session.list_tools()).tools
    assert [tool.name for tool in listing] == [*TOOL_CATALOG, TEAM_TOOL, RESUME_TOOL]
    by_name = {tool.name: tool for tool in listing}
    for name, tool in TOOL_CATALOG.items():
        assert by_name[name].input_schema == tool.args_schema.model_json_schema()  # type: ignore[union-attr]
        assert by_name[name].output_schema is None, "text only: Claude Code shows the model it"
    assert by_name[TEAM_TOOL].input_schema["properties"]["subagent_type"]["enum"] == list(
        SUBAGENT_TYPES
    )
    assert by_name[RESUME_TOOL].input_schema["required"] == ["thread_id"]
    assert by_name[RESUME_TOOL].input_schema["properties"]["action"]["enum"] == [
        "ask_person",
        "reject",
    ]


async def test_annotations_follow_what_each_tool_does() -> None:
    live = {tool.name for tool in LIVE_TOOLS}
    async with client() as session:
        listing = {tool.name: tool.annotations for tool in (await session.list_tools()).tools}
    assert live and {name for name, tool in TOOL_CATALOG.items() if writes(tool)} >= ADDITIVE_WRITES
    for name, tool in TOOL_CATALOG.items():
        hints = listing[name]
        assert hints is not None
        changes = writes(tool)
        assert hints.read_only_hint is (not changes), name
        assert hints.destructive_hint is (changes and name not in ADDITIVE_WRITES), name
        assert hints.idempotent_hint is (not changes), name
        assert hints.open_world_hint is (name in live), name
    assert listing["query_prometheus"].open_world_hint is True
    assert listing["cidr_plan"].open_world_hint is False
    assert listing["pagerduty_event"].destructive_hint is True  # resolve changes an incident
    for name in (TEAM_TOOL, RESUME_TOOL):
        hints = listing[name]
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint) == (
            False,
            True,
            False,
        )
        assert hints.open_world_hint is True


@pytest.mark.parametrize("name", SUBAGENT_TYPES)
async def test_every_tool_an_agents_file_names_is_served(name: str) -> None:
    spec = parse_agent_file(_paths.agents_dir() / f"{name}.md")
    async with client() as session:
        served = {tool.name for tool in (await session.list_tools()).tools}
    assert spec.tools
    assert set(spec.tools) <= served


async def test_read_tool_replies_with_marked_text_only() -> None:
    async with client() as session:
        answer = await session.call_tool("availability_budget", {"slo_percent": 99.9})
    result = _result(answer)
    assert answer.is_error is False
    assert answer.structured_content is None, "Claude Code would show the model only that"
    assert result.status == "success"
    month = next(w for w in result.data["windows"] if w["window"] == "month_30d")
    assert month["minutes"] == 43.2
    assert _text(answer).startswith('<tool-output trust="untrusted" tool="availability_budget">')
    assert _text(answer).endswith("</tool-output>")


async def test_invalid_arguments_come_back_as_an_error_result() -> None:
    async with client() as session:
        answer = await session.call_tool("availability_budget", {"slo_percent": "high"})
    result = _result(answer)
    assert answer.is_error is True
    assert (result.status, result.code) == ("error", "invalid_arguments")
    assert "`slo_percent`" in (result.error or "")


def test_every_write_tool_has_arguments_here() -> None:
    assert sorted(WRITES) == sorted(name for name, tool in TOOL_CATALOG.items() if writes(tool))


@pytest.mark.parametrize("name", sorted(WRITES))
async def test_write_tools_cannot_bypass_change_approval(name: str) -> None:
    async with client() as session:
        answer = await session.call_tool(name, WRITES[name])
    result = _result(answer)
    assert (result.status, result.code) == ("approval_required", "approval_required")
    sent = {key: value for key, value in WRITES[name].items() if key != "matchers"}
    assert sent.items() <= result.data["arguments"].items()  # echoed back, nothing acted on
    assert answer.is_error is False


async def test_paused_run_reaches_the_model_whole(inner_model: ScriptedChatModel) -> None:
    """Report, question, thread id and how a person answers: all in the text."""
    async with client(inner_model) as session:
        paused = await session.call_tool(
            TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": INCIDENT}
        )
    text = _text(paused)
    assert paused.structured_content is None
    assert paused.is_error is False
    assert "## Waiting for a human decision" in text
    assert "**Human escalation:**" in text
    assert text.index("Site Reliability Engineer") < text.index("## Waiting for a human decision")
    thread = _thread(text)
    assert "no tool call can approve" in text
    assert "keeps runs in memory" in text
    assert f"`{RESUME_TOOL}` with thread_id `{thread}`" in text
    assert leaks([text]) == []


async def test_the_model_cannot_approve_but_can_reject(
    inner_model: ScriptedChatModel, tmp_path: Path
) -> None:
    checkpoint = tmp_path / "runs.sqlite"
    async with client(inner_model, checkpointer=checkpoint) as session:
        paused = _text(
            await session.call_tool(
                TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": INCIDENT}
            )
        )
        thread = _thread(paused)
        approve = await session.call_tool(RESUME_TOOL, {"thread_id": thread, "approved": True})
        again = await session.call_tool(RESUME_TOOL, {"thread_id": thread})
        rejected = await session.call_tool(
            RESUME_TOOL, {"thread_id": thread, "action": "reject", "comment": "not ours"}
        )
    assert f"infra-team resume {thread} --checkpoint {checkpoint} --approve" in paused
    assert approve.is_error is True
    assert _text(approve).startswith(f"invalid arguments for `{RESUME_TOOL}`: `approved`")
    assert "## Waiting for a human decision" in _text(again)
    assert again.is_error is False
    assert "## Waiting for a human decision" not in _text(rejected)
    assert rejected.is_error is False
    assert "Human escalation" in _text(rejected)


async def test_the_person_answers_through_elicitation(inner_model: ScriptedChatModel) -> None:
    person = Person("accept", {"decision": "approve", "comment": "I take it"})
    async with client(inner_model, person=person) as session:
        finished = await session.call_tool(
            TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": INCIDENT}
        )
    text = _text(finished)
    assert len(person.questions) == 1
    assert person.questions[0].startswith("Human escalation: ")
    assert "## Waiting for a human decision" not in text
    assert finished.is_error is False
    assert leaks([text, *person.questions]) == []
    assert INCIDENT_ROLES[0] == "site-reliability-engineer"


async def test_a_dismissed_question_decides_nothing(inner_model: ScriptedChatModel) -> None:
    for action in ("decline", "cancel"):
        person = Person(action)
        async with client(inner_model, person=person) as session:
            answer = await session.call_tool(
                TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": INCIDENT}
            )
        assert len(person.questions) == 1
        assert "## Waiting for a human decision" in _text(answer)
        assert "returned no decision" in _text(answer)


async def test_without_a_back_channel_the_person_uses_the_shell(
    inner_model: ScriptedChatModel, tmp_path: Path
) -> None:
    """A 2026-07-28 connection cannot send elicitation mid-call: the reply says how a
    person answers instead, and the run waits."""
    person = Person("accept", {"decision": "approve"})
    async with client(
        inner_model, person=person, checkpointer=tmp_path / "runs.sqlite", mode="auto"
    ) as session:
        answer = await session.call_tool(
            TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": INCIDENT}
        )
    assert person.questions == []
    assert "## Waiting for a human decision" in _text(answer)
    assert "--approve" in _text(answer)


@pytest.fixture
def statuspage() -> Iterator[respx.Route]:
    """A fake Statuspage API (respx): every POST that reaches it is counted."""
    mp = pytest.MonkeyPatch()
    mp.setenv("INFRA_TEAM_STATUSPAGE_PAGE_ID", "page-1")
    mp.setenv("INFRA_TEAM_STATUSPAGE_TOKEN", "secret-token")
    reset_settings()
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        yield router.post(STATUSPAGE).mock(
            return_value=httpx.Response(
                201, json={"id": "p1", "name": "Checkout errors", "status": "investigating"}
            )
        )
    mp.undo()
    reset_settings()


def _paging_model() -> ScriptedChatModel:
    return team_script(
        resolved_at="on-call",
        first_tools={
            "site-reliability-engineer": [
                (
                    "create_statuspage_incident",
                    {"name": "Checkout errors", "status": "investigating"},
                )
            ]
        },
    )


async def test_no_write_when_the_model_tries_to_approve(
    statuspage: respx.Route, tmp_path: Path
) -> None:
    """Without elicitation the run waits; every approve the model tries writes nothing, and
    the person's ``infra-team resume --approve`` (the same call in process) writes once."""
    model, checkpoint = _paging_model(), tmp_path / "runs.sqlite"
    async with client(model, checkpointer=checkpoint) as session:
        paused = _text(
            await session.call_tool(
                TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": PAGING_INCIDENT}
            )
        )
        thread = _thread(paused)
        attempts = [
            await session.call_tool(RESUME_TOOL, {"thread_id": thread, "approved": True}),
            await session.call_tool(RESUME_TOOL, {"thread_id": thread, "action": "approve"}),
            await session.call_tool(RESUME_TOOL, {"thread_id": thread, "action": "ask_person"}),
            await session.call_tool(
                "create_statuspage_incident", WRITES["create_statuspage_incident"]
            ),
        ]
    assert "create_statuspage_incident" in paused
    assert "**Change Approval:**" in paused
    assert [answer.is_error for answer in attempts] == [True, True, False, False]
    assert "## Waiting for a human decision" in _text(attempts[2])
    assert _result(attempts[3]).status == "approval_required"
    assert statuspage.call_count == 0

    done = resume(thread, "approve", comment="CAB 7", model=model, checkpointer=checkpoint)
    assert done.status == "completed"
    assert statuspage.call_count == 1


async def test_the_person_approves_the_write_through_elicitation(statuspage: respx.Route) -> None:
    person = Person("accept", {"decision": "approve", "comment": "CAB 7"})
    async with client(_paging_model(), person=person) as session:
        done = await session.call_tool(
            TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": PAGING_INCIDENT}
        )
    assert len(person.questions) == 1
    assert person.questions[0].startswith("Change Approval: ")
    assert "create_statuspage_incident" in person.questions[0]
    assert "## Waiting for a human decision" not in _text(done)
    assert statuspage.call_count == 1


async def test_the_person_rejects_the_write_through_elicitation(statuspage: respx.Route) -> None:
    person = Person("accept", {"decision": "reject"})
    async with client(_paging_model(), person=person) as session:
        done = await session.call_tool(
            TEAM_TOOL, {"subagent_type": "infrastructure-team", "description": PAGING_INCIDENT}
        )
    assert len(person.questions) == 1
    assert "rejected" in _text(done)
    assert statuspage.call_count == 0


async def test_errors_name_the_fix_and_never_echo_an_internal_id() -> None:
    async with client() as session:
        unknown = await session.call_tool(TEAM_TOOL, {"subagent_type": "dba", "description": "x"})
        missing = await session.call_tool(RESUME_TOOL, {"thread_id": "nope"})
        rejected = await session.call_tool(RESUME_TOOL, {"thread_id": "nope", "action": "reject"})
        stranger = await session.call_tool("INF-001_restart_pod", {"host": "INF-004"})
    assert unknown.is_error and "`subagent_type`" in _text(unknown)
    assert missing.is_error
    assert _text(missing).startswith("no run with thread id `nope` is waiting in this server")
    assert rejected.is_error
    assert _text(rejected) == (
        "no saved run with thread id `nope`; check the id and the checkpoint store"
    )
    assert stranger.is_error and _text(stranger).startswith("unknown tool `")
    assert leaks([_text(unknown), _text(missing), _text(rejected), _text(stranger)]) == []
    assert "INF-001" not in _text(stranger)


async def test_run_mcp_server_serves_over_stdio(tmp_path: Path) -> None:
    command = "from infra_team.integrations.mcp_server import run_mcp_server; run_mcp_server()"
    params = mcp.StdioServerParameters(command=sys.executable, args=["-c", command], cwd=tmp_path)
    async with mcp.Client(params) as session:
        listing = (await session.list_tools()).tools
        answer = await session.call_tool("availability_budget", {"slo_percent": 99.99})
    assert len(listing) == len(TOOL_CATALOG) + 2
    assert _result(answer).data["windows"][2]["human"] == "4m 19.2s"


async def test_team_task_on_the_default_offline_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFRA_TEAM_MODEL", raising=False)
    async with client() as session:
        answer = await session.call_tool(
            TEAM_TOOL,
            {"subagent_type": "network-engineer", "description": "Plan subnets in 10.20.0.0/16"},
        )
    text = _text(answer)
    assert answer.is_error is False
    assert text.startswith("# Network Engineer")
    assert "Model: `offline`" in text
    assert "10.20.0.0/24" in text


def test_stored_listing_matches_the_tools() -> None:
    """Fails when a tool, an agents/ file or a template changed without regenerating:
    ``python -m infra_team.integrations.mcp_listing``."""
    assert mcp_listing.stored_listing() is not None, (
        "mcp_tools.json is stale: run `python -m infra_team.integrations.mcp_listing`"
    )
    assert mcp_listing.stored_listing() == mcp_listing.live_listing()


async def test_the_server_lists_from_the_stored_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def never() -> None:
        raise AssertionError("the stored listing is current; nothing to compute")

    monkeypatch.setattr(mcp_server, "tool_listing", never)
    async with client() as session:
        listing = (await session.list_tools()).tools
    assert [tool.name for tool in listing] == [*TOOL_CATALOG, TEAM_TOOL, RESUME_TOOL]


async def test_a_stale_file_falls_back_to_the_live_listing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stale = tmp_path / "mcp_tools.json"
    stale.write_text('{"fingerprint": "old", "tools": []}', encoding="utf-8")
    monkeypatch.setattr(mcp_listing, "STORED", stale)
    assert mcp_listing.stored_listing() is None
    async with client() as session:
        listing = (await session.list_tools()).tools
    assert len(listing) == len(TOOL_CATALOG) + 2


def test_startup_benchmark_prints_its_figures() -> None:
    """``python -m bench.mcp_startup`` still runs (one run); its figures are read, not
    asserted."""
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run(
        [sys.executable, "-m", "bench.mcp_startup"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=root,
        env={**os.environ, "BENCH_RUNS": "1"},
    )
    assert done.returncode == 0, done.stderr
    rows = {line[:40].strip(): line[40:].strip() for line in done.stdout.splitlines()[1:]}
    assert rows["mcp: tools listed"] == str(len(TOOL_CATALOG) + 2)
    assert float(rows["mcp: spawn to initialize answer"]) > 0
