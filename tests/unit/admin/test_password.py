"""The admin password's policy and its scrypt hashes."""

from __future__ import annotations

import pytest

from scimitar.admin.password import check_password_policy, hash_password, password_matches
from scimitar.errors import ConfigError


def test_a_hash_matches_its_password_only() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("scrypt$15$8$1$")
    assert "correct horse" not in stored
    assert password_matches("correct horse battery", stored)
    assert not password_matches("correct horse batterY", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    assert hash_password("correct horse battery") != hash_password("correct horse battery")


@pytest.mark.parametrize(
    "stored",
    ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AA==$AA==", "scrypt$15$8$1$!!$??"],
    ids=["empty", "plain", "other-scheme", "bad-cost", "bad-base64"],
)
def test_a_malformed_stored_hash_never_matches(stored: str) -> None:
    assert not password_matches("correct horse battery", stored)


@pytest.mark.parametrize(
    ("password", "says"),
    [("", "empty"), ("            ", "empty"), ("short", "at least 12"), ("x" * 1025, "at most")],
    ids=["empty", "blank", "short", "long"],
)
def test_the_policy_refuses_weak_passwords(password: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        check_password_policy(password)
