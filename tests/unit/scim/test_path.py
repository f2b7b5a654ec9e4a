"""PATCH paths (RFC 7644 §3.5.2)."""

from __future__ import annotations

import pytest

from scimitar.scim.errors import InvalidPathError
from scimitar.scim.filter import And, AttrPath, Comparison
from scimitar.scim.path import Path, parse_path, render_path

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CISCO_GROUP = "urn:scim:schemas:extension:cisco:webexidentity:2.0:Group"


@pytest.mark.parametrize(
    ("text", "path", "rendered"),
    [
        ("title", Path(AttrPath("title")), "title"),
        ("name.familyName", Path(AttrPath("name", "familyName")), "name.familyName"),
        (
            'members[value eq "2819c223"]',
            Path(AttrPath("members"), Comparison(AttrPath("value"), "eq", "2819c223")),
            'members[value eq "2819c223"]',
        ),
        (
            'addresses[type Eq "work"].streetAddress',
            Path(
                AttrPath("addresses"), Comparison(AttrPath("type"), "eq", "work"), "streetAddress"
            ),
            'addresses[type eq "work"].streetAddress',
        ),
        (
            'emails[type eq "work" and value ew "example.com"]',
            Path(
                AttrPath("emails"),
                And(
                    Comparison(AttrPath("type"), "eq", "work"),
                    Comparison(AttrPath("value"), "ew", "example.com"),
                ),
            ),
            'emails[type eq "work" and value ew "example.com"]',
        ),
        (f"{ENT}:manager", Path(AttrPath("manager", urn=ENT)), f"{ENT}:manager"),
        (f"{ENT}:manager.value", Path(AttrPath("manager", "value", ENT)), f"{ENT}:manager.value"),
        (
            f"{CISCO_GROUP}.inheritances",
            Path(AttrPath("inheritances", urn=CISCO_GROUP)),
            f"{CISCO_GROUP}:inheritances",
        ),
        (
            'phoneNumbers [type eq "work"] ',
            Path(AttrPath("phoneNumbers"), Comparison(AttrPath("type"), "eq", "work")),
            'phoneNumbers[type eq "work"]',
        ),
    ],
    ids=[
        "simple",
        "sub-attribute",
        "value-filter",
        "value-filter-sub",
        "complex-filter",
        "urn-colon",
        "urn-colon-sub",
        "webex-urn-dot",
        "blanks",
    ],
)
def test_parse_and_render(text: str, path: Path, rendered: str) -> None:
    assert parse_path(text) == path
    assert render_path(path) == rendered
    assert parse_path(rendered) == path


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "position 0: expected an attribute name"),
        ("title eq", "position 6: expected the end of the path"),
        ('emails[type eq "work"', '"]"'),
        ("name.givenName[type eq 1]", '"[" directly after an attribute name'),
        ('emails[type eq "work"].', "sub-attribute name"),
        ("1abc", "attribute name"),
        ('emails[type eq "w"] x', "end of the path"),
    ],
    ids=[
        "empty",
        "filter-not-path",
        "unclosed",
        "filter-after-sub",
        "dangling-dot",
        "bad-name",
        "trailing",
    ],
)
def test_errors(text: str, words: str) -> None:
    with pytest.raises(InvalidPathError) as caught:
        parse_path(text)
    assert caught.value.scim_type == "invalidPath"
    assert words in caught.value.detail


def test_sub_attribute_property() -> None:
    assert parse_path("name.givenName").sub_attribute == "givenName"
    assert parse_path('emails[type eq "work"].value').sub_attribute == "value"
    assert parse_path("emails").sub_attribute is None
