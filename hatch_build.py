"""Build hook: compile the scrubber's engine with mypyc into ``_infra_team_scrub``.

Every token a host streams passes through ``Scrubber.feed``, a few characters at a time,
so the interpreter's per-call cost sets the streaming speed; the compiled build of the
same source removes most of it. The build is an accelerator, never a requirement: when it
cannot be made (no C compiler, no mypyc, ``INFRA_TEAM_PURE_PYTHON=1``) the wheel is built
without it and ``infra_team.scrub`` runs the pure engine, which gives the same output.

The compiled module carries ``SOURCE_DIGEST``, the digest of the engine source it was made
from; ``infra_team.scrub`` uses it only while that source is unchanged, so an edited
checkout never runs a stale build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ENGINE_SOURCE = Path("src", "infra_team", "_scrub_engine.py")
COMPILED_MODULE = "_infra_team_scrub"  # infra_team.scrub.COMPILED_MODULE
_SETUP = """
from mypyc.build import mypycify
from setuptools import setup

setup(
    name="{module}",
    ext_modules=mypycify(
        ["{module}.py", "--ignore-missing-imports", "--follow-imports=skip"], opt_level="3"
    ),
    script_args=["build_ext", "--inplace"],
)
"""


class CompiledScrubberHook(BuildHookInterface):  # type: ignore[type-arg]
    """Adds the compiled engine to wheels and editable installs, at the top level of
    site-packages (an editable install imports the package from ``src``, where a built
    file inside the package would not be found)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if os.environ.get("INFRA_TEAM_PURE_PYTHON", "").strip() not in {"", "0"}:
            self.app.display_info("infra-team: INFRA_TEAM_PURE_PYTHON is set; pure scrubber")
            return
        self._workdir = Path(tempfile.mkdtemp(prefix="infra-team-mypyc-"))
        try:
            built = self._compile(self._workdir)
        except (OSError, subprocess.SubprocessError, RuntimeError) as error:
            self.app.display_warning(
                f"infra-team: the compiled scrubber was not built ({error}); the pure-Python "
                "scrubber is used, with the same output and slower streaming"
            )
            return
        if version == "editable":
            build_data["force_include_editable"] = {
                **self.build_config.get_force_include(),
                str(built): built.name,
            }
        else:
            build_data["force_include"][str(built)] = built.name
            build_data["pure_python"] = False
            build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        workdir = getattr(self, "_workdir", None)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    def _compile(self, workdir: Path) -> Path:
        """The engine source, stamped with its digest, compiled in ``workdir``."""
        source = Path(self.root, ENGINE_SOURCE).read_bytes()
        digest = hashlib.sha256(source).hexdigest()
        stamped = source + f'\n\nSOURCE_DIGEST = "{digest}"\n'.encode("ascii")
        (workdir / f"{COMPILED_MODULE}.py").write_bytes(stamped)
        (workdir / "setup.py").write_text(_SETUP.format(module=COMPILED_MODULE))
        self.app.display_info("infra-team: compiling the scrubber with mypyc (about a minute)")
        done = subprocess.run(
            [sys.executable, "setup.py"],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        if done.returncode != 0:
            lines = (done.stdout + done.stderr).strip().splitlines()
            raise RuntimeError(" / ".join(lines[-3:]) or f"exit status {done.returncode}")
        built = sorted(workdir.glob(f"{COMPILED_MODULE}.*.so")) + sorted(
            workdir.glob(f"{COMPILED_MODULE}.*.pyd")
        )
        if not built:
            raise RuntimeError("mypyc produced no extension module")
        return built[0]
