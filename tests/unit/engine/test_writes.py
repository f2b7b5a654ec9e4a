"""Which attributes a refused PATCH is about (docs/provisioning.md, "Apps that implement SCIM
partly"): those the app's message names, else every attribute of the PATCH."""

from __future__ import annotations

import pytest

from scimitar.engine.run.writes import refused_changes
from scimitar.mapping.flow import AttributeChange

CHANGES = (
    AttributeChange("title", "Old", "New"),
    AttributeChange("name.givenName", "Ada", "Augusta"),
    AttributeChange("preferredLanguage", None, "fr-FR"),
    AttributeChange('emails[type eq "work"].value', None, "ada@contoso.com"),
)


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("PATCH of the attribute 'title' is not implemented on this User", ["title"]),
        ("Title cannot be patched", ["title"]),
        ("unsupported: emails", ['emails[type eq "work"].value']),
        ("PATCH of the remove operation is not implemented", [c.path for c in CHANGES]),
        ("the attribute name is not valid", [c.path for c in CHANGES]),
        ("subtitle and jobtitle are read-only", [c.path for c in CHANGES]),
    ],
    ids=["quoted", "any-case", "value-filtered-by-attribute", "none-named", "prose", "no-part"],
)
def test_the_refusal_is_about_the_attributes_it_names(detail: str, expected: list[str]) -> None:
    assert [c.path for c in refused_changes(CHANGES, detail)] == expected
