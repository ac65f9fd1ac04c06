"""libyaml's parser and PyYAML's own give the same node trees, so positions do not depend on
which one a user's PyYAML has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from alignsim.scenario import yamlpos

ROOT = Path(__file__).resolve().parents[2]
needs_libyaml = pytest.mark.skipif(
    not getattr(yaml, "__with_libyaml__", False), reason="PyYAML built without libyaml"
)


def shape(node: yaml.Node | None) -> list:
    """Kind, tag, marks, style (plain: None; block: False) and value of every node."""
    if node is None:  # an empty document
        return [None]
    style = bool(node.flow_style) if hasattr(node, "flow_style") else (node.style or None)
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line,
             node.end_mark.column)  # fmt: skip
    out = [(type(node).__name__, node.tag, marks, style)]
    if isinstance(node, yaml.ScalarNode):
        out.append(node.value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            out += shape(child)
    else:
        for key, value in node.value:
            out += shape(key) + shape(value)
    return out


def both(text: str) -> tuple[list, list]:
    return (
        shape(yaml.compose(text, Loader=yaml.SafeLoader)),
        shape(yaml.compose(text, Loader=yaml.CSafeLoader)),
    )


@needs_libyaml
def test_the_faster_parser_is_used():
    assert yamlpos._LOADER is yaml.CSafeLoader


@needs_libyaml
@pytest.mark.parametrize(
    "path",
    sorted(p for folder in ("scenarios", "tests") for p in (ROOT / folder).rglob("*.yaml")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_shipped_and_test_files_give_the_same_nodes(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        expected = shape(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        with pytest.raises(yaml.YAMLError):
            yaml.compose(text, Loader=yaml.CSafeLoader)
        return
    assert shape(yaml.compose(text, Loader=yaml.CSafeLoader)) == expected


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | names,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(names, inner, max_size=4),
    max_leaves=20,
)


@needs_libyaml
@settings(max_examples=200, deadline=None)
@given(document=st.dictionaries(names, values, max_size=5), flow=st.booleans())
def test_generated_documents_give_the_same_nodes(document, flow):
    text = yaml.safe_dump(document, allow_unicode=True, default_flow_style=flow)
    expected, got = both(text)
    assert got == expected


def test_a_syntax_error_is_reported_in_pyyaml_words():
    document = yamlpos.load_yaml("a: {b: 1\nc: 2\n", "bad.yaml")
    assert document.fatal
    assert document.problems[0].message.startswith("YAML syntax: expected ',' or '}'")
