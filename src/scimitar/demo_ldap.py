"""``scimitar demo --ldap``: the seed scenario with the directory fed from a local slapd.

The demo starts Debian's slapd (``scripts/ensure-ldap.sh`` installs it) in the demo's data
directory, loads the generated directory into it as OpenLDAP entries, adds it as the LDAP
source ``Corporate LDAP`` and syncs it into Scimitar's directory. The changes of the
walkthrough are then made in LDAP, carried into the directory by one incremental source sync,
and to the Webex tenant by one incremental cycle; the demo reads the renamed user back from
the tenant to show it arrived.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import aiohttp

from scimitar.audit import Actor
from scimitar.directory.model import Group, User
from scimitar.directory.service import DirectoryService
from scimitar.secrets import Secret, SecretBox
from scimitar.settings import Settings
from scimitar.sources.config import SourceKind
from scimitar.sources.ldap.sample import sample_ldif, user_dn
from scimitar.sources.ldap.slapd import LocalSlapd
from scimitar.sources.service import SourceService
from scimitar.sources.sync import SourceSync
from scimitar.store import Database

__all__ = ["SOURCE_NAME", "LDAPDemo"]

SOURCE_NAME = "Corporate LDAP"
_SUFFIX = "dc=example,dc=org"
_DEMO = Actor.system("demo")


class Narrator(Protocol):
    """The demo's narrator (see ``scimitar.demo``)."""

    facts: dict[str, Any]

    def step(self, title: str, detail: str = "", **facts: Any) -> None:
        """Print one step and keep its facts."""
        ...


class LDAPDemo:
    """The slapd the demo runs, and the source that reads it.

    Args:
        workdir: Where slapd keeps its config and database (inside the demo's data dir).
    """

    def __init__(self, workdir: Path) -> None:
        self.slapd = LocalSlapd(workdir, suffix=_SUFFIX)

    def start(self) -> None:
        """Start slapd and load the generated directory (200 users, 12 groups)."""
        self.slapd.start()
        self.slapd.add_ldif(sample_ldif(200, 12, 42, _SUFFIX))

    def stop(self) -> None:
        """Stop slapd."""
        self.slapd.stop()

    async def directory(self, db: Database, settings: Settings, say: Narrator) -> DirectoryService:
        """Add the LDAP source and sync it: the directory the apps provision from."""
        sources = SourceService(db, SecretBox.from_settings(settings))
        connection = {
            "url": self.slapd.url,
            "bind_dn": self.slapd.root_dn,
            "users_base": f"ou=people,{_SUFFIX}",
            "groups_base": f"ou=groups,{_SUFFIX}",
        }
        secret = Secret(self.slapd.root_password)
        await sources.add(SourceKind.LDAP, SOURCE_NAME, connection, secret=secret, actor=_DEMO)
        summary = await SourceSync(db, sources).run(SOURCE_NAME)
        say.step(
            "LDAP source",
            f"slapd on {self.slapd.url} holds a generated directory; source {SOURCE_NAME!r} "
            f"synced it into the directory: {summary.counts.get('created', 0)} objects created",
            source_sync=summary.to_dict(),
        )
        return DirectoryService.from_settings(db, settings)

    async def changes(
        self,
        db: Database,
        settings: Settings,
        group: Group,
        users: list[User],
        spare: User,
        say: Narrator,
    ) -> None:
        """Edit LDAP (a rename, a new title, a new group member), then sync the source once."""
        renamed, promoted = users[0], users[1]
        self.slapd.modify_ldif(
            f"dn: {self._dn(renamed)}\nchangetype: modify\nreplace: givenName\ngivenName: Augusta"
            "\n-\nreplace: displayName\ndisplayName: Augusta Lovelace\n\n"
            f"dn: {self._dn(promoted)}\nchangetype: modify\nreplace: title\n"
            "title: Head of Provisioning\n\n"
            f"dn: cn={group.attributes['displayName']},ou=groups,{_SUFFIX}\nchangetype: modify\n"
            f"add: member\nmember: {self._dn(spare)}\n"
        )
        sources = SourceService(db, SecretBox.from_settings(settings))
        summary = await SourceSync(db, sources).run(SOURCE_NAME)
        say.step(
            "LDAP changes",
            f"in slapd: renamed {_upn(renamed)} to Augusta, made {_upn(promoted)} Head of "
            f"Provisioning, added {_upn(spare)} to {group.attributes['displayName']!r}; one "
            f"incremental source sync: {summary.counts.get('updated', 0)} objects updated",
            source_sync=summary.to_dict(),
            renamed=_upn(renamed),
        )

    @staticmethod
    def _dn(user: User) -> str:
        return user_dn(str(user.attributes["employeeId"]), _SUFFIX)


async def webex_view(tenant_url: str, token: str, user_name: str) -> dict[str, Any] | None:
    """The tenant's user with this userName, read over SCIM as the app's admin would."""
    query = {"filter": f'userName eq "{user_name}"'}
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"{tenant_url}Users", params=query, headers=headers) as response,
    ):
        body: dict[str, Any] = await response.json()
    resources = body.get("Resources") or []
    return resources[0] if resources else None


def _upn(user: User) -> str:
    return str(user.attributes.get("userPrincipalName"))
