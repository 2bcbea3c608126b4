"""Loads and renders the shared prompt fragments in prompts/; the only code that reads them.

Fragments are jinja2 templates rendered with ``StrictUndefined``, so a variable the caller
forgot fails at render time instead of leaving a silent hole in a system prompt. Names
starting with ``_`` are include-only fragments, pulled into other fragments with
``{% include %}`` (the layout HolmesGPT uses for its prompts). The assembly order of a
role's system prompt is itself a fragment, ``system_prompt.md``, so it can be reviewed and
snapshotted like the rest of the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from types import TracebackType

import jinja2
from jinja2 import meta

from infra_team import _paths
from infra_team.errors import PromptError
from infra_team.protocols import ProtocolKind, blank_template
from infra_team.registry import RoleSpec
from infra_team.tools._base import UNTRUSTED_CLOSE, UNTRUSTED_OPEN

SYSTEM_PROMPT_FRAGMENT = "system_prompt.md"
"""The fragment that assembles a role's system prompt from its body and the shared text."""
STAGE_PROMPT_FRAGMENT = "stage_prompt.md"
"""The fragment that assembles a role's prompt at one graph stage."""
_STAGE_MARK = re.compile(r"^<!--\s*stages:\s*(?P<stages>[^>]*?)\s*-->\s*$")
_HEADING = re.compile(r"^(?P<level>#{1,6})\s")

_PROTOCOL_VARIABLES: dict[ProtocolKind, str] = {
    "change": "change_request_template",
    "incident": "incident_template",
    "maintenance": "maintenance_template",
}
_UNDEFINED_NAME = re.compile(r"'(?P<name>[^']+)' is undefined")


@cache
def _read(path: Path) -> str:
    """The text of one fragment file; read once per process (fragments ship with the package)."""
    return path.read_text(encoding="utf-8")


def _fragment_path(directory: Path, name: str) -> Path:
    """Resolve a fragment name inside ``directory``; a bad or missing name raises ``PromptError``."""
    if not name or Path(name).name != name or not name.endswith(".md"):
        msg = (
            f"`{name}` is not a fragment name; use the file name of a Markdown file in "
            f"prompts/, for example `team_context.md`"
        )
        raise PromptError(msg)
    path = directory / name
    if not path.is_file():
        available = ", ".join(f"`{p.name}`" for p in sorted(directory.glob("*.md"))) or "none"
        msg = (
            f"prompts/{name}: no such fragment in `{directory}`; available: {available}. "
            "Add the file to prompts/ or fix the name."
        )
        raise PromptError(msg)
    return path


def _template_source(directory: Path, name: str) -> tuple[str, str, Callable[[], bool]]:
    """jinja2 loader hook: source, file name (for tracebacks) and an always-fresh check."""
    path = _fragment_path(directory, name)
    return _read(path), str(path), lambda: True


@cache
def _environment(directory: Path) -> jinja2.Environment:
    """One jinja2 environment per prompts/ folder; it also caches the compiled templates."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(partial(_template_source, directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # Markdown for a model, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def load_fragment(name: str) -> str:
    """The raw text of one fragment, e.g. ``load_fragment("team_context.md")``.

    Raises:
        PromptError: the name is not a file in prompts/ (the message lists the ones there).
    """
    return _read(_fragment_path(_paths.prompts_dir(), name))


def render_fragment(name: str, **variables: object) -> str:
    """Render one fragment with jinja2; every variable it uses must be passed.

    Raises:
        PromptError: the fragment (or one it includes) is missing, is not valid jinja2, or
            uses a variable that was not passed; the message names the file and the fix.
    """
    directory = _paths.prompts_dir()
    environment = _environment(directory)
    try:
        return environment.get_template(name).render(**variables)
    except jinja2.UndefinedError as exc:
        raise _undefined_error(exc, directory, name, variables) from exc
    except jinja2.TemplateSyntaxError as exc:
        where = Path(exc.filename).name if exc.filename else name
        msg = f"prompts/{where}, line {exc.lineno}: {exc.message}. Fix the jinja2 syntax."
        raise PromptError(msg) from exc


def build_system_prompt(spec: RoleSpec) -> str:
    """A role's full system prompt: its agents/ body, then the shared fragments.

    The order is fixed by ``prompts/system_prompt.md``: role body, team context, the
    untrusted-data rule, the protocol templates, the report format. The untrusted-data
    example shows the wrapper around one of the role's own tools.

    Raises:
        PromptError: a fragment is missing or fails to render.
    """
    example_tool = spec.tools[0] if spec.tools else "tool_name"
    text = render_fragment(
        SYSTEM_PROMPT_FRAGMENT,
        role_body=strip_stage_marks(spec.body),
        role_name=spec.role,
        untrusted_open=UNTRUSTED_OPEN.format(tool=example_tool),
        untrusted_close=UNTRUSTED_CLOSE,
        **_protocol_variables(),
    )
    return text.strip() + "\n"


def build_stage_prompt(spec: RoleSpec, stage: str, tools: tuple[str, ...]) -> str:
    """A role's prompt at one graph stage: only the instructions that stage needs.

    The role's agents/ body is the one source. A section whose heading is followed by a
    ``<!-- stages: design, escalation -->`` line is kept only at those stages
    (``<!-- stages: none -->``: only in the full prompt that hosts read); a mark on a
    line of its own elsewhere covers the list item or paragraph after it. The shared
    fragments are cut the same way (``stage`` is defined when they render here). At a
    stage the bound tools' own descriptions are their manual, so the body's tool guide
    is left out; the stage's structured output schema says what to answer, so the report
    format and protocol templates of the full prompt are too.

    Raises:
        PromptError: a fragment is missing or fails to render.
    """
    example_tool = tools[0] if tools else "tool_name"
    text = render_fragment(
        STAGE_PROMPT_FRAGMENT,
        role_body=stage_body(spec.body, stage),
        role_name=spec.role,
        stage=stage,
        has_tools=bool(tools),
        untrusted_open=UNTRUSTED_OPEN.format(tool=example_tool),
        untrusted_close=UNTRUSTED_CLOSE,
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def stage_body(body: str, stage: str) -> str:
    """The parts of an agents/ body kept at one stage (see ``build_stage_prompt``).

    A mark on the line after a heading covers the heading's section; a mark anywhere else
    covers the block that follows it: one list item with its indented continuation lines,
    or one paragraph (up to the next blank line)."""
    kept: list[str] = []
    hidden_below: int | None = None  # heading level of a hidden section, while inside it
    lines = body.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        heading = _HEADING.match(line)
        if heading:
            level = len(heading["level"])
            if hidden_below is not None and level > hidden_below:
                continue
            hidden_below = None
            stages = _stage_mark(lines, index - 1)
            if stages is not None and stage not in stages:
                hidden_below = level
                continue
        elif hidden_below is not None:
            continue
        elif mark := _STAGE_MARK.match(line.strip()):
            after_heading = index > 1 and _HEADING.match(lines[index - 2])
            if not after_heading and stage not in _stages(mark):
                index = _block_end(lines, index)
            continue
        kept.append(line)
    return "\n".join(kept)


_LIST_ITEM = re.compile(r"^(?:[-*]|\d+\.)\s")


def _block_end(lines: list[str], start: int) -> int:
    """The index after the block that starts at ``start``: a list item and its indented
    continuation lines, or a paragraph up to the next blank line or heading."""
    if start >= len(lines):
        return start
    item = bool(_LIST_ITEM.match(lines[start]))
    end = start + 1
    while end < len(lines) and lines[end].strip():
        line = lines[end]
        if item and not line[0].isspace():
            break
        if _HEADING.match(line) or _STAGE_MARK.match(line.strip()):
            break
        end += 1
    return end


def _stages(mark: re.Match[str]) -> set[str]:
    return {part.strip() for part in mark["stages"].split(",") if part.strip()}


def strip_stage_marks(body: str) -> str:
    """The body without its stage marks: the full prompt a host reads."""
    return "\n".join(line for line in body.splitlines() if not _STAGE_MARK.match(line.strip()))


def _stage_mark(lines: list[str], heading: int) -> set[str] | None:
    """The stages named on the line after a heading, or None when it has no mark."""
    if heading + 1 < len(lines) and (mark := _STAGE_MARK.match(lines[heading + 1].strip())):
        return _stages(mark)
    return None


def _protocol_variables() -> dict[str, str]:
    """The seed's three message templates, from their one source in ``infra_team.protocols``."""
    return {variable: blank_template(kind) for kind, variable in _PROTOCOL_VARIABLES.items()}


def _undefined_error(
    exc: jinja2.UndefinedError, directory: Path, name: str, variables: dict[str, object]
) -> PromptError:
    """Explain a strict-undefined failure: which file, which variable, what to pass."""
    failing = _failing_fragment(exc.__traceback__, directory) or name
    missing = sorted(_declared_variables(directory, failing) - variables.keys())
    if not missing and (match := _UNDEFINED_NAME.search(exc.message or "")):
        missing = [match["name"]]
    wanted = ", ".join(f"`{item}=...`" for item in missing) or "the values it reads"
    where = failing if failing == name else f"{failing} (included from {name})"
    msg = f"prompts/{where}: {exc.message}. Fix: pass {wanted} to render_fragment({name!r}, ...)."
    return PromptError(msg)


def _failing_fragment(traceback: TracebackType | None, directory: Path) -> str | None:
    """The innermost prompts/ file on a render traceback (jinja2 maps frames to templates)."""
    found = None
    while traceback is not None:
        filename = Path(traceback.tb_frame.f_code.co_filename)
        if filename.parent == directory and filename.suffix == ".md":
            found = filename.name
        traceback = traceback.tb_next
    return found


def _declared_variables(directory: Path, name: str) -> set[str]:
    """Variables a fragment reads from its caller (includes are not followed)."""
    environment = _environment(directory)
    source = _read(_fragment_path(directory, name))
    return set(meta.find_undeclared_variables(environment.parse(source)))
