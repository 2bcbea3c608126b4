"""examples/quickstart.ipynb runs top to bottom on the offline engine, in a kernel of this
environment, and shows the outcomes it promises with no internal ID."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.leaks import leaks

pytestmark = pytest.mark.slow

nbformat = pytest.importorskip("nbformat", reason="nbformat is not installed (test extra)")
nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (test extra)")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (test extra)")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"
KERNEL = "infra-team-test"


def _kernel_here(root: Path) -> None:
    """A kernelspec that starts ipykernel with this interpreter (not whatever ``python3``
    kernel the machine has registered)."""
    folder = root / "kernels" / KERNEL
    folder.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "infra-team test",
        "language": "python",
    }
    (folder / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")


def _outputs(notebook: Any) -> list[str]:
    """The text of every code cell's outputs, in order."""
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        parts = []
        for output in cell.outputs:
            if output.output_type == "stream":
                parts.append(output.text)
            elif output.output_type in {"execute_result", "display_data"}:
                parts.append(output.data.get("text/markdown") or output.data.get("text/plain", ""))
        texts.append("".join(parts))
    return texts


def test_quickstart_runs_and_shows_each_outcome(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _kernel_here(tmp_path / "jupyter")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no user config file
    monkeypatch.setenv("INFRA_TEAM_MODEL", "offline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=300,
        resources={"metadata": {"path": str(tmp_path)}},
    )

    client.execute()  # raises CellExecutionError naming the failing cell

    setup, request, progress, drawing, incident, final = _outputs(notebook)
    assert "infrastructure-team, infrastructure-architect" in setup
    assert "status: completed" in request
    assert "gate:   Change Approval" in request
    assert "▶ Network Engineer: implement\n" in progress, progress
    assert "    tool cidr_plan\n" in progress, progress
    assert progress.rstrip().endswith("result: completed"), progress
    assert "\ngraph TD;\n" in drawing
    assert "\thuman-escalation(human-escalation)\n" in drawing
    assert "status: interrupted | severity: P1" in incident
    assert "Human escalation: " in incident
    assert "status: completed" in final
    assert "           human  Human escalation            taken over" in final
    assert "SEVERITY: P1" in final
    assert leaks("\n".join(_outputs(notebook))) == []
