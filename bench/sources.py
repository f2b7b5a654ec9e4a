"""Identity sources: an LDAP directory read into Scimitar's directory, full and incremental.

A throw-away slapd (scripts/ensure-ldap.sh installs it) is loaded with N inetOrgPerson users
(12 attributes, a manager for most) and G groupOfNames groups; then, in one run:

- baseline: ``ldapsearch`` of the same entries and attributes, paged by 1,000, to /dev/null;
- the reader alone (``LDAPReader.read``: paged search, decoding, DNs to anchors);
- a full sync into a fresh directory (``SourceSync.run``: read, map, match, write);
- an incremental sync after C users were changed in slapd.

The store is a throw-away SQLite file (or, with --postgres, a PostgreSQL database on
127.0.0.1:5432). Goals: the full sync >= 5,000 users/s and within 3x the baseline; the
incremental sync <= 3 s.

The inbound API's bulkUpload is measured too (``bench/sources_inbound.py``: N users posted as
BulkRequests of 100 operations, 8 requests in flight, to a real ``scimitar serve``; goal >= 2,000
users/s processed; baseline the directory's own bulk import of the same users).

Usage: python bench/sources.py [--users 100000] [--groups 1000] [--changes 1000] [--postgres]
                               [--only ldap|api] [--per-request 100] [--in-flight 8]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from sources_inbound import add_arguments, measure_inbound

from scimitar.audit import Actor
from scimitar.secrets import Secret, SecretBox
from scimitar.settings import Settings
from scimitar.sources.config import SourceKind
from scimitar.sources.ldap import LDAPReader, LDAPSourceConfig
from scimitar.sources.ldap.slapd import LocalSlapd
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import open_database

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SUFFIX = "dc=example,dc=org"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
ATTRIBUTES = [
    "uid", "cn", "sn", "givenName", "displayName", "mail", "title", "departmentNumber",
    "employeeNumber", "telephoneNumber", "l", "manager", "entryUUID", "modifyTimestamp",
]  # fmt: skip
DEPARTMENTS = ["Engineering", "Sales", "Finance", "Support", "Legal", "Marketing", "IT"]


def user_ldif(index: int, rng: random.Random) -> str:
    manager = f"manager: uid=u{index // 10},{PEOPLE}\n" if index >= 10 else ""
    return (
        f"dn: uid=u{index},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: u{index}\n"
        f"cn: Given{index} Family{index}\nsn: Family{index}\ngivenName: Given{index}\n"
        f"displayName: Given{index} Family{index}\nmail: u{index}@example.org\n"
        f"title: Title {rng.randrange(50)}\ndepartmentNumber: {rng.choice(DEPARTMENTS)}\n"
        f"employeeNumber: {100000 + index}\ntelephoneNumber: +1 555 {index:07d}\n"
        f"l: City {rng.randrange(200)}\n{manager}"
    )


def directory_ldif(users: int, groups: int, seed: int) -> str:
    rng = random.Random(seed)
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\n"
        "dc: example\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups\n",
    ]
    parts += [user_ldif(i, rng) for i in range(users)]
    per_group = max(1, users // max(groups, 1))
    for g in range(groups):
        members = "".join(
            f"member: uid=u{(g * per_group + k) % users},{PEOPLE}\n" for k in range(per_group)
        )
        parts.append(f"dn: cn=g{g},{GROUPS}\nobjectClass: groupOfNames\ncn: g{g}\n{members}")
    return "\n".join(parts)


def changes_ldif(users: int, changes: int, seed: int) -> str:
    rng = random.Random(seed + 1)
    picked = rng.sample(range(users), min(changes, users))
    return "\n".join(
        f"dn: uid=u{i},{PEOPLE}\nchangetype: modify\nreplace: title\ntitle: Changed {seed}\n"
        for i in picked
    )


def ldapsearch_seconds(server: LocalSlapd) -> float:
    started = time.perf_counter()
    for base, wanted in (
        (PEOPLE, "(objectClass=inetOrgPerson)"),
        (GROUPS, "(objectClass=groupOfNames)"),
    ):
        subprocess.run(
            ["ldapsearch", "-x", "-LLL", "-H", server.url, "-D", server.root_dn, "-w",
             server.root_password, "-b", base, "-E", "pr=1000/noprompt", wanted, *ATTRIBUTES,
             "member", "cn"],
            stdout=subprocess.DEVNULL, check=True,
        )  # fmt: skip
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        server = LocalSlapd(work / "slapd")
        server.start()
        try:
            await measure(args, work, server)
        finally:
            server.stop()


async def measure(args: argparse.Namespace, work: Path, server: LocalSlapd) -> None:
    started = time.perf_counter()
    (work / "seed.ldif").write_text(directory_ldif(args.users, args.groups, args.seed))
    server.add_ldif(work / "seed.ldif")
    loaded = time.perf_counter()
    print(f"slapd loaded with {args.users:,} users and {args.groups:,} groups (ldapadd) in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    settings = {"url": server.url, "bind_dn": server.root_dn, "users_base": PEOPLE,
                "groups_base": GROUPS}  # fmt: skip
    baselines = [ldapsearch_seconds(server) for _ in range(2)]
    baseline = min(baselines)
    reader = LDAPReader(LDAPSourceConfig.from_dict(settings), server.root_password)
    started = time.perf_counter()
    result = await reader.read(since=None)
    read_seconds = time.perf_counter() - started
    assert isinstance(result.records, list)
    count = len(result.records)
    del result
    # An incremental read starts the full read's duration (+2 s) before the newest change it
    # saw. In a live directory that window holds a few changes; here it would hold the end of
    # the bulk load, so the load is let age past it and one entry is touched after it.
    await asyncio.sleep(max(0.0, 1.5 * read_seconds + 3 - (time.perf_counter() - loaded)))
    server.modify_ldif(f"dn: uid=u0,{PEOPLE}\nchangetype: modify\nreplace: title\ntitle: Touched\n")

    url, name = None, f"scimitar_bench_{uuid.uuid4().hex[:10]}"
    admin = None
    if args.postgres:
        admin = await asyncpg.connect(PG_ADMIN)
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    store = Settings(data_dir=work / "data", database_url=url)
    database = await open_database(store)
    try:
        sources = SourceService(database, SecretBox.from_settings(store))
        await sources.add(SourceKind.LDAP, "corp", settings, secret=Secret(server.root_password),
                          actor=Actor.cli("bench"))  # fmt: skip
        sync = SourceSync(database, sources)
        started = time.perf_counter()
        full = await sync.run("corp")
        full_seconds = time.perf_counter() - started
        (work / "changes.ldif").write_text(changes_ldif(args.users, args.changes, args.seed))
        server.modify_ldif(work / "changes.ldif")
        started = time.perf_counter()
        incremental = await sync.run("corp")
        incremental_seconds = time.perf_counter() - started
    finally:
        await database.dispose()
        if admin is not None:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            await admin.close()

    users = args.users
    backend = "PostgreSQL" if args.postgres else "SQLite"
    rows = [
        (f"baseline: ldapsearch > /dev/null (best of {', '.join(f'{b:.2f}' for b in baselines)})",
         baseline),
        (f"LDAPReader.read, full ({count:,} records)", read_seconds),
        (f"source sync, full, into the directory ({_counts(full.counts)})", full_seconds),
    ]  # fmt: skip
    print(f"\n{users:,} users + {args.groups:,} groups, store {backend}")
    print("| step | seconds | users/s | vs ldapsearch |")
    print("|---|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} | {users / seconds:,.0f} | {seconds / baseline:.1f}x |")
    label = (
        f"source sync, incremental, {args.changes:,} users changed ({_counts(incremental.counts)})"
    )
    print(f"| {label} | {incremental_seconds:.2f} | | |")
    print(
        f"\ngoals: full >= 5,000 users/s: {users / full_seconds:,.0f}; within 3x of "
        f"ldapsearch: {full_seconds / baseline:.1f}x; incremental <= 3 s: {incremental_seconds:.2f}"
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {value:,}" for name, value in counts.items() if value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--only", choices=["ldap", "api"], default=None)
    add_arguments(parser)
    args = parser.parse_args()
    if args.only != "api":
        asyncio.run(run(args))
    if args.only != "ldap":
        asyncio.run(measure_inbound(args))


if __name__ == "__main__":
    main()
