"""Mapping sets as configuration: JSON export/import and validation (docs/entra.md §2.2, §2.3)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scimitar.errors import ConfigError
from scimitar.mapping.defaults import DEFAULT_MAPPING_SETS, SCIM_USER_MAPPINGS
from scimitar.mapping.mappings import AttributeMapping, FlowType, MappingSet, SourceType


@pytest.mark.parametrize("name", sorted(DEFAULT_MAPPING_SETS))
def test_default_sets_round_trip_through_json(name: str) -> None:
    mapping_set = DEFAULT_MAPPING_SETS[name]
    assert MappingSet.from_json(mapping_set.to_json()) == mapping_set


def test_generic_scim_user_set_has_the_22_default_mappings() -> None:
    assert len(SCIM_USER_MAPPINGS.mappings) == 22
    assert [m.target for m in SCIM_USER_MAPPINGS.matching_mappings] == ["userName"]


def test_exported_mapping_is_graph_like() -> None:
    data = AttributeMapping.direct("userPrincipalName", "userName", matching_precedence=1).to_dict()
    assert data == {
        "targetAttributeName": "userName",
        "source": {"type": "Attribute", "value": "userPrincipalName"},
        "flowType": "Always",
        "targetType": "String",
        "matchingPriority": 1,
    }


def mapping_doc(**overrides: Any) -> dict[str, Any]:
    mapping = {"targetAttributeName": "userName", "source": {"type": "Attribute", "value": "mail"}}
    return {"name": "t", "objectType": "User", "attributeMappings": [{**mapping, **overrides}]}


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        pytest.param("{", "not valid JSON", id="bad-json"),
        pytest.param("[]", "must be a JSON object", id="not-object"),
        pytest.param(
            json.dumps({"name": "t"}), "needs an attributeMappings list", id="no-mappings"
        ),
        pytest.param(
            json.dumps(mapping_doc(source="mail")),
            "needs targetAttributeName and source",
            id="bad-source",
        ),
        pytest.param(
            json.dumps(mapping_doc(flowType="Sometimes")),
            "'Sometimes' is not a valid FlowType",
            id="bad-flow-type",
        ),
        pytest.param(
            json.dumps(mapping_doc(source={"type": "Function", "value": "x"})),
            "not a valid SourceType",
            id="bad-source-type",
        ),
        pytest.param(
            json.dumps(mapping_doc(targetAttributeName="emails[type eq ")),
            "not a valid path",
            id="bad-target",
        ),
        pytest.param(
            json.dumps(mapping_doc(targetAttributeName="id")), "cannot be mapped", id="target-id"
        ),
        pytest.param(
            json.dumps(mapping_doc(targetAttributeName='emails[type ne "x"].value')),
            'only \\[attr eq "value"\\] filters',
            id="target-filter-shape",
        ),
        pytest.param(
            json.dumps(mapping_doc(source={"type": "Expression", "value": "Left([a]"})),
            "mapping 1 \\(target 'userName'\\): expression error at line 1, column 9",
            id="bad-expression",
        ),
        pytest.param(
            json.dumps(mapping_doc(matchingPriority=0)),
            "precedence starts at 1",
            id="precedence-zero",
        ),
        pytest.param(
            json.dumps({**mapping_doc(), "objectType": "Device"}), "User or Group", id="object-type"
        ),
        pytest.param(
            json.dumps(mapping_doc(source={"type": "Attribute", "value": " "})),
            "name the source",
            id="empty-attribute",
        ),
    ],
)
def test_invalid_documents_fail_with_clear_errors(document: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        MappingSet.from_json(document)


def test_duplicate_targets_are_rejected() -> None:
    mapping_set = MappingSet(
        "t",
        "User",
        (AttributeMapping.direct("mail", "userName"), AttributeMapping.direct("upn", "USERNAME")),
    )
    with pytest.raises(
        ConfigError, match="mapping 2 \\(target 'USERNAME'\\): target already mapped by mapping 1"
    ):
        mapping_set.validate()


def test_matching_precedence_must_be_unique() -> None:
    mapping_set = MappingSet(
        "t",
        "User",
        (
            AttributeMapping.direct("mail", "userName", matching_precedence=1),
            AttributeMapping.direct("objectId", "externalId", matching_precedence=1),
        ),
    )
    with pytest.raises(ConfigError, match="precedence 1 is used twice"):
        mapping_set.validate()


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        pytest.param(
            {"matching_precedence": 1, "flow_type": FlowType.OBJECT_ADD_ONLY},
            "cannot be used for matching",
            id="matching",
        ),
        pytest.param({}, "only during object creation", id="always"),
    ],
)
def test_select_unique_value_restrictions(options: dict[str, Any], needle: str) -> None:
    mapping = AttributeMapping(
        "userName", SourceType.EXPRESSION, "SelectUniqueValue([a], [b])", **options
    )
    with pytest.raises(ConfigError, match=needle):
        MappingSet("t", "User", (mapping,)).validate()


def test_scoping_filters_are_part_of_the_set() -> None:
    document = {
        **mapping_doc(),
        "scope": {
            "groups": [
                {
                    "name": "sales",
                    "clauses": [
                        {
                            "sourceOperandName": "department",
                            "operatorName": "EQUALS",
                            "targetOperand": {"values": ["Sales"]},
                        }
                    ],
                }
            ]
        },
    }
    mapping_set = MappingSet.from_dict(document)
    assert mapping_set.scoping_filters[0].clauses[0].operator.name == "EQUALS"
    assert MappingSet.from_json(mapping_set.to_json()) == mapping_set
    bad = {
        **document,
        "scope": {
            "groups": [
                {
                    "name": "m",
                    "clauses": [{"sourceOperandName": "manager", "operatorName": "IS NULL"}],
                }
            ]
        },
    }
    with pytest.raises(ConfigError, match="scoping on manager is not supported"):
        MappingSet.from_dict(bad)
