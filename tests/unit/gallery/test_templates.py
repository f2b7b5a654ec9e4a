"""Gallery templates: the shipped ones load, and a broken file names file, field and reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimitar.gallery import BUILTIN_TEMPLATES, DEFAULT_ACCESS, GalleryService, TemplateError
from scimitar.gallery.loader import load_template, parse_template
from scimitar.mapping.defaults import SCIM_USER_MAPPINGS, WEBEX_USER_MAPPINGS

WEBEX = json.loads((BUILTIN_TEMPLATES / "cisco-webex.json").read_text())


def _broken(change: Any) -> str:
    document = json.loads(json.dumps(WEBEX))
    change(document)
    return json.dumps(document)


def test_every_shipped_template_loads() -> None:
    gallery = GalleryService.builtin()
    ids = {template.id for template in gallery.list()}
    assert {"cisco-webex", "scim", "slack", "zoom", "github-emu", "atlassian-cloud"} <= ids
    assert len(ids) >= 7


def test_webex_is_the_seed_app() -> None:
    webex = GalleryService.builtin().get("cisco-webex")
    forms = [form.template for form in webex.document.tenant_url]
    assert forms == [
        "https://api.webex.com/v1/scim/{tenantId}/",
        "https://webexapis.com/identity/scim/{orgId}/v2/",
    ]
    assert webex.default_mappings["User"] == WEBEX_USER_MAPPINGS
    assert webex.object_types == ("User", "Group")
    assert webex.quirks.exclude_default_access
    assert webex.roles == (DEFAULT_ACCESS, "User")
    assert webex.document.rate_limits == ()


def test_generic_scim_uses_entra_defaults() -> None:
    scim = GalleryService.builtin().get("scim")
    assert scim.default_mappings["User"] == SCIM_USER_MAPPINGS
    assert not scim.quirks.exclude_default_access
    assert "User" in scim.roles


def test_published_rate_limits_are_data() -> None:
    slack = GalleryService.builtin().get("slack")
    writes = next(limit for limit in slack.document.rate_limits if limit.applies_to == "writes")
    assert (writes.requests, writes.per_seconds, writes.burst) == (600, 60, 180)


@pytest.mark.parametrize(
    ("search", "expected"),
    [("webex", {"cisco-webex"}), ("GITHUB", {"github-emu"}), ("no such app", set())],
    ids=["by-name", "case-insensitive", "nothing"],
)
def test_search(search: str, expected: set[str]) -> None:
    assert {t.id for t in GalleryService.builtin().list(search)} == expected


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (lambda d: d.pop("displayName"), "displayName", "Field required"),
        (lambda d: d.update(dialect="soap"), "dialect", "'rfc' or 'entra'"),
        (lambda d: d.update(colour="red"), "colour", "unknown field"),
        (
            lambda d: d["tenantUrl"][0].update(template="ftp://x/{tenantId}"),
            "tenantUrl.0.template",
            "should match pattern",
        ),
        (
            lambda d: d["objects"]["User"].update(mappings="nope.user"),
            "objects.User.mappings",
            "no default mapping set 'nope.user'",
        ),
        (
            lambda d: d["targetAttributes"]["User"].pop(0),
            "objects.User.mappings",
            "target 'userName' is not in targetAttributes.User",
        ),
        (
            lambda d: d["appRoles"].append({"value": "user"}),
            "appRoles.1.value",
            "twice",
        ),
        (
            lambda d: d["quirks"]["bulk"].update(supported=False, use=True),
            "quirks.bulk.use",
            "not supported",
        ),
        (
            lambda d: d["objects"]["User"].update(
                mappings={
                    "name": "x",
                    "objectType": "User",
                    "attributeMappings": [
                        {
                            "targetAttributeName": "userName",
                            "source": {"type": "Expression", "value": "Join(,"},
                            "matchingPriority": 1,
                        }
                    ],
                }
            ),
            "objects.User.mappings",
            "expression error at line 1",
        ),
    ],
    ids=[
        "missing",
        "bad-enum",
        "unknown-key",
        "http-url",
        "unknown-set",
        "unknown-target",
        "duplicate-role",
        "bulk-use",
        "bad-expression",
    ],
)
def test_a_broken_template_names_file_field_and_reason(
    change: Any, field: str, reason: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(_broken(change), "cisco-webex.json")
    assert caught.value.file == "cisco-webex.json"
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert "cisco-webex.json" in str(caught.value)


def test_a_broken_file_on_disk_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cisco-webex.json"
    path.write_text('{"id": "cisco-webex",', encoding="utf-8")
    with pytest.raises(TemplateError, match=r"cisco-webex\.json: field line 1"):
        load_template(path)


def test_the_id_must_match_the_file_name() -> None:
    with pytest.raises(TemplateError) as caught:
        parse_template(json.dumps(WEBEX), "webex.json")
    assert caught.value.field == "id"


def test_a_directory_with_a_broken_template_is_refused(tmp_path: Path) -> None:
    (tmp_path / "cisco-webex.json").write_text(_broken(lambda d: d.pop("auth")))
    with pytest.raises(TemplateError, match="field auth: Field required"):
        GalleryService.from_directories([tmp_path])
