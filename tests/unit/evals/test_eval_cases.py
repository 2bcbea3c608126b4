"""Eval cases: the shipped set, and loader errors that name the file and the field."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml

from infra_team.errors import ConfigError
from infra_team.evals import load_cases
from infra_team.evals._load import default_cases_dir
from infra_team.registry import ROLE_TYPES
from infra_team.scrub import scrub

VALID = {
    "title": "Replica lag",
    "source": {"title": "A postmortem", "url": "https://example.com/postmortem"},
    "subagent_type": "database-administrator",
    "flow": "incident",
    "request": "The replica db2 is far behind the primary db1.",
    "expect": {"severity": "P2", "facts": ["replica"]},
}


def write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def problems(folder: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_cases(folder)
    return str(caught.value)


def test_shipped_cases_cover_six_roles_and_both_flows() -> None:
    cases = load_cases()
    assert len(cases) >= 50
    roles = Counter(case.measured_role for case in cases)
    assert set(roles) == set(ROLE_TYPES), roles
    assert min(roles.values()) >= 5, roles
    flows = Counter(case.flow for case in cases)
    assert flows["request"] >= 15 and flows["incident"] >= 15, flows
    assert all(case.source.url.scheme == "https" for case in cases)
    # Integrations are exercised: some cases serve recorded Prometheus and Alertmanager answers.
    services = {response.service for case in cases for response in case.http}
    assert {"prometheus", "alertmanager"} <= services


def test_shipped_case_files_carry_no_internal_ids() -> None:
    for path in sorted(default_cases_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert scrub(text) == text, path


def test_a_single_case_file_can_be_given(tmp_path: Path) -> None:
    path = write(tmp_path, "one.yaml", VALID)
    write(tmp_path, "two.yaml", VALID)
    assert [case.id for case in load_cases(path)] == ["one"]


def test_shipped_cases_live_in_the_data_folder() -> None:
    assert default_cases_dir() == Path(__file__).resolve().parents[3] / "evals" / "cases"


def test_a_valid_case_loads_with_its_file_name_as_id(tmp_path: Path) -> None:
    write(tmp_path, "replica-lag.yaml", VALID)
    [case] = load_cases(tmp_path)
    assert case.id == "replica-lag"
    assert case.measured_role == "database-administrator"
    assert case.expect.facts[0].text == "replica"


def test_a_folder_case_reads_its_body_files(tmp_path: Path) -> None:
    folder = tmp_path / "lag"
    folder.mkdir()
    body = {"status": "success", "data": {"resultType": "vector", "result": []}}
    (folder / "lag.json").write_text(json.dumps(body), encoding="utf-8")
    http = [{"service": "prometheus", "path": "/api/v1/query", "body_file": "lag.json"}]
    write(folder, "case.yaml", {**VALID, "http": http})
    [case] = load_cases(tmp_path)
    assert case.id == "lag"
    assert case.http[0].body == body


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("title: [unclosed\n", "not valid YAML (line 2"),
        ("- a list\n", "a case is a mapping"),
        ({**VALID, "colour": "red"}, "`colour`: Extra inputs are not permitted"),
        ({**VALID, "expect": {"severity": "P9"}}, "`expect.severity`"),
        (
            {**VALID, "expect": {"tools": ["restart_pod"]}},
            "`expect.tools`: unknown tool `restart_pod`",
        ),
        ({**VALID, "subagent_type": "infrastructure-team"}, "names the `role` it measures"),
        ({**VALID, "expect": {}}, "`expect` makes no check"),
        ({**VALID, "source": {"title": "x y z", "url": "not a url"}}, "`source.url`"),
        ({**VALID, "expect": {"facts": [{"regex": "("}]}}, "not a valid regular expression"),
        ({**VALID, "expect": {"facts": [{}]}}, "`expect.facts[0]`: give at least one of"),
        ({**VALID, "id": "other"}, "`id`: `other` differs from the file name `bad`"),
        (
            {**VALID, "http": [{"service": "prometheus", "path": "/x", "body_file": "a.json"}]},
            "`http[0].body_file`: only a case folder",
        ),
    ],
)
def test_invalid_case_names_file_and_field(tmp_path: Path, data: object, expected: str) -> None:
    path = write(tmp_path, "bad.yaml", data)
    message = problems(tmp_path)
    assert str(path) in message
    assert expected in message


def test_body_file_problems(tmp_path: Path) -> None:
    folder = tmp_path / "case-a"
    folder.mkdir()
    http = [
        {"service": "prometheus", "path": "/api/v1/query", "body_file": "missing.json"},
        {"service": "prometheus", "path": "/api/v1/query", "body_file": "../escape.json"},
    ]
    write(folder, "case.yaml", {**VALID, "http": http})
    message = problems(tmp_path)
    assert "`http[0].body_file`: `missing.json` does not exist" in message
    assert "`http[1].body_file`: `../escape.json` is outside the case folder" in message


def test_every_problem_is_listed_and_duplicate_ids_are_named(tmp_path: Path) -> None:
    write(tmp_path, "one.yaml", {**VALID, "flow": "outage"})
    write(tmp_path, "two.yaml", {**VALID, "request": "short"})
    folder = tmp_path / "three"
    folder.mkdir()
    write(folder, "case.yaml", VALID)
    write(tmp_path, "three.yml", VALID)
    message = problems(tmp_path)
    assert message.startswith("invalid eval cases (3 problems)")
    assert "one.yaml: `flow`" in message
    assert "two.yaml: `request`" in message
    assert "case id `three` is also used by" in message


def test_missing_or_empty_folder(tmp_path: Path) -> None:
    assert "does not exist" in problems(tmp_path / "nowhere")
    assert "no case in" in problems(tmp_path)
