"""Filters (RFC 7644 §3.4.2.2): parsing, rendering, evaluation, errors."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.scim.errors import InvalidFilterError
from scimitar.scim.filter import (
    And,
    AttrPath,
    Comparison,
    Not,
    Or,
    Present,
    ValuePath,
    evaluate,
    parse_filter,
    render_filter,
    simple_equality,
)
from scimitar.scim.schema import ResourceSchema

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# RFC 7644 §3.4.2.2, the list of example filters.
RFC_EXAMPLES = [
    'userName eq "bjensen"',
    'name.familyName co "O\'Malley"',
    'userName sw "J"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
    "title pr",
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
    'meta.lastModified ge "2011-05-13T04:42:34Z"',
    'meta.lastModified lt "2011-05-13T04:42:34Z"',
    'meta.lastModified le "2011-05-13T04:42:34Z"',
    'title pr and userType eq "Employee"',
    'title pr or userType eq "Intern"',
    'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
    'userType eq "Employee" and (emails.type eq "work")',
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    'emails[type eq "work" and value co "@example.com"] or '
    'ims[type eq "xmpp" and value co "@foo.com"]',
]
# What the RFC 7643 §8.2 user (bjensen) gives for each example above.
RFC_EXPECTED = [
    False, False, False, False, True, False, True, False, True,
    True, True, True, True, False, True, True, True,
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    list(zip(RFC_EXAMPLES, RFC_EXPECTED, strict=True)),
    ids=[f"rfc-{i}" for i in range(len(RFC_EXAMPLES))],
)
def test_rfc_examples_round_trip_and_evaluate(
    text: str, expected: bool, bjensen: dict[str, Any], users: ResourceSchema
) -> None:
    parsed = parse_filter(text)
    assert parse_filter(render_filter(parsed)) == parsed
    assert evaluate(parsed, bjensen, users) is expected


def _cmp(attr: str, value: Any, op: str = "eq") -> Comparison:
    return Comparison(AttrPath(attr), op, value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("a eq 1 or b eq 2 and c eq 3", Or(_cmp("a", 1), And(_cmp("b", 2), _cmp("c", 3)))),
        ("a eq 1 and b eq 2 or c eq 3", Or(And(_cmp("a", 1), _cmp("b", 2)), _cmp("c", 3))),
        ("not (a eq 1) and b eq 2", And(Not(_cmp("a", 1)), _cmp("b", 2))),
        ("not a eq 1 or b pr", Or(Not(_cmp("a", 1)), Present(AttrPath("b")))),
        ("(a eq 1 or b eq 2) and c eq 3", And(Or(_cmp("a", 1), _cmp("b", 2)), _cmp("c", 3))),
        ("a eq 1 and b eq 2 and c eq 3", And(And(_cmp("a", 1), _cmp("b", 2)), _cmp("c", 3))),
        ("a Eq true AND b NE null", And(_cmp("a", True), _cmp("b", None, "ne"))),
        ('userName EQ "x" OR userName eq "y"', Or(_cmp("userName", "x"), _cmp("userName", "y"))),
        ("n gt -1.5e3", _cmp("n", -1500.0, "gt")),
        ('s eq "a\\"b\\u00e9\\n"', _cmp("s", 'a"bé\n')),
        (
            'phoneNumbers [ type eq "work_extension"]',
            ValuePath(AttrPath("phoneNumbers"), _cmp("type", "work_extension")),
        ),
        (
            'emails[type eq "work"].value eq "a@b.c"',
            ValuePath(AttrPath("emails"), And(_cmp("type", "work"), _cmp("value", "a@b.c"))),
        ),
        (
            f'{ENT}:manager.value eq "m1"',
            Comparison(AttrPath("manager", "value", ENT), "eq", "m1"),
        ),
        (
            'urn:scim:schemas:extension:cisco:webexidentity:2.0:User:meta.organizationId eq "o"',
            Comparison(
                AttrPath(
                    "meta",
                    "organizationId",
                    "urn:scim:schemas:extension:cisco:webexidentity:2.0:User",
                ),
                "eq",
                "o",
            ),
        ),
        (
            "id eq 3426a8e3-d414 and manager eq b571",
            And(_cmp("id", "3426a8e3-d414"), _cmp("manager", "b571")),
        ),
    ],
    ids=[
        "and-binds-tighter-right",
        "and-binds-tighter-left",
        "not-binds-tightest",
        "not-without-parentheses",
        "parentheses",
        "left-associative",
        "keywords-any-case",
        "webex-capital-Eq",
        "number-exponent",
        "json-escapes",
        "blank-before-bracket",
        "value-path-then-sub",
        "urn-qualified",
        "webex-organization-id",
        "entra-unquoted-ids",
    ],
)
def test_parse_trees(text: str, tree: object) -> None:
    assert parse_filter(text) == tree
    assert parse_filter(render_filter(parse_filter(text))) == tree


@pytest.mark.parametrize(
    ("text", "position", "expected"),
    [
        ("userName eq", 11, "a value"),
        ('userName xx "a"', 9, "comparison operator"),
        ('(userName eq "a"', 16, '")"'),
        ('userName eq "a" junk', 16, '"and", "or"'),
        ('emails[type eq "work"', 21, '"]"'),
        ('emails[type[x eq 1] eq "a"]', 11, "cannot be nested"),
        ('userName eq "abc', 12, "never closed"),
        ('userName eq "\\x"', 12, "not a valid JSON string"),
        ('1abc eq "x"', 0, "attribute name"),
        ('name.given.x eq "x"', 0, "one sub-attribute"),
        ("and", 0, "attribute name"),
        ('userName eq "a" and', 19, "attribute name"),
        ('userName eq "a" or )', 19, "attribute name"),
    ],
    ids=[
        "missing-value",
        "unknown-operator",
        "unclosed-parenthesis",
        "trailing-garbage",
        "unclosed-bracket",
        "nested-brackets",
        "unterminated-string",
        "bad-escape",
        "name-starts-with-digit",
        "two-sub-attributes",
        "keyword-alone",
        "dangling-and",
        "stray-parenthesis",
    ],
)
def test_errors_give_position_and_expectation(text: str, position: int, expected: str) -> None:
    with pytest.raises(InvalidFilterError) as caught:
        parse_filter(text)
    error = caught.value
    assert (error.status, error.scim_type) == (400, "invalidFilter")
    assert expected in error.detail
    assert f"position {position}" in error.detail


def test_empty_filter_is_an_error() -> None:
    with pytest.raises(InvalidFilterError, match="empty"):
        parse_filter("   ")


USER: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "id": "AbC-123",
    "userName": "BJensen@Example.com",
    "title": "",
    "nickName": None,
    "active": True,
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "phoneNumbers": [],
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "meta": {"lastModified": "2011-05-13T04:42:34Z", "created": "2010-01-23T04:56:22+00:00"},
    ENT: {"manager": {"value": "m-1"}, "employeeNumber": "701984"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "bjensen@example.com"', True),
        ('USERNAME eq "BJENSEN@EXAMPLE.COM"', True),
        ('userName ne "bjensen@example.com"', False),
        ('userName ne "someone"', True),
        ('userName co "JENSEN"', True),
        ('userName sw "bj"', True),
        ('userName ew ".COM"', True),
        ('userName gt "a"', True),
        ('userName ge "bjensen@example.com"', True),
        ('userName lt "c"', True),
        ('userName le "a"', False),
        ('id eq "abc-123"', False),
        ('id eq "AbC-123"', True),
        ("active eq true", True),
        ('active eq "True"', True),
        ("active ne false", True),
        ('emails eq "babs@jensen.org"', True),
        ('emails co "nobody"', False),
        ('emails.type eq "home"', True),
        ('emails[type eq "work"].value eq "bjensen@example.com"', True),
        ('emails[type eq "home" and primary eq true]', False),
        ('emails[type eq "home" or primary eq true]', True),
        ("emails[not (primary pr)]", True),
        ('manager eq "m-1"', True),
        (f'{ENT}:manager.value eq "M-1"', True),
        (f'{ENT.upper()}:employeeNumber eq "701984"', True),
        ('meta.lastModified gt "2011-05-13T04:42:33Z"', True),
        ('meta.lastModified eq "2011-05-13T06:42:34+02:00"', True),
        ('meta.created lt "2010-01-23T04:56:22.001Z"', True),
        ("title pr", False),
        ("nickName pr", False),
        ("phoneNumbers pr", False),
        ("emails pr", True),
        ("name pr", True),
        ("name.middleName pr", False),
        ("title eq null", True),
        ("userName ne null", True),
        ('shoeSize eq "44"', False),
        ("shoeSize pr", False),
        ('not (shoeSize eq "44")', True),
        ('urn:example:unknown:2.0:User:thing eq "x"', False),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_evaluate(text: str, expected: bool, users: ResourceSchema) -> None:
    assert evaluate(parse_filter(text), USER, users) is expected


@pytest.mark.parametrize(
    "text",
    [
        "active gt true",
        "active co true",
        'active eq "maybe"',
        'name gt "a"',
        'emails gt "a"',
        'name eq "Barbara"',
        'meta.lastModified gt "yesterday"',
        "meta.lastModified gt 5",
        "userName gt null",
    ],
    ids=lambda v: str(v),
)
def test_evaluate_rejects_operators_the_type_cannot_take(text: str, users: ResourceSchema) -> None:
    with pytest.raises(InvalidFilterError) as caught:
        evaluate(parse_filter(text), USER, users)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('userName eq "bjensen"', ("username", "bjensen")),
        ('UserName Eq "x"', ("username", "x")),
        ('name.givenName eq "B"', ("name.givenname", "B")),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"', ("username", "x")),
        (f'{ENT}:employeeNumber eq "7"', (f"{ENT.lower()}:employeenumber", "7")),
        ("externalId eq 12", ("externalid", 12)),
        ('userName ne "x"', None),
        ("userName eq null", None),
        ('userName eq "a" and id eq "b"', None),
        ('emails[type eq "work"]', None),
    ],
    ids=lambda v: str(v) if isinstance(v, str) else None,
)
def test_simple_equality(text: str, expected: tuple[str, object] | None) -> None:
    assert simple_equality(parse_filter(text)) == expected
