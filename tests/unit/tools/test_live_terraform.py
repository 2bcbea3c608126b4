"""terraform_show_plan: the real ``terraform`` on a real saved plan, and a recorded output.

Terraform is in no package registry this project can install from (not in Debian, not on
PyPI or npm), so ``.ci/run`` cannot provide it. When the machine has it, the real test
builds a plan offline (only the built-in ``terraform_data`` resource, no provider
download), applies it to local state, changes the configuration and reviews the new plan
through the tool. Without it that test is skipped, on CI too, with that reason; the
recorded ``terraform show -json`` output (from terraform 1.11.4, the same configuration)
still tests the parsing, and the tool's own "not on PATH" answer is tested.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra_team.settings import reset_settings
from infra_team.tools._base import ToolResult, parse_tool_output
from infra_team.tools.live.terraform import review_show_output, terraform_show_plan

RECORDED = (
    Path(__file__).resolve().parents[2]
    / "fixtures"
    / "tools"
    / "automation"
    / "tf_show_terraform_data.json"
)
FIRST = """
resource "terraform_data" "checkout_release" {
  input = "1.14.1"
}
resource "terraform_data" "db_migration" {
  input            = "2026-11-30"
  triggers_replace = ["1.14.1"]
}
resource "terraform_data" "old_canary" {
  input = "canary"
}
"""
SECOND = """
resource "terraform_data" "checkout_release" {
  input = "1.14.2"
}
resource "terraform_data" "db_migration" {
  input            = "2026-11-30"
  triggers_replace = ["1.14.2"]
}
resource "terraform_data" "feature_flags" {
  input = { new_checkout = true }
}
"""

pytestmark = pytest.mark.usefixtures("clean_settings")


def call(**args: Any) -> ToolResult:
    return parse_tool_output(terraform_show_plan.invoke(args))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "iac"
    root.mkdir()
    monkeypatch.setenv("INFRA_TEAM_AUTOMATION_WORKSPACE", str(root))
    reset_settings()
    return root


def _terraform(folder: Path, *args: str) -> None:
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    subprocess.run(
        ["terraform", *args, "-no-color"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_the_real_terraform_reviews_a_real_plan(workspace: Path) -> None:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on PATH and no package registry here provides it")
    stack = workspace / "stacks" / "checkout"
    stack.mkdir(parents=True)
    (stack / "main.tf").write_text(FIRST, encoding="utf-8")
    _terraform(stack, "init")
    _terraform(stack, "apply", "-auto-approve")
    (stack / "main.tf").write_text(SECOND, encoding="utf-8")
    _terraform(stack, "plan", "-out=next.tfplan")

    result = call(plan_file="stacks/checkout/next.tfplan")

    assert result.status == "success", result
    assert result.data["creates"] == ["terraform_data.feature_flags"]
    assert result.data["updates"] == ["terraform_data.checkout_release"]
    assert result.data["replaces"] == ["terraform_data.db_migration"]
    assert result.data["deletes"] == ["terraform_data.old_canary"]
    assert result.data["destructive"] is True
    assert result.summary.startswith("Plan (terraform 1.")


def test_the_recorded_show_output_is_reviewed() -> None:
    result = review_show_output(RECORDED.read_text(encoding="utf-8"))
    assert result.data["terraform_version"] == "1.11.4"
    assert result.data["counts"]["replace"] == 1 and result.data["counts"]["delete"] == 1
    assert result.data["replaces"] == ["terraform_data.db_migration"]


def test_without_terraform_on_path_it_says_so(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workspace / "plan.tfplan").write_bytes(b"PK")
    monkeypatch.setenv("PATH", str(workspace))
    result = call(plan_file="plan.tfplan")
    assert result.status == "error" and result.code == "not_installed"
    assert "terraform not on PATH" in result.summary


def test_a_plan_outside_the_workspace_is_refused(workspace: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere.tfplan").write_bytes(b"PK")
    (workspace / "link.tfplan").symlink_to(tmp_path / "elsewhere.tfplan")
    for path in ("../elsewhere.tfplan", str(tmp_path / "elsewhere.tfplan"), "link.tfplan"):
        result = call(plan_file=path)
        assert result.status == "error" and result.code == "not_allowed", path


def test_without_a_workspace_it_is_not_configured() -> None:
    result = call(plan_file="plan.tfplan")
    assert result.status == "not_configured"
    assert "INFRA_TEAM_AUTOMATION_WORKSPACE" in result.summary


def test_the_recorded_output_is_real_show_json() -> None:
    plan = json.loads(RECORDED.read_text(encoding="utf-8"))
    assert plan["format_version"].startswith("1.")
    assert {c["change"]["actions"][0] for c in plan["resource_changes"]} >= {
        "create",
        "update",
        "delete",
    }
