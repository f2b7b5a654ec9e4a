"""A realistic directory as OpenLDAP entries, for ``scimitar demo --ldap``.

The directory generator's users and groups (``scimitar.directory.generator``) are written as
``inetOrgPerson`` and ``groupOfNames`` entries: users under ``ou=people`` named by their
employee id (``uid=E100007``), with ``mail`` holding the sign-in name and ``manager`` a DN;
groups under ``ou=groups`` with their members' DNs, nested groups included. Values that are
not plain ASCII are written base64 (RFC 2849).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import ldap.dn

from scimitar.directory.generator import generate_directory
from scimitar.directory.model import Group, Membership, User

__all__ = ["sample_ldif", "user_dn"]

_USER_ATTRIBUTES = {
    "givenName": "givenName",
    "surname": "sn",
    "displayName": "displayName",
    "jobTitle": "title",
    "department": "departmentNumber",
    "companyName": "o",
    "telephoneNumber": "telephoneNumber",
    "mobile": "mobile",
    "city": "l",
    "state": "st",
    "postalCode": "postalCode",
    "streetAddress": "street",
}


def user_dn(employee_id: str, suffix: str) -> str:
    """The DN the sample gives the user with this employee id."""
    return f"uid={ldap.dn.escape_dn_chars(employee_id)},ou=people,{suffix}"


def _group_dn(name: str, suffix: str) -> str:
    return f"cn={ldap.dn.escape_dn_chars(name)},ou=groups,{suffix}"


def _line(name: str, value: Any) -> str:
    text = str(value)
    if text.isascii() and text == text.strip() and "\n" not in text and not text.startswith(":<"):
        return f"{name}: {text}"
    return f"{name}:: {base64.b64encode(text.encode()).decode()}"


def _user_entry(user: User, dns: dict[str, str], suffix: str) -> str:
    attributes = user.attributes
    dn = user_dn(str(attributes["employeeId"]), suffix)
    dns[user.object_id] = dn
    lines = [
        f"dn: {dn}",
        "objectClass: inetOrgPerson",
        _line("uid", attributes["employeeId"]),
        _line("cn", attributes.get("displayName") or attributes["employeeId"]),
        _line("mail", attributes["userPrincipalName"]),
        _line("employeeNumber", attributes["employeeId"]),
    ]
    lines += [_line(ldap_name, attributes[name]) for name, ldap_name in _USER_ATTRIBUTES.items()
              if attributes.get(name)]  # fmt: skip
    if "sn" not in {line.split(":", 1)[0] for line in lines}:
        lines.append(_line("sn", attributes["employeeId"]))
    manager = attributes.get("manager")
    if manager in dns:
        lines.append(_line("manager", dns[str(manager)]))
    return "\n".join(lines) + "\n"


def _group_entries(
    groups: list[Group], members: dict[str, list[str]], dns: dict[str, str], suffix: str
) -> Iterator[str]:
    for group in groups:
        values = [dns[m] for m in members.get(group.object_id, []) if m in dns]
        if not values:
            continue  # groupOfNames needs a member
        lines = [f"dn: {dns[group.object_id]}", "objectClass: groupOfNames"]
        lines.append(_line("cn", group.attributes["displayName"]))
        if group.attributes.get("description"):
            lines.append(_line("description", group.attributes["description"]))
        lines += [_line("member", value) for value in values]
        yield "\n".join(lines) + "\n"


def sample_ldif(users: int, groups: int, seed: int, suffix: str = "dc=example,dc=org") -> str:
    """LDIF adding the base, ``ou=people``, ``ou=groups`` and a generated directory."""
    domain = ldap.dn.str2dn(suffix)[0][0][1]
    parts = [
        f"dn: {suffix}\nobjectClass: dcObject\nobjectClass: organization\no: {domain}\n"
        f"dc: {domain}\n",
        f"dn: ou=people,{suffix}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=groups,{suffix}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    dns: dict[str, str] = {}
    made_groups: list[Group] = []
    members: dict[str, list[str]] = {}
    for item in generate_directory(users, groups, seed):
        if isinstance(item, User):
            parts.append(_user_entry(item, dns, suffix))
        elif isinstance(item, Group):
            dns[item.object_id] = _group_dn(str(item.attributes["displayName"]), suffix)
            made_groups.append(item)
        elif isinstance(item, Membership):
            members.setdefault(item.group_id, []).append(item.member.object_id)
    parts += _group_entries(made_groups, members, dns, suffix)
    return "\n".join(parts)
