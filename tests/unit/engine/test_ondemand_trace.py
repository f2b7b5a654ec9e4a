"""The provision-on-demand trace (docs/entra.md §3.8): every clause, the matching, results rolled
up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scimitar.connector.probe import ConnectionTest, ProbeFailure, ProbeFailureKind, ProbeStep
from scimitar.engine.core.planning import Link
from scimitar.engine.core.records import (
    ErrorCode,
    ErrorInformation,
    Initiator,
    ProvisionedIdentity,
    ProvisioningAction,
    ProvisioningRecord,
    RecordStatus,
)
from scimitar.engine.run.ondemand_port import Exchange
from scimitar.engine.run.ondemand_trace import (
    ObjectTrace,
    OnDemandTrace,
    StepName,
    action_step,
    clause_results,
    connection_step,
    match_step,
)
from scimitar.mapping.scoping import ScopingClause, ScopingFilter
from scimitar.mapping.scoping_operators import operator_named

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def record(status: RecordStatus, error: ErrorInformation | None = None) -> ProvisioningRecord:
    return ProvisioningRecord(
        id="r1",
        activity_date_time=NOW,
        job_id="app",
        cycle_id="c1",
        change_id="c1:u1",
        action=ProvisioningAction.CREATE,
        status=status,
        source_identity=ProvisionedIdentity("u1", "ada@contoso.com", "User"),
        target_identity=ProvisionedIdentity(None, "ada@contoso.com", "User"),
        error=error,
        initiated_by=Initiator("admin", "user"),
    )


def query(found: list[str], attribute: str = "userName") -> Exchange:
    return Exchange(
        "GET",
        f'/Users?filter={attribute} eq "ada"',
        answer={"totalResults": len(found), "ids": found},
        filter_attribute=attribute,
        filter_value="ada",
    )


def test_every_clause_is_shown_not_only_the_first_false_one() -> None:
    sales = ScopingFilter(
        "sales",
        (
            ScopingClause("department", operator_named("EQUALS"), "Sales"),
            ScopingClause("country", operator_named("EQUALS"), "FR"),
        ),
    )

    shown = clause_results([sales], {"department": "Support", "country": "FR"})

    assert shown == [
        {
            "filter": "sales",
            "result": False,
            "clauses": [
                {
                    "clause": 'department EQUALS "Sales"',
                    "attribute": "department",
                    "value": "Support",
                    "result": False,
                },
                {
                    "clause": 'country EQUALS "FR"',
                    "attribute": "country",
                    "value": "FR",
                    "result": True,
                },
            ],
        }
    ]


@pytest.mark.parametrize(
    ("found", "status", "says"),
    [
        ([], "success", "No matching user"),
        (["t1"], "success", "Matched the app's user 't1'"),
        (["t1", "t2"], "failure", "DuplicateTargetEntries"),
    ],
    ids=["none", "one", "several"],
)
def test_match_tells_what_the_app_answered(found: list[str], status: str, says: str) -> None:
    step = match_step("User", None, [query([], "externalId"), query(found)])

    assert (step.name, step.status) == (StepName.MATCH, status)
    assert says in step.description
    assert [a["attribute"] for a in step.details["attempts"]] == ["externalId", "userName"]
    assert step.details["attempts"][-1]["found"] == found


def test_linked_object_needs_no_query() -> None:
    step = match_step("User", Link("t9"), [])

    assert step.status == "success"
    assert step.details == {"targetId": "t9", "linked": True}


def test_failed_action_carries_entra_code_and_what_to_do() -> None:
    error = ErrorInformation.for_code(ErrorCode.BAD_REQUEST, "POST /Users: HTTP 400")
    post = Exchange(
        "POST", "/Users", {"userName": "ada"}, "error", error="HTTP 400", http_status=400
    )

    step = action_step(record(RecordStatus.FAILURE, error), [post])

    assert step.status == "failure"
    assert step.description.startswith(ErrorCode.BAD_REQUEST.value)
    assert step.details["error"]["recommendedAction"] == ErrorCode.BAD_REQUEST.recommended_action
    assert step.details["requests"][0]["httpStatus"] == 400


def trace(*objects: ObjectTrace, connection: bool = False) -> OnDemandTrace:
    failure = ProbeFailure(ProbeFailureKind.CREDENTIALS, "refused", "enter the token", 401)
    test = ConnectionTest((ProbeStep("Users", "http://app/Users", 401, False),), failure)
    step = connection_step(test) if connection else None
    return OnDemandTrace("app", "Webex", "c1", NOW, 5, step, objects)


def traced(status: RecordStatus, role: str = "subject") -> ObjectTrace:
    return ObjectTrace("User", "u1", "ada", role, (), record(status))


@pytest.mark.parametrize(
    ("run", "result"),
    [
        (trace(traced(RecordStatus.SUCCESS)), "success"),
        (trace(traced(RecordStatus.SKIPPED)), "skipped"),
        (trace(traced(RecordStatus.SKIPPED), traced(RecordStatus.FAILURE, "member")), "failure"),
        (trace(connection=True), "failure"),
    ],
    ids=["created", "skipped", "member-failed", "connection"],
)
def test_result_rolls_up(run: OnDemandTrace, result: str) -> None:
    assert run.result == result
    assert run.is_failed is (result == "failure")
    assert run.to_dict()["result"] == result


def test_connection_failure_is_the_error_and_has_no_record() -> None:
    run = trace(connection=True)

    document = run.to_dict()

    assert document["details"] == {"errorCode": "TestConnectionFailed", "errorMessage": "refused"}
    assert document["testConnection"]["details"]["hint"] == "enter the token"
    assert (document["objects"], document["record"]) == ([], None)


def test_record_round_trips_with_its_initiator() -> None:
    made = record(RecordStatus.SUCCESS)

    assert ProvisioningRecord.from_dict(made.to_dict()) == made
    assert made.to_dict()["initiatedBy"] == {
        "id": None,
        "displayName": "admin",
        "initiatorType": "user",
    }
