"""Result shapes of expressions, known before they run, and what fits a target attribute."""

from __future__ import annotations

import pytest

from scimitar.mapping.expression import compile_expression
from scimitar.mapping.shapes import Shape, fits, result_shapes

SOURCES = {"proxyaddresses": Shape.MULTI, "approleassignments": Shape.COMPLEX}


@pytest.mark.parametrize(
    ("text", "shapes"),
    [
        ("[givenName]", {Shape.SINGLE}),
        ("[ProxyAddresses]", {Shape.MULTI}),
        ('Join(";", [proxyAddresses])', {Shape.SINGLE}),
        ('Split([mail], "@")', {Shape.MULTI}),
        ("RemoveDuplicates([proxyAddresses])", {Shape.MULTI}),
        ("AppRoleAssignmentsComplex([appRoleAssignments])", {Shape.COMPLEX}),
        ("AssertiveAppRoleAssignmentsComplex([appRoleAssignments])", {Shape.COMPLEX}),
        ("SingleAppRoleAssignment([appRoleAssignments])", {Shape.SINGLE}),
        ("AppRoleAssignments([appRoleAssignments])", {Shape.MULTI}),
        ('IIF([mail] = "", [proxyAddresses], [mail])', {Shape.SINGLE, Shape.MULTI}),
        ('Switch([mail], [givenName], "a", [proxyAddresses])', {Shape.SINGLE, Shape.MULTI}),
        ("Coalesce([mail], [proxyAddresses])", {Shape.SINGLE, Shape.MULTI}),
        ("IgnoreFlowIfNullOrEmpty([proxyAddresses])", {Shape.MULTI}),
        ("Redact(Item([proxyAddresses], 1))", {Shape.SINGLE}),
        ('Switch([IsSoftDeleted], , "False", "True", "True", "False")', {Shape.SINGLE}),
    ],
)
def test_result_shapes(text: str, shapes: set[Shape]) -> None:
    assert result_shapes(compile_expression(text).tree, SOURCES) == shapes


@pytest.mark.parametrize(
    ("shape", "is_complex", "is_multi_valued", "expected"),
    [
        (Shape.SINGLE, False, False, True),
        (Shape.MULTI, False, False, False),
        (Shape.MULTI, False, True, True),
        (Shape.COMPLEX, False, True, False),
        (Shape.COMPLEX, True, True, True),
        (Shape.SINGLE, True, True, False),
    ],
    ids=[
        "one-into-single",
        "list-into-single",
        "list-into-multi",
        "complex-into-sub-attribute",
        "complex-into-complex",
        "string-into-complex",
    ],
)
def test_fits(shape: Shape, is_complex: bool, is_multi_valued: bool, expected: bool) -> None:
    assert fits(shape, is_complex=is_complex, is_multi_valued=is_multi_valued) is expected
