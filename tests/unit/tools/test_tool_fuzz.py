"""Every tool of the catalogue under adversarial arguments: it answers, it never crashes,
and it never calls input it does not recognise a success.

A model's tool call can hold anything: numbers with hundreds of digits, infinities,
megabytes of text, JSON nested hundreds of levels, lone surrogates, the wrong type in every
field. Whatever arrives, a tool must return a ``ToolResult`` (a traceback would end the
run) and must not hit the wrapper's last-resort ``internal_error``, which means an analyser
raised something it did not expect. And a document a tool cannot read is an error or
``no_data``, never a clean bill of health.

Writes are called outside a graph, so they stop at ``approval_required``; the read-only
integrations have no URL configured, so they stop at ``not_configured`` after validation.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra_team.tools import TOOL_CATALOG, parse_tool_output
from infra_team.tools._base import ToolResult
from infra_team.tools._limits import DOCUMENT_CHARS

pytestmark = pytest.mark.usefixtures("clean_settings")

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOOL_NAMES = sorted(TOOL_CATALOG)


def _nested(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"Plans": value, "k": "x"}
    return value


def _json_text(depth: int) -> str:
    return '{"a": [' * depth + "1" + "]}" * depth


EDGE_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    10**400,
    -(10**400),
    1e308,
    -1e308,
    5e-324,
    float("inf"),
    float("-inf"),
    float("nan"),
    "",
    " ",
    "\x00",
    "\ud800",
    "\r\n\t",
    "💥" * 50,
    "٣",
    "{}",
    "[]",
    '{"foo": "bar"}',
    "null",
    "x" * (DOCUMENT_CHARS + 1),
    "x" * 300_000,
    [],
    {},
    [{}],
    [{"foo": "bar"}],
    {"foo": "bar"},
    [None, 1, "a"],
    _nested(300),
    _nested(40),
    _json_text(5_000),
    list(range(200_000)),
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
)
json_like = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
adversarial = st.one_of(st.sampled_from(EDGE_VALUES), json_like)


def _fields(name: str) -> list[str]:
    schema = TOOL_CATALOG[name].args_schema
    assert isinstance(schema, type)
    return list(schema.model_fields)


def _call(name: str, args: dict[str, Any]) -> ToolResult:
    content = TOOL_CATALOG[name].invoke(args)
    result = parse_tool_output(content)
    assert result.tool == name
    assert result.code != "internal_error", f"{name}{args!r:.300} crashed: {result.error}"
    return result


def test_every_tool_is_fuzzed() -> None:
    assert len(TOOL_NAMES) == 71


def _unbounded(
    schema: dict[str, Any], path: str, defs: dict[str, Any], note: str = ""
) -> list[str]:
    """Paths in a JSON schema where a string, array or number has no upper bound."""
    note = schema.get("description", note)
    if "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[-1]]
    found: list[str] = []
    options = schema.get("anyOf", [])
    numeric_twin = any(o.get("type") == "number" and "maximum" in o for o in options)
    for option in options:
        if numeric_twin and option == {"type": "string"}:
            continue  # a Decimal's text form: its value is capped by the number's maximum
        found += _unbounded(option, path, defs, note)
    kind = schema.get("type")
    if kind == "string" and not {"maxLength", "enum", "const", "format"} & set(schema):
        found.append(f"{path}: string without maxLength")
    if kind in {"number", "integer"} and not {"maximum", "exclusiveMaximum"} & set(schema):
        found.append(f"{path}: {kind} without maximum")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{path}: array without maxItems")
        found += _unbounded(schema.get("items", {}), f"{path}[]", defs)
        for index, item in enumerate(schema.get("prefixItems", [])):
            found += _unbounded(item, f"{path}[{index}]", defs)
    if kind == "object":
        properties = schema.get("properties", {})
        if not properties and "levels deep" not in note:
            found.append(f"{path}: free-form object whose description gives no depth cap")
        for key, value in properties.items():
            found += _unbounded(value, f"{path}.{key}", defs)
    return found


@pytest.mark.parametrize("name", TOOL_NAMES)
def test_every_argument_is_bounded_in_the_schema(name: str) -> None:
    """The model sees each cap (maxLength, maxItems, maximum) in the tool's JSON schema."""
    schema = TOOL_CATALOG[name].tool_call_schema.model_json_schema()
    top = {key: value for key, value in schema.items() if key != "description"}
    assert _unbounded(top, name, schema.get("$defs", {})) == []


@pytest.mark.parametrize("name", TOOL_NAMES)
@FUZZ
@given(data=st.data())
def test_tool_never_crashes(name: str, data: st.DataObject) -> None:
    fields = _fields(name)
    keys = st.sampled_from([*fields, "unexpected_field"])
    args = data.draw(st.dictionaries(keys, adversarial, max_size=len(fields) + 1), label="args")
    _call(name, args)


@pytest.mark.parametrize("name", TOOL_NAMES)
@FUZZ
@given(data=st.data())
def test_tool_never_crashes_on_one_bad_field(name: str, data: st.DataObject) -> None:
    """Every field filled, one of them adversarial: the analyser itself is reached more often."""
    fields = _fields(name)
    args = {field: data.draw(scalars, label=field) for field in fields}
    args[data.draw(st.sampled_from(fields), label="bad field")] = data.draw(adversarial)
    _call(name, args)


DOCUMENT_FIELDS = {
    "firewall_audit": "rules",
    "terraform_plan_review": "plan_json",
    "analyze_query_plan": "plan",
    "ansible_check": "playbook_yaml",
    "audit_sshd_config": "config_text",
    "patch_status": "listing",
    "dns_check": "records",
    "lb_health": "backends",
    "cidr_plan": "vpc_cidr",
}
"""The argument each document-reading tool parses."""

junk_documents = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=200),
    st.lists(st.one_of(scalars, st.dictionaries(st.text(max_size=8), scalars, max_size=3))),
    st.dictionaries(st.text(max_size=8).filter(lambda k: k[:1].islower()), json_like, max_size=4),
    st.sampled_from([v for v in EDGE_VALUES if not isinstance(v, int | float) or v is None]),
)


@pytest.mark.parametrize("name", sorted(DOCUMENT_FIELDS))
@FUZZ
@given(document=junk_documents)
def test_unrecognised_document_is_never_a_success(name: str, document: Any) -> None:
    result = _call(name, {DOCUMENT_FIELDS[name]: document})
    assert result.status in {"error", "no_data"}, (
        f"{name} called {document!r:.200} a success: {result.summary}"
    )
