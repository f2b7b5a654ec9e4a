"""Save-time checks of mapping sets: unknown source attributes and results that do not fit."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from scimitar.apps.mapping_checks import check_mapping_set, source_names
from scimitar.errors import ConfigError
from scimitar.gallery.service import GalleryService
from scimitar.mapping.defaults import SCIM_USER_MAPPINGS
from scimitar.mapping.mappings import AttributeMapping, MappingSet

GALLERY = GalleryService.builtin()
SCIM = GALLERY.get("scim")


@dataclass(frozen=True)
class Target:
    name: str
    type: str = "String"
    is_multi_valued: bool = False


def _with(mapping: AttributeMapping) -> MappingSet:
    return replace(SCIM_USER_MAPPINGS, mappings=(*SCIM_USER_MAPPINGS.mappings, mapping))


@pytest.mark.parametrize(
    ("template_id", "object_type"),
    [
        (template.document.id, object_type)
        for template in GALLERY.list(None)
        for object_type in template.default_mappings
    ],
)
def test_every_gallery_templates_default_mappings_pass(template_id: str, object_type: str) -> None:
    template = GALLERY.get(template_id)
    check_mapping_set(
        template.default_mappings[object_type],
        source_names(object_type),
        template.target_attributes(object_type),
    )


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        (
            AttributeMapping.direct("jobTitel", "nickName"),
            "User mapping 23 (target 'nickName'), field source: 'jobTitel' is not a User "
            "attribute of the directory; closest: jobTitle",
        ),
        (
            AttributeMapping.expression('Join(" ", [givenName], [surnam])', "nickName"),
            "User mapping 23 (target 'nickName'), field expression, [surnam] at column 24: "
            "'surnam' is not a User attribute of the directory; closest: surname",
        ),
        (
            AttributeMapping.direct("extension_costCentre", "nickName"),
            "an extension_<name> attribute is known once a directory user has one",
        ),
    ],
    ids=["direct", "in-expression", "extension-nobody-has"],
)
def test_unknown_source_attributes_are_refused(mapping: AttributeMapping, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_mapping_set(_with(mapping), source_names("User"), SCIM.target_attributes("User"))
    assert says in str(caught.value)


def test_an_extension_some_user_has_is_known_in_any_case() -> None:
    mapping = AttributeMapping.expression("ToUpper([Extension_CostCenter])", "nickName")
    names = source_names("User", ["extension_costCenter"])
    check_mapping_set(_with(mapping), names, SCIM.target_attributes("User"))
    assert names.closest("extension_costCentre") == ["extension_costCenter"]


def test_group_mappings_read_group_attributes() -> None:
    group = SCIM.default_mappings["Group"]
    bad = replace(group, mappings=(*group.mappings, AttributeMapping.direct("jobTitle", "x")))
    with pytest.raises(ConfigError, match="'jobTitle' is not a Group attribute"):
        check_mapping_set(bad, source_names("Group"), [])


@pytest.mark.parametrize(
    ("mapping", "targets", "says"),
    [
        (
            AttributeMapping.direct("proxyAddresses", "nickName"),
            [Target("nickName")],
            "User mapping 23 (target 'nickName'), field source: it can produce several values "
            "(a multi-valued result), which does not fit 'nickName' (a single-valued String)",
        ),
        (
            AttributeMapping.expression(
                "AppRoleAssignmentsComplex([appRoleAssignments])", 'roles[primary eq "True"].value'
            ),
            SCIM.target_attributes("User"),
            "field expression: it can produce complex values (objects such as app-role "
            "assignments), which does not fit 'roles[primary eq \"True\"].value'",
        ),
        (
            AttributeMapping.expression('IIF([mail] = "", [proxyAddresses], [mail])', "nickName"),
            [Target("nickName")],
            "it can produce several values",
        ),
        (
            AttributeMapping.direct("mail", "roles"),
            [Target("roles", "Complex", is_multi_valued=True)],
            "which does not fit 'roles' (a complex attribute); map "
            "AppRoleAssignmentsComplex([appRoleAssignments])",
        ),
    ],
    ids=["list-into-single", "complex-into-roles-value", "list-in-one-branch", "text-into-roles"],
)
def test_results_that_do_not_fit_the_target_are_refused(
    mapping: AttributeMapping, targets: list[Target], says: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        check_mapping_set(_with(mapping), source_names("User"), targets)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("mapping", "target"),
    [
        (
            AttributeMapping.expression("AppRoleAssignmentsComplex([appRoleAssignments])", "roles"),
            Target("roles", "Complex", is_multi_valued=True),
        ),
        (
            AttributeMapping.direct("proxyAddresses", "emails"),
            Target("emails", is_multi_valued=True),
        ),
        (
            AttributeMapping.expression('Join(";", [proxyAddresses])', "nickName"),
            Target("nickName"),
        ),
    ],
    ids=["complex-into-roles", "list-into-multi", "joined-list"],
)
def test_results_that_fit_pass(mapping: AttributeMapping, target: Target) -> None:
    check_mapping_set(_with(mapping), source_names("User"), [target])


def test_the_webex_template_says_why_app_roles_have_no_target() -> None:
    webex = GALLERY.get("cisco-webex")
    names = {attribute.name for attribute in webex.target_attributes("User")}
    assert "roles" not in names
    assert any("AppRoleAssignmentsComplex" in note for note in webex.document.notes)
