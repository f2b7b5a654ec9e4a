"""Scoping filters, docs/entra.md §5: operators, null and case rules, AND/OR, the decision."""

from __future__ import annotations

from typing import Any

import pytest

from scimitar.errors import ConfigError, ExpressionEvaluationError
from scimitar.mapping.scoping import (
    ScopingClause,
    ScopingFilter,
    evaluate_scope,
    validate_filters,
)
from scimitar.mapping.scoping_operators import operator_named


def clause(attribute: str, operator: str, value: str | None = None) -> ScopingClause:
    return ScopingClause(attribute, operator_named(operator), value)


def holds(attribute: str, operator: str, value: str | None, user: dict[str, Any]) -> bool:
    group = ScopingFilter("f", (clause(attribute, operator, value),))
    return evaluate_scope([group], user).is_in_scope


CASES: list[tuple[str, str, str, str | None, dict[str, Any], bool]] = [
    (
        "doc-upn-regex",
        "userPrincipalName",
        "REGEX MATCH",
        r".*\@domain.com",
        {"userPrincipalName": "a@domain.com"},
        True,
    ),
    (
        "doc-upn-regex-other",
        "userPrincipalName",
        "REGEX MATCH",
        r".*\@domain.com",
        {"userPrincipalName": "a@other.org"},
        False,
    ),
    ("doc-department-equals", "department", "EQUALS", "sales", {"department": "sales"}, True),
    ("equals-case-sensitive", "department", "EQUALS", "sales", {"department": "Sales"}, False),
    ("equals-null", "department", "EQUALS", "sales", {}, False),
    (
        "doc-worker-id-range-low",
        "workerID",
        "REGEX MATCH",
        "(1[0-9][0-9][0-9][0-9][0-9][0-9])",
        {"workerID": "1000000"},
        True,
    ),
    (
        "doc-worker-id-range-high",
        "workerID",
        "REGEX MATCH",
        "(1[0-9][0-9][0-9][0-9][0-9][0-9])",
        {"workerID": "1999999"},
        True,
    ),
    (
        "doc-worker-id-below",
        "workerID",
        "REGEX MATCH",
        "(1[0-9][0-9][0-9][0-9][0-9][0-9])",
        {"workerID": "999999"},
        False,
    ),
    (
        "doc-worker-id-above",
        "workerID",
        "REGEX MATCH",
        "(1[0-9][0-9][0-9][0-9][0-9][0-9])",
        {"workerID": "2000000"},
        False,
    ),
    ("regex-case-sensitive", "mail", "REGEX MATCH", "^ADMIN", {"mail": "admin@x"}, False),
    ("not-equals", "department", "NOT EQUALS", "sales", {"department": "Sales"}, True),
    ("not-equals-null-is-false", "department", "NOT EQUALS", "sales", {}, False),
    ("not-regex", "mail", "NOT REGEX MATCH", "@contoso", {"mail": "a@fabrikam.com"}, True),
    ("not-regex-null-is-false", "mail", "NOT REGEX MATCH", "@contoso", {}, False),
    ("not-regex-empty-is-false", "mail", "NOT REGEX MATCH", "@contoso", {"mail": ""}, False),
    ("ampersand-in-input", "country", "&", "US,CA,MX", {"country": "CA"}, True),
    ("ampersand-not-in-input", "country", "&", "US,CA,MX", {"country": "FR"}, False),
    ("not-ampersand", "country", "!&", "US,CA,MX", {"country": "FR"}, True),
    ("not-ampersand-null", "country", "!&", "US,CA,MX", {}, False),
    ("ends-with", "mail", "ENDS_WITH", "@contoso.com", {"mail": "a@contoso.com"}, True),
    ("ends-with-case", "mail", "ENDS_WITH", "@contoso.com", {"mail": "a@CONTOSO.com"}, False),
    ("includes", "jobTitle", "Includes", "Engineer", {"jobTitle": "Senior Engineer II"}, True),
    (
        "includes-case",
        "jobTitle",
        "Includes",
        "engineer",
        {"jobTitle": "Senior Engineer II"},
        False,
    ),
    ("greater-than", "employeeId", "Greater_Than", "1000", {"employeeId": "1001"}, True),
    (
        "greater-than-equal-value",
        "employeeId",
        "Greater_Than",
        "1000",
        {"employeeId": "1000"},
        False,
    ),
    (
        "greater-than-numeric-not-text",
        "employeeId",
        "Greater_Than",
        "9",
        {"employeeId": "10"},
        True,
    ),
    (
        "greater-than-non-integer-attribute",
        "employeeId",
        "Greater_Than",
        "9",
        {"employeeId": "A10"},
        False,
    ),
    (
        "greater-than-or-equals",
        "employeeId",
        "Greater_Than_OR_EQUALS",
        "1000",
        {"employeeId": "1000"},
        True,
    ),
    ("greater-than-int-attribute", "level", "Greater_Than", "2", {"level": 3}, True),
    ("is-true-bool", "accountEnabled", "IS TRUE", None, {"accountEnabled": True}, True),
    ("is-true-false", "accountEnabled", "IS TRUE", None, {"accountEnabled": False}, False),
    ("is-true-string", "extension_x_flag", "IS TRUE", None, {"extension_x_flag": "true"}, True),
    ("is-true-null", "accountEnabled", "IS TRUE", None, {}, False),
    ("is-false-bool", "accountEnabled", "IS FALSE", None, {"accountEnabled": False}, True),
    ("is-false-null", "accountEnabled", "IS FALSE", None, {}, False),
    ("is-null-absent", "jobTitle", "IS NULL", None, {}, True),
    ("is-null-empty", "jobTitle", "IS NULL", None, {"jobTitle": ""}, True),
    ("is-null-present", "jobTitle", "IS NULL", None, {"jobTitle": "x"}, False),
    ("is-not-null", "jobTitle", "IS NOT NULL", None, {"jobTitle": "x"}, True),
    ("is-not-null-empty", "jobTitle", "IS NOT NULL", None, {"jobTitle": ""}, False),
    (
        "attribute-name-case-insensitive",
        "DEPARTMENT",
        "EQUALS",
        "sales",
        {"department": "sales"},
        True,
    ),
    ("multivalued-is-false", "otherMails", "Includes", "a", {"otherMails": ["a"]}, False),
    ("soft-deleted-computed", "IsSoftDeleted", "IS FALSE", None, {"accountEnabled": True}, True),
]


@pytest.mark.parametrize(
    ("attribute", "operator", "value", "user", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_clause(
    attribute: str, operator: str, value: str | None, user: dict[str, Any], expected: bool
) -> None:
    assert holds(attribute, operator, value, user) is expected


COMPOSITE = ScopingFilter(
    "New York engineers",
    (
        clause("state", "EQUALS", "New York"),
        clause("department", "EQUALS", "Engineering"),
        clause("employeeId", "Greater_Than_OR_EQUALS", "1000000"),
        clause(
            "employeeId",
            "NOT REGEX MATCH",
            "^[2-9][0-9]{6}[0-9]+$|^[3-9][0-9]{6}$|^2[0-9]{5}[1-9]$",
        ),
        clause("jobTitle", "IS NOT NULL"),
    ),
)
ENGINEER = {
    "state": "New York",
    "department": "Engineering",
    "employeeId": "1500000",
    "jobTitle": "Dev",
}


@pytest.mark.parametrize(
    ("change", "is_in_scope", "failed_clause"),
    [
        pytest.param({}, True, None, id="all-clauses-hold"),
        pytest.param({"state": "Ohio"}, False, 0, id="state"),
        pytest.param({"department": "Sales"}, False, 1, id="department"),
        pytest.param({"employeeId": "999999"}, False, 2, id="id-too-low"),
        pytest.param({"employeeId": "2000001"}, False, 3, id="id-too-high"),
        pytest.param({"employeeId": "2000000"}, True, None, id="id-upper-bound"),
        pytest.param({"jobTitle": None}, False, 4, id="no-job-title"),
    ],
)
def test_doc_composite_example(
    change: dict[str, Any], is_in_scope: bool, failed_clause: int | None
) -> None:
    user = {k: v for k, v in {**ENGINEER, **change}.items() if v is not None}
    decision = evaluate_scope([COMPOSITE], user)
    assert decision.is_in_scope is is_in_scope
    if failed_clause is None:
        assert decision.filter_name == "New York engineers"
    else:
        assert decision.failures[0].clause_index == failed_clause


def test_no_filters_means_everyone_is_in_scope() -> None:
    decision = evaluate_scope([], {})
    assert decision.is_in_scope
    assert decision.describe() == "In scope: no scoping filters"


def test_filters_are_or_ed_and_the_decision_names_the_filter() -> None:
    sales = ScopingFilter("sales", (clause("department", "EQUALS", "Sales"),))
    paris = ScopingFilter("paris", (clause("city", "EQUALS", "Paris"),))
    decision = evaluate_scope([sales, paris], {"department": "R&D", "city": "Paris"})
    assert decision.is_in_scope
    assert decision.filter_name == "paris"
    assert "every clause of filter 'paris'" in decision.describe()


def test_out_of_scope_decision_lists_the_failed_clause_of_each_filter() -> None:
    sales = ScopingFilter("sales", (clause("department", "EQUALS", "Sales"),))
    paris = ScopingFilter(
        "paris", (clause("city", "IS NOT NULL"), clause("city", "EQUALS", "Paris"))
    )
    decision = evaluate_scope([sales, paris], {"department": "R&D", "city": "Lyon"})
    assert not decision.is_in_scope
    assert [(f.filter_name, f.clause_index) for f in decision.failures] == [
        ("sales", 0),
        ("paris", 1),
    ]
    assert decision.describe() == (
        "Out of scope: filter 'sales' clause 1 (department EQUALS \"Sales\") is false; "
        "filter 'paris' clause 2 (city EQUALS \"Paris\") is false"
    )


def test_runaway_regex_is_an_error_not_a_deprovision() -> None:
    group = ScopingFilter("f", (clause("mail", "REGEX MATCH", "(x+x+)+y"),))
    with pytest.raises(ExpressionEvaluationError, match="time limit"):
        evaluate_scope([group], {"mail": "x" * 5000}, regex_timeout=0.05)


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        pytest.param("equals", "EQUALS", id="lower"),
        pytest.param("Not_Equals", "NOT EQUALS", id="underscore"),
        pytest.param("GREATER THAN", "Greater_Than", id="space"),
        pytest.param("regex  match", "REGEX MATCH", id="double-space"),
        pytest.param("!&", "!&", id="symbol"),
    ],
)
def test_operator_names_are_lenient(name: str, canonical: str) -> None:
    assert operator_named(name).name == canonical


@pytest.mark.parametrize(
    ("clauses", "needle"),
    [
        pytest.param([clause("manager", "IS NOT NULL")], "manager is not supported", id="manager"),
        pytest.param([clause("appRoleAssignments", "IS NULL")], "not supported", id="app-roles"),
        pytest.param(
            [clause("employeeId", "Greater_Than", "ten")], "compares integers", id="gt-non-int"
        ),
        pytest.param(
            [clause("mail", "REGEX MATCH", "(")], "invalid regular expression", id="bad-regex"
        ),
        pytest.param([clause("mail", "EQUALS")], "needs a value", id="missing-value"),
        pytest.param([clause("mail", "IS NULL", "x")], "takes no value", id="unary-with-value"),
    ],
)
def test_invalid_filters_are_rejected_before_saving(
    clauses: list[ScopingClause], needle: str
) -> None:
    with pytest.raises(ConfigError, match=needle):
        validate_filters([ScopingFilter("f", tuple(clauses))])


def test_unknown_operator_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown scoping operator 'LIKE'"):
        operator_named("LIKE")


def test_filters_round_trip_through_graph_json() -> None:
    group = ScopingFilter(
        "f", (clause("department", "EQUALS", "Sales"), clause("mail", "IS NOT NULL"))
    )
    data = group.to_dict()
    assert data["clauses"][0] == {
        "sourceOperandName": "department",
        "operatorName": "EQUALS",
        "targetOperand": {"values": ["Sales"]},
    }
    assert ScopingFilter.from_dict(data) == group


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"name": "f", "clauses": []}, id="no-clauses"),
        pytest.param({"name": "f", "clauses": [{"operatorName": "EQUALS"}]}, id="no-attribute"),
        pytest.param(
            {
                "name": "f",
                "clauses": [
                    {
                        "sourceOperandName": "a",
                        "operatorName": "EQUALS",
                        "targetOperand": {"values": ["x", "y"]},
                    }
                ],
            },
            id="two-values",
        ),
    ],
)
def test_malformed_filter_documents_are_config_errors(data: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        ScopingFilter.from_dict(data)
