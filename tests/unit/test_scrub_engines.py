"""The scrubber's two builds: the compiled one runs wherever the install could build it,
is never used when made from another source, and gives exactly the pure engine's output."""

from __future__ import annotations

import importlib
import importlib.util
import random
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import infra_team._scrub_engine as pure
from bench.scrub import corpus
from infra_team import scrub as facade_api
from tests.support.real import missing

ROOT = Path(__file__).resolve().parents[2]
facade = importlib.import_module("infra_team.scrub")

ATOMS = [
    "inf", "INF", "in", "i", "n", "f", "-", ".", "_", " ", ":", "/", "00", "0", "1", "2",
    "3", "4", "5", "6", "7", "9", "a", "x", "db", "\u200b", "ＩＮＦ", "－", "００", "*", "**",
    "`", "\\", "&#45;", "&#x2D", "&hyphen;", "&", "<", "<b>", "</b>", "<!--", "-->", "<td>",
    "\n", "é", "\u0301", "ı", "ν", "prod", "com", "\u00ad", "~", "&#105;", "&amp;",
    "<!-- x -->", "9100", "INF-1234", "inf01.prod", "INFO",
]  # fmt: skip


@pytest.fixture(scope="module")
def compiled() -> types.ModuleType:
    """The compiled engine of this install, made from the current source."""
    if facade.ENGINE != "compiled":
        missing(
            "the compiled scrubber is not built from this source (the install compiles it "
            "with mypyc when a C compiler is present: pip install -e .)"
        )
    return importlib.import_module(facade.COMPILED_MODULE)


def _stream(module: Any, chunks: list[str]) -> str:
    scrubber = module.Scrubber()
    return "".join(scrubber.feed(chunk) for chunk in chunks) + scrubber.flush()


def _chunks(text: str, sizes: list[int]) -> list[str]:
    out, pos, i = [], 0, 0
    while pos < len(text):
        size = sizes[i % len(sizes)]
        out.append(text[pos : pos + size])
        pos, i = pos + size, i + 1
    return out


def test_the_public_names_come_from_the_engine_in_use(compiled: types.ModuleType) -> None:
    assert facade_api is compiled.scrub
    assert facade.Scrubber is compiled.Scrubber
    assert facade.scrub_obj is compiled.scrub_obj
    assert type(facade.Scrubber()).__module__ == facade.COMPILED_MODULE


def test_the_compiled_build_is_stamped_with_the_engine_source(
    compiled: types.ModuleType,
) -> None:
    source = Path(pure.__file__).read_bytes()
    assert facade.source_digest(source) == compiled.SOURCE_DIGEST
    assert compiled.__file__ is not None and not compiled.__file__.endswith(".py")


def test_a_build_from_another_source_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    stale = types.ModuleType(facade.COMPILED_MODULE)
    stale.SOURCE_DIGEST = facade.source_digest(b"an older engine")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, facade.COMPILED_MODULE, stale)
    assert facade._compiled_build() is None


def test_the_pure_engine_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRA_TEAM_PURE_SCRUB", "1")
    assert facade._compiled_build() is None


def test_without_a_build_the_pure_engine_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, facade.COMPILED_MODULE, None)  # import fails
    assert facade._compiled_build() is None


def test_both_builds_agree_on_operations_text(compiled: types.ModuleType) -> None:
    text, ids = corpus(200_000, seed=3)
    assert ids > 500
    expected = pure.scrub(text)
    assert expected != text
    assert compiled.scrub(text) == expected
    rng = random.Random(5)
    for sizes in ([1], [rng.randint(1, 64) for _ in range(997)], [7, 3, 250]):
        part = text if sizes != [1] else text[:20_000]
        want = pure.scrub(part)
        assert _stream(compiled, _chunks(part, sizes)) == want
        assert _stream(pure, _chunks(part, sizes)) == want


@settings(max_examples=300, deadline=None)
@given(
    pieces=st.lists(st.sampled_from(ATOMS), min_size=1, max_size=30),
    sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8),
)
def test_both_builds_agree_on_any_spelling_and_chunking(
    compiled: types.ModuleType, pieces: list[str], sizes: list[int]
) -> None:
    text = "".join(pieces)
    want = pure.scrub(text)
    assert compiled.scrub(text) == want
    assert _stream(compiled, _chunks(text, sizes)) == want


def test_both_builds_agree_on_nested_values(compiled: types.ModuleType) -> None:
    value = {"INF-005": ["ok INF_003", ("x", "inf01.prod")], "n": 3, "s": {"INF 002"}}
    assert compiled.scrub_obj(value) == pure.scrub_obj(value)
    assert compiled.scrub_obj(value) != value


def _hook(root: Path) -> tuple[Any, list[str]]:
    spec = importlib.util.spec_from_file_location("hatch_build", ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    warnings: list[str] = []

    class App:
        def display_info(self, message: str) -> None:
            pass

        def display_warning(self, message: str) -> None:
            warnings.append(message)

    hook = module.CompiledScrubberHook(str(root), {}, None, None, str(root), "wheel", App())
    return hook, warnings


def _build_data() -> dict[str, Any]:
    return {
        "force_include": {},
        "force_include_editable": {},
        "pure_python": True,
        "infer_tag": False,
    }


def test_a_failed_compile_leaves_a_working_pure_wheel(tmp_path: Path) -> None:
    """Where the engine cannot be compiled (here: it does not type-check), the build goes
    on without it, says so, and the wheel keeps the pure engine."""
    engine = tmp_path / "src" / "infra_team" / "_scrub_engine.py"
    engine.parent.mkdir(parents=True)
    engine.write_text('count: int = "not a number"\n')
    hook, warnings = _hook(tmp_path)
    data = _build_data()
    hook.initialize("standard", data)
    hook.finalize("standard", data, str(tmp_path / "x.whl"))
    assert data == _build_data()
    assert len(warnings) == 1 and "pure-Python scrubber is used" in warnings[0]


def test_the_build_can_be_told_to_stay_pure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INFRA_TEAM_PURE_PYTHON", "1")
    hook, warnings = _hook(tmp_path)  # no engine source at all: never read
    data = _build_data()
    hook.initialize("standard", data)
    assert data == _build_data() and warnings == []
