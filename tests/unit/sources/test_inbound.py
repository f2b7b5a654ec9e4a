"""Checking SCIM BulkRequests of Users and flattening each User into source attributes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimitar.sources.inbound import (
    BULK_REQUEST,
    CORE_USER,
    MAX_OPERATIONS,
    BulkRequestError,
    check_bulk_request,
    flatten_user,
)

SAMPLE = Path(__file__).parents[2] / "samples" / "entra-inbound-bulk-request.json"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _request(*operations: Any) -> dict[str, Any]:
    return {"schemas": [BULK_REQUEST], "Operations": list(operations)}


def _user(bulk_id: str, external_id: str, **data: Any) -> dict[str, Any]:
    user = {
        "schemas": [CORE_USER],
        "externalId": external_id,
        "userName": f"{external_id}@contoso.com",
    }
    return {"method": "POST", "bulkId": bulk_id, "path": "/Users", "data": {**user, **data}}


def test_the_entra_sample_is_accepted_and_flattened() -> None:
    checked = check_bulk_request(json.loads(SAMPLE.read_text(encoding="utf-8")))
    assert [op.anchor for op in checked.accepted] == ["701984", "89607"]
    assert checked.rejected == []
    flat = flatten_user(checked.accepted[0].data)
    assert flat["userName"] == "bjensen@contoso.com"
    assert flat["name.givenName"] == "Barbara"
    assert flat['emails[type eq "work"].value'] == "bjensen@contoso.com"
    assert flat["emails[primary eq true].value"] == "bjensen@contoso.com"
    assert flat['phoneNumbers[type eq "mobile"].value'] == "555-555-4444"
    assert flat['addresses[type eq "work"].locality'] == "Hollywood"
    assert flat[f"{ENTERPRISE}:department"] == "Tour Operations"
    assert flat[f"{ENTERPRISE}:manager.value"] == "89607"
    assert flat["urn:ietf:params:scim:schemas:extension:csv:1.0:User:HireDate"] == "2021-05-01"
    assert flat["active"] is True


@pytest.mark.parametrize(
    ("operation", "detail"),
    [
        ("not an object", "is not a JSON object"),
        ({**_user("x", "1"), "bulkId": ""}, "needs a bulkId"),
        ({**_user("b", "1"), "method": "DELETE"}, "method 'DELETE' is not supported"),
        ({**_user("b", "1"), "path": "/Groups"}, "only /Users"),
        ({**_user("b", "1"), "data": []}, "must be a SCIM User"),
        (
            {**_user("b", "1"), "data": {"schemas": ["urn:x"], "externalId": "1"}},
            f"must list {CORE_USER}",
        ),
        (_user("b", "", userName="x"), "data.externalId is required"),
        (_user("b", "1", **{ENTERPRISE: {"department": "x"}}), "is not listed in data.schemas"),
    ],
    ids=[
        "not-object",
        "no-bulk-id",
        "method",
        "path",
        "data",
        "schemas",
        "no-external-id",
        "unlisted-extension",
    ],
)
def test_a_malformed_operation_is_rejected_alone_with_its_bulk_id(
    operation: Any, detail: str
) -> None:
    checked = check_bulk_request(_request(_user("ok", "E1"), operation))
    assert [op.bulk_id for op in checked.accepted] == ["ok"]
    assert len(checked.rejected) == 1
    assert detail in checked.rejected[0].detail


def test_a_repeated_external_id_applies_the_last_operation() -> None:
    checked = check_bulk_request(_request(_user("first", "E1"), _user("second", "E1")))
    assert [op.bulk_id for op in checked.accepted] == ["second"]
    assert [r.bulk_id for r in checked.rejected] == ["first"]


@pytest.mark.parametrize(
    ("document", "status"),
    [
        ([], 400),
        ({"schemas": ["urn:x"], "Operations": [_user("a", "1")]}, 400),
        ({"schemas": [BULK_REQUEST], "Operations": []}, 400),
        (
            {
                "schemas": [BULK_REQUEST],
                "Operations": [_user(str(i), str(i)) for i in range(MAX_OPERATIONS + 1)],
            },
            413,
        ),
    ],
    ids=["not-object", "not-bulk", "no-operations", "too-many"],
)
def test_an_unusable_request_is_refused_whole(document: Any, status: int) -> None:
    with pytest.raises(BulkRequestError) as raised:
        check_bulk_request(document)
    assert raised.value.status == status
