"""Pure parts of the LDAP source: settings checks, value decoding, ranges, profiles."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from scimitar.errors import ConfigError
from scimitar.sources.ldap.config import LDAPSourceConfig
from scimitar.sources.ldap.entries import parse_entry
from scimitar.sources.ldap.profiles import PROFILES, profile_named
from scimitar.sources.ldap.ranges import RangedSlice, parse_range
from scimitar.sources.ldap.values import decode_guid, decode_sid, normalise_dn

BASE = {"url": "ldap://dc1.example.org", "users_base": "ou=people,dc=example,dc=org"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"url": "http://dc1"}, "must be ldap://HOST"),
        ({"url": "ldap://dc1/dc=x"}, "takes no path"),
        ({"url": "ldaps://dc1", "start_tls": True}, "start_tls is for ldap://"),
        ({"users_base": "people"}, "users_base 'people' is not a DN"),
        ({"users_base": ""}, "users_base is required"),
        ({"user_filter": "title=x"}, "user_filter 'title=x' is not an LDAP filter"),
        ({"group_filter": "(cn=x"}, "group_filter"),
        (
            {"profile": "novell"},
            "unknown LDAP profile 'novell': use one of openldap, active-directory",
        ),
        ({"page_size": 0}, "page_size must be 1 to 5000"),
        ({"full_read_interval": 5}, "at least 60 seconds"),
        (
            {"ca_file": "/nonexistent/ca.pem"},
            "ca_file '/nonexistent/ca.pem' is not a readable file",
        ),
        ({"colour": "red"}, "unknown setting"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_settings_are_refused_naming_the_field(change: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        LDAPSourceConfig.from_dict({**BASE, **change})


def test_settings_round_trip(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    config = LDAPSourceConfig.from_dict({**BASE, "start_tls": True, "ca_file": str(ca)})
    assert LDAPSourceConfig.from_dict(config.to_dict()) == config
    assert config.is_tls


def test_guid_is_decoded_little_endian_as_ad_shows_it() -> None:
    # MS-DTYP §2.3.4.2: the first three fields are little-endian on the wire.
    raw = bytes.fromhex("33221100554477668899aabbccddeeff")
    assert decode_guid(raw) == "00112233-4455-6677-8899-aabbccddeeff"
    value = uuid.uuid4()
    assert decode_guid(value.bytes_le) == str(value)


def test_sid_is_decoded() -> None:
    # S-1-5-21-1004336348-1177238915-682003330-512 (Domain Admins), as AD stores it.
    raw = bytes.fromhex("010500000000000515000000dcf4dc3b833d2b46828ba62800020000")
    assert decode_sid(raw) == "S-1-5-21-1004336348-1177238915-682003330-512"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "CN=Ada Lovelace,OU=People,DC=example,DC=org",
            "cn=ada lovelace,ou=people,dc=example,dc=org",
        ),
        ("uid=bob, ou=people, dc=example, dc=org", "uid=bob,ou=people,dc=example,dc=org"),
        (r"cn=Smith\2C John,dc=x", r"cn=smith\, john,dc=x"),
    ],
)
def test_dns_compare_in_one_spelling(left: str, right: str) -> None:
    assert normalise_dn(left) == normalise_dn(right)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("member;range=0-1499", RangedSlice("member", 0, 1499)),
        ("member;range=1500-*", RangedSlice("member", 1500, None)),
        ("Member;Range=3000-4499", RangedSlice("Member", 3000, 4499)),
        ("member", None),
        ("member;binary", None),
        ("member;range=5-", None),
    ],
)
def test_range_descriptions(text: str, expected: RangedSlice | None) -> None:
    assert parse_range(text) == expected


@pytest.mark.parametrize(
    ("uac", "enabled"), [("512", "True"), ("514", "False"), ("66050", "False"), ("66048", "True")]
)
def test_user_account_control_gives_account_enabled(uac: str, enabled: str) -> None:
    profile = profile_named("active-directory")
    guid = uuid.uuid4()
    entry = parse_entry(
        profile,
        "cn=a,dc=x",
        {"objectGUID": [guid.bytes_le], "userAccountControl": [uac.encode()]},
    )
    assert entry is not None
    assert entry.anchor == str(guid)
    assert profile.derive_user(entry.attributes) == {"accountEnabled": enabled}


def test_secrets_and_photos_are_never_read() -> None:
    entry = parse_entry(
        profile_named("openldap"),
        "uid=a,dc=x",
        {
            "entryUUID": [b"0f4c3c5e-0000-4000-8000-000000000001"],
            "userPassword": [b"{SSHA}x"],
            "jpegPhoto": [b"\xff\xd8"],
            "proxyAddresses": [b"SMTP:a@x"],
            "member": [b"uid=b,dc=x"],
        },
    )
    assert entry is not None
    assert set(entry.attributes) == {"entryUUID", "proxyAddresses"}
    assert entry.attributes["proxyAddresses"] == ("SMTP:a@x",)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_default_mappings_are_valid_and_give_directory_attributes(name: str) -> None:
    from scimitar.directory.model import GROUP_ATTRIBUTES, USER_ATTRIBUTES

    sets = PROFILES[name].default_mappings()
    for object_type, catalogue in (("User", USER_ATTRIBUTES), ("Group", GROUP_ATTRIBUTES)):
        sets[object_type].validate()
        targets = {m.target for m in sets[object_type].mappings}
        assert targets <= set(catalogue)
    user_targets = {m.target for m in sets["User"].mappings}
    assert {
        "userPrincipalName",
        "mail",
        "givenName",
        "surname",
        "displayName",
        "manager",
    } <= user_targets
