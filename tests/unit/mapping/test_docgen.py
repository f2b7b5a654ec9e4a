"""docs/expressions.md is generated from the function registry and must not go stale."""

from __future__ import annotations

from pathlib import Path

from scimitar.mapping import LIBRARY
from scimitar.mapping.docgen import render_expressions_doc

DOC = Path(__file__).parents[3] / "docs" / "expressions.md"


def test_committed_doc_matches_the_registry() -> None:
    hint = "stale: run `python -m scimitar.mapping.docgen > docs/expressions.md`"
    assert DOC.read_text(encoding="utf-8") == render_expressions_doc(), hint


def test_every_function_has_a_section() -> None:
    text = render_expressions_doc()
    for name, spec in LIBRARY.items():
        assert f"### {name}\n\n`{spec.signature()}`" in text
