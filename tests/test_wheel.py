"""The built wheel works on its own: data folders inside, from any directory."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.leaks import leaks
from tests.support.real import missing

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_lists_agents_from_anywhere(tmp_path: Path):
    dist = tmp_path / "dist"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(dist.glob("infra_team-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # Dependencies come from this environment; the package itself only from the wheel.
    (Path(site) / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()

    def lines_from(*command: str) -> list[str]:
        """What a command prints, run from a directory outside the checkout."""
        done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=workdir)
        return done.stdout.splitlines()

    where = lines_from(
        str(python),
        "-c",
        "import infra_team, infra_team._paths as p; print(infra_team.__file__); print(p.agents_dir())",
    )
    assert where[0].startswith(str(env_dir)), where
    assert where[1].startswith(str(env_dir)), where
    listed = "\n".join(lines_from(str(env_dir / "bin" / "infra-team"), "agents", "--json"))
    rows = json.loads(listed)
    assert len(rows) == 7
    assert leaks(listed) == []
    cases = lines_from(str(python), "-c", "import infra_team._paths as p; print(p.evals_dir())")[0]
    assert cases.startswith(str(env_dir)), cases
    assert len(list((Path(cases) / "cases").glob("*.yaml"))) >= 50
    scrubbed = lines_from(
        str(python),
        "-c",
        "import importlib; s = importlib.import_module('infra_team.scrub'); "
        "print(s.ENGINE); print(s.scrub('paged INF-005'))",
    )
    assert scrubbed[1] == "paged Site Reliability Engineer"
    if scrubbed[0] != "compiled":
        missing("the wheel was built without the compiled scrubber (it needs a C compiler)")
