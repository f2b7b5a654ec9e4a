"""A realistic sample directory, made deterministically from a seed (pure: no I/O).

The tenant spans sixteen countries, with names in their own scripts and diacritics, a manager
hierarchy under one chief executive, departments with their titles, a few disabled accounts, and
groups from project teams of three to the whole company, some nested.
"""

from __future__ import annotations

import math
import random
import re
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from scimitar.directory.locales import DEPARTMENTS, LOCALES, Locale, ascii_fold
from scimitar.directory.model import Group, Member, Membership, ObjectType, User

__all__ = ["DirectoryItem", "generate_directory"]

DirectoryItem = User | Group | Membership
COMPANY = "Contoso Ltd."
SUBSIDIARY = "Fabrikam, Inc."
TENANT_DOMAIN = "contoso.onmicrosoft.com"
DISABLED_SHARE = 0.03
_DEPARTMENT_NAMES = tuple(DEPARTMENTS)
_CUMULATIVE_WEIGHTS = tuple(accumulate(locale.weight for locale in LOCALES))
_PROJECTS = (
    "Aurora",
    "Borealis",
    "Cascade",
    "Delta",
    "Everest",
    "Falcon",
    "Gemini",
    "Helios",
    "Ion",
    "Juniper",
    "Kestrel",
    "Lumen",
    "Meridian",
    "Nimbus",
    "Orion",
    "Polaris",
    "Quasar",
    "Redwood",
    "Sierra",
    "Tundra",
    "Umbra",
    "Vega",
    "Willow",
    "Zephyr",
)
_APPS = (
    "Webex",
    "Salesforce",
    "ServiceNow",
    "Workday",
    "GitHub",
    "Slack",
    "Zoom",
    "Jira",
    "Confluence",
    "Tableau",
    "Figma",
    "Box",
)


@dataclass(slots=True)
class _Tenant:
    """What the generator remembers about the users it has made, to build groups from them."""

    rng: random.Random
    object_ids: list[str] = field(default_factory=list)
    depths: list[int] = field(default_factory=list)
    departments: list[int] = field(default_factory=list)
    by_department: dict[int, list[int]] = field(default_factory=dict)
    by_country: dict[str, list[int]] = field(default_factory=dict)
    alias_counts: dict[str, int] = field(default_factory=dict)


def generate_directory(users: int, groups: int, seed: int = 0) -> Iterator[DirectoryItem]:
    """Make a directory that looks real; the same arguments always give the same directory.

    Yields every user first (managers before their reports), then every group, then every
    membership, so a consumer can write them in that order without dangling references.

    Args:
        users: How many users to make.
        groups: How many groups to make.
        seed: Seed of the pseudo-random choices.

    Yields:
        :class:`User`, then :class:`Group` (without members), then :class:`Membership` values.
    """
    tenant = _Tenant(rng=random.Random(seed))  # noqa: S311 - sample data, not security
    for index in range(users):
        yield _make_user(tenant, index)
    group_ids = [_new_id(tenant.rng) for _ in range(groups)]
    planned = [_plan_group(tenant, group_ids, index) for index in range(groups)]
    for group, _members in planned:
        yield group
    for group, members in planned:
        for member in members:
            yield Membership(group.object_id, member)


def _new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _pick_locale(rng: random.Random) -> Locale:
    point = rng.random() * _CUMULATIVE_WEIGHTS[-1]
    for locale, bound in zip(LOCALES, _CUMULATIVE_WEIGHTS, strict=True):
        if point < bound:
            return locale
    return LOCALES[-1]


def _place_manager(tenant: _Tenant, index: int) -> tuple[int | None, int, int]:
    """(manager index, depth, department index) for the user at ``index``."""
    if index == 0:
        return None, 0, tenant.rng.randrange(len(_DEPARTMENT_NAMES))
    if index <= len(_DEPARTMENT_NAMES):
        return 0, 1, index - 1
    manager = tenant.rng.randrange(1, max(2, index // 5))
    return manager, tenant.depths[manager] + 1, tenant.departments[manager]


def _job_title(rng: random.Random, depth: int, department: str) -> str:
    if depth == 0:
        return "Chief Executive Officer"
    if depth == 1:
        return f"Vice President, {department}"
    if depth == 2:
        return f"Director of {department}"
    if depth == 3 and rng.random() < 0.5:
        return f"{department} Manager"
    title = rng.choice(DEPARTMENTS[department])
    return f"Senior {title}" if depth > 5 and rng.random() < 0.3 else title


def _fill_pattern(rng: random.Random, pattern: str) -> str:
    digits = re.sub("#", lambda _: str(rng.randrange(10)), pattern)
    return re.sub(r"\?", lambda _: chr(ord("A") + rng.randrange(26)), digits)


def _sign_in_name(tenant: _Tenant, given: str, surname: str, domain: str) -> str:
    """``given.surname@domain``, numbered from the second holder on (aliases hold no digits,
    so a numbered alias never meets an unnumbered one)."""
    alias = re.sub(r"[^a-z0-9.]", "", f"{given}.{surname}".lower())
    key = f"{alias}@{domain}"
    count = tenant.alias_counts.get(key, 0) + 1
    tenant.alias_counts[key] = count
    return key if count == 1 else f"{alias}{count}@{domain}"


def _display_name(locale: Locale, given: str, surname: str) -> str:
    parts = (surname, given) if locale.is_family_first else (given, surname)
    return locale.joiner.join(parts)


def _phone(rng: random.Random, locale: Locale) -> str:
    return f"{locale.phone_prefix} {rng.randrange(10, 99)} {rng.randrange(1000000, 9999999)}"


def _address(rng: random.Random, locale: Locale) -> dict[str, Any]:
    city, state, postal = rng.choice(locale.cities)
    return {
        "streetAddress": f"{rng.choice(locale.streets)} {rng.randrange(1, 250)}",
        "city": city,
        "state": state,
        "postalCode": _fill_pattern(rng, postal),
        "country": locale.country,
        "physicalDeliveryOfficeName": f"{city} {rng.randrange(1, 12)}.{rng.randrange(1, 40):02d}",
    }


def _contact(rng: random.Random, locale: Locale, upn: str) -> dict[str, Any]:
    alias = upn.partition("@")[0]
    contact: dict[str, Any] = {
        "mail": upn,
        "mailNickname": alias,
        "proxyAddresses": [f"SMTP:{upn}", f"smtp:{alias}@{TENANT_DOMAIN}"],
        "telephoneNumber": _phone(rng, locale),
        "preferredLanguage": locale.language,
    }
    if rng.random() < 0.7:
        contact["mobile"] = _phone(rng, locale)
    if rng.random() < 0.05:
        contact["facsimileTelephoneNumber"] = _phone(rng, locale)
    return contact


def _make_user(tenant: _Tenant, index: int) -> User:
    rng = tenant.rng
    locale = _pick_locale(rng)
    (given, given_ascii), (surname, surname_ascii) = (
        rng.choice(locale.given_names),
        rng.choice(locale.surnames),
    )
    upn = _sign_in_name(tenant, given_ascii, surname_ascii, locale.domain)
    manager, depth, department = _place_manager(tenant, index)
    attributes: dict[str, Any] = {
        "userPrincipalName": upn,
        "displayName": _display_name(locale, given, surname),
        "givenName": given,
        "surname": surname,
        "jobTitle": _job_title(rng, depth, _DEPARTMENT_NAMES[department]),
        "department": _DEPARTMENT_NAMES[department],
        "companyName": SUBSIDIARY if rng.random() < 0.08 else COMPANY,
        "employeeId": f"E{100000 + index}",
        "accountEnabled": index == 0 or rng.random() >= DISABLED_SHARE,
        "extension_costCenter": f"CC-{department + 1:02d}{rng.randrange(100):02d}",
        **_contact(rng, locale, upn),
        **_address(rng, locale),
    }
    if manager is not None:
        attributes["manager"] = tenant.object_ids[manager]
    return _remember(tenant, User(_new_id(rng), attributes), depth, department, locale)


def _remember(tenant: _Tenant, user: User, depth: int, department: int, locale: Locale) -> User:
    index = len(tenant.object_ids)
    tenant.object_ids.append(user.object_id)
    tenant.depths.append(depth)
    tenant.departments.append(department)
    tenant.by_department.setdefault(department, []).append(index)
    tenant.by_country.setdefault(locale.country, []).append(index)
    return user


def _user_members(tenant: _Tenant, indexes: Sequence[int]) -> list[Member]:
    return [Member(tenant.object_ids[index], ObjectType.USER) for index in indexes]


def _sample(tenant: _Tenant, pool: Sequence[int], size: int) -> list[int]:
    return sorted(tenant.rng.sample(pool, min(size, len(pool))))


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    if high <= low:
        return max(high, 0)
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def _group_kind(index: int) -> str:
    if index == 0:
        return "all"
    return ("department", "app", "team", "office", "team", "nested")[index % 6]


def _group_content(tenant: _Tenant, index: int) -> tuple[str, str, Sequence[int]]:
    """(name, description, member indexes) of the group at ``index``."""
    rng, everyone = tenant.rng, range(len(tenant.object_ids))
    kind = _group_kind(index)
    if kind == "all":
        return "All Employees", "Everyone in the company", everyone
    # One group per department and per country, made while they last; then access groups.
    if kind == "department" and index // 6 in tenant.by_department:
        name = _DEPARTMENT_NAMES[index // 6]
        return f"{name} Department", f"Members of {name}", tenant.by_department[index // 6]
    countries = sorted(tenant.by_country)
    if kind == "office" and index // 6 < len(countries):
        country = countries[index // 6]
        return f"Office {country}", f"Staff based in {country}", tenant.by_country[country]
    if kind in ("app", "department", "office"):
        size = _log_uniform(rng, 20, min(len(everyone), 5000))
        name = f"SG-App-{rng.choice(_APPS)}-Users-{index}"
        return name, "Assigned to the app", _sample(tenant, everyone, size)
    size = _log_uniform(rng, 3, min(len(everyone), 15))
    return f"Project {rng.choice(_PROJECTS)} {index}", "", _sample(tenant, everyone, size)


def _plan_group(tenant: _Tenant, group_ids: list[str], index: int) -> tuple[Group, list[Member]]:
    """A group and its members; the kind of group cycles so every size shows up."""
    name, description, indexes = _group_content(tenant, index)
    members = _user_members(tenant, indexes)
    if _group_kind(index) == "nested" and index > 1:
        picks = tenant.rng.sample(range(1, index), min(3, index - 1))
        members += [Member(group_ids[pick], ObjectType.GROUP) for pick in sorted(picks)]
    alias = re.sub(r"[^A-Za-z0-9]", "", ascii_fold(name))[:64]
    attributes: dict[str, Any] = {
        "displayName": name,
        "mailNickname": alias,
        "securityEnabled": tenant.rng.random() < 0.9,
    }
    if description:
        attributes["description"] = description
    return Group(group_ids[index], attributes), members
