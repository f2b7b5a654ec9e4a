"""SCIM error bodies (RFC 7644 §3.12)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scimitar.errors import ScimitarError
from scimitar.scim.errors import (
    InvalidFilterError,
    InvalidPathError,
    InvalidSyntaxError,
    InvalidValueError,
    InvalidVersionError,
    MutabilityError,
    NoTargetError,
    SCIMError,
    SensitiveError,
    TooManyError,
    UniquenessError,
)


@pytest.mark.parametrize(
    ("error", "status", "scim_type"),
    [
        (InvalidFilterError, 400, "invalidFilter"),
        (InvalidPathError, 400, "invalidPath"),
        (InvalidValueError, 400, "invalidValue"),
        (InvalidSyntaxError, 400, "invalidSyntax"),
        (InvalidVersionError, 400, "invalidVers"),
        (NoTargetError, 400, "noTarget"),
        (MutabilityError, 400, "mutability"),
        (UniquenessError, 409, "uniqueness"),
        (TooManyError, 400, "tooMany"),
        (SensitiveError, 403, "sensitive"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_keyword_errors(error: Callable[[str], SCIMError], status: int, scim_type: str) -> None:
    raised = error("userName 'x' is taken; choose another.")
    assert isinstance(raised, ScimitarError)
    assert raised.to_body() == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": str(status),
        "scimType": scim_type,
        "detail": "userName 'x' is taken; choose another.",
    }


def test_plain_error_has_no_scim_type() -> None:
    body = SCIMError(404, None, "User 42 not found.").to_body()
    assert body == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "404",
        "detail": "User 42 not found.",
    }
    assert str(SCIMError(404, None, "gone")) == "gone"
