"""The generator: the same seed gives the same directory, and the directory looks real."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from scimitar.directory.generator import generate_directory
from scimitar.directory.model import Group, Membership, ObjectType, User, coerce_attributes


@pytest.fixture(scope="module")
def items() -> list[User | Group | Membership]:
    return list(generate_directory(3000, 40, seed=7))


def _users(items: list[User | Group | Membership]) -> list[User]:
    return [item for item in items if isinstance(item, User)]


def test_same_seed_same_directory() -> None:
    assert list(generate_directory(200, 10, seed=3)) == list(generate_directory(200, 10, seed=3))


def test_other_seed_other_directory() -> None:
    assert list(generate_directory(50, 0, seed=1)) != list(generate_directory(50, 0, seed=2))


def test_every_user_passes_validation(items: list[User | Group | Membership]) -> None:
    for user in _users(items)[:500]:
        assert coerce_attributes(ObjectType.USER, user.attributes) == dict(user.attributes)


def test_names_span_scripts_and_diacritics(items: list[User | Group | Membership]) -> None:
    names = " ".join(user.attributes["displayName"] for user in _users(items))
    scripts = {unicodedata.name(char).split()[0] for char in names if char.isalpha()}
    assert {"LATIN", "CJK", "CYRILLIC", "GREEK", "ARABIC"} <= scripts
    assert any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", names))


def test_sign_in_names_are_unique_and_ascii(items: list[User | Group | Membership]) -> None:
    upns = [user.user_principal_name.lower() for user in _users(items)]
    assert len(set(upns)) == len(upns)
    assert all(upn.isascii() for upn in upns)


def test_countries_languages_and_departments_vary(items: list[User | Group | Membership]) -> None:
    users = _users(items)
    assert len({u.attributes["country"] for u in users}) >= 10
    assert len({u.attributes["preferredLanguage"] for u in users}) >= 10
    assert len({u.attributes["department"] for u in users}) >= 8


def test_managers_form_one_hierarchy(items: list[User | Group | Membership]) -> None:
    users = _users(items)
    seen: set[str] = set()
    for user in users:
        manager = user.attributes.get("manager")
        assert manager is None or manager in seen
        seen.add(user.object_id)
    assert sum("manager" not in user.attributes for user in users) == 1


def test_some_users_are_disabled(items: list[User | Group | Membership]) -> None:
    disabled = sum(not user.attributes["accountEnabled"] for user in _users(items))
    assert 0.01 * 3000 < disabled < 0.06 * 3000


def test_group_sizes_range_from_a_few_to_thousands(items: list[User | Group | Membership]) -> None:
    sizes = Counter(item.group_id for item in items if isinstance(item, Membership))
    assert min(sizes.values()) <= 5
    assert max(sizes.values()) >= 3000
    nested = [
        item
        for item in items
        if isinstance(item, Membership) and item.member.object_type is ObjectType.GROUP
    ]
    assert nested
