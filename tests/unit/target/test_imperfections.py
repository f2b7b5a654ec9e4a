"""Which requests each quirk switch touches (names, paths, filters), without a server."""

from __future__ import annotations

import pytest

from scimitar.errors import ConfigError
from scimitar.scim.errors import SCIMError
from scimitar.target.imperfections import WELL_BEHAVED, Imperfections, check_names

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.mark.parametrize(
    ("name", "operation", "refused"),
    [
        ("title", {"op": "replace", "path": "TITLE", "value": "x"}, True),
        ("members", {"op": "remove", "path": 'members[value eq "1"]'}, True),
        ("manager", {"op": "add", "path": f"{ENTERPRISE}:manager", "value": {"value": "1"}}, True),
        (f"{ENTERPRISE}:manager", {"op": "add", "path": "manager", "value": {}}, True),
        ("name.givenName", {"op": "replace", "path": "name", "value": {}}, True),
        ("name.givenName", {"op": "replace", "path": "name.familyName", "value": "x"}, False),
        (
            f"{ENTERPRISE}:department",
            {"op": "replace", "value": {ENTERPRISE: {"department": "R"}}},
            True,
        ),
        ("title", {"op": "replace", "path": "titles", "value": "x"}, False),
        (f"{ENTERPRISE}:manager", {"op": "add", "path": "urn:x:manager", "value": "1"}, False),
    ],
)
def test_patch_unsupported_matches_paths(
    name: str, operation: dict[str, object], refused: bool
) -> None:
    switches = Imperfections(patch_unsupported=(name,))
    if refused:
        with pytest.raises(SCIMError) as caught:
            switches.refuse_patch("User", [operation])
        assert caught.value.status == 501
    else:
        switches.refuse_patch("User", [operation])


@pytest.mark.parametrize(
    ("text", "ignored"),
    [
        ('displayName eq "Sales"', True),
        ('externalId eq "1" and (DISPLAYNAME sw "S")', True),
        ('members[displayName eq "x"]', False),
        ('userName eq "displayName eq x"', False),
        (None, False),
    ],
)
def test_filters_ignored_reads_the_compared_attributes(text: str | None, ignored: bool) -> None:
    assert Imperfections(filters_ignored=("displayName",)).ignores_filter(text) is ignored


def test_well_behaved_is_stored_as_null_and_read_back() -> None:
    assert WELL_BEHAVED.to_json() is None
    assert Imperfections.from_json(None) == WELL_BEHAVED
    switches = Imperfections(("op:add",), ("title",), ("nickName",), numeric_status=True)
    assert Imperfections.from_json(switches.to_json()) == switches


def test_names_are_cleaned_and_checked() -> None:
    assert check_names("--x", [" title ", "title", "OP:ADD", "*"], ops=True) == (
        "title",
        "op:add",
        "*",
    )
    with pytest.raises(ConfigError, match="at most 50"):
        check_names("--x", [f"a{i}" for i in range(51)])
    with pytest.raises(ConfigError, match="--x: 'op:add' is not an attribute name"):
        check_names("--x", ["op:add"])
