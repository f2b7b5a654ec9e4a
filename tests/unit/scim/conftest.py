"""Fixtures for the SCIM core: the resource types and the RFC 7643 §8.2 example user."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scimitar.scim.schema import ResourceSchema, group_schema, user_schema

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def load_sample(name: str) -> Any:
    """A JSON file from tests/samples."""
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def users() -> ResourceSchema:
    return user_schema("webex")


@pytest.fixture(scope="session")
def groups() -> ResourceSchema:
    return group_schema("webex")


@pytest.fixture
def bjensen() -> dict[str, Any]:
    return load_sample("rfc7643-8.2-full-user.json")  # type: ignore[no-any-return]
