"""Every test vector of docs/entra.md §4.3, from tests/samples/entra-4.3-expression-vectors.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimitar.mapping import compile_expression, evaluate, parse, print_expression
from scimitar.mapping.context import EvaluationContext
from scimitar.mapping.interpreter import interpret
from scimitar.mapping.values import to_flow

_SAMPLE = Path(__file__).parents[2] / "samples" / "entra-4.3-expression-vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(_SAMPLE.read_text(encoding="utf-8"))["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector_evaluates_to_documented_output(vector: dict[str, Any]) -> None:
    assert evaluate(vector["expression"], vector["input"]) == vector["output"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_interpreter_agrees_with_compiled_form(vector: dict[str, Any]) -> None:
    ctx = EvaluationContext.for_user(vector["input"])
    assert to_flow(interpret(parse(vector["expression"]), ctx)) == vector["output"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_canonical_text_evaluates_the_same(vector: dict[str, Any]) -> None:
    canonical = print_expression(parse(vector["expression"]))
    assert parse(canonical) == parse(vector["expression"])
    assert evaluate(canonical, vector["input"]) == vector["output"]


def test_select_unique_value_asks_the_target_in_rule_order() -> None:
    expression = (
        'SelectUniqueValue(Join("@", NormalizeDiacritics(StripSpaces(Join(".", '
        '[PreferredFirstName], [PreferredLastName]))), "contoso.com"), '
        'Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName], 1, 1), '
        '[PreferredLastName]))), "contoso.com"), '
        'Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName], 1, 2), '
        '[PreferredLastName]))), "contoso.com"))'
    )
    user = {"PreferredFirstName": "John", "PreferredLastName": "Smith"}
    taken = {"John.Smith@contoso.com", "J.Smith@contoso.com"}
    asked: list[str] = []

    def is_unique(value: str) -> bool:
        asked.append(value)
        return value not in taken

    assert evaluate(expression, user, is_unique=is_unique) == "Jo.Smith@contoso.com"
    assert asked == ["John.Smith@contoso.com", "J.Smith@contoso.com", "Jo.Smith@contoso.com"]
    assert compile_expression(expression).is_unique_selection


def test_random_string_vector_meets_its_minimums() -> None:
    value = evaluate("RandomString(6,3,0,0,3)")
    assert len(value) == 6
    assert sum(c.isdigit() for c in value) >= 3
    assert sum(c.islower() for c in value) >= 3
