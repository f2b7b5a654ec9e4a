"""An app's provisioning job: credentials, Test Connection, settings, on/off.

The token is encrypted before it is stored and decrypted only to open a connection; no read
returns it (``JobConfig.has_token`` says whether one is stored). A saved token is only ever
sent to the Tenant URL it was saved with: a new URL needs the token entered again, whichever
face (CLI, API, portal) asks (docs/security.md).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Update, select, update

from scimitar.apps.attributes import CustomAttributes, dump_custom
from scimitar.apps.model import App, JobConfig, JobSettings
from scimitar.apps.oauth2_rules import check_oauth2
from scimitar.apps.rows import JOB_COLUMNS, dump_mappings, job_from_row, settings_values
from scimitar.apps.schedule import reschedule
from scimitar.apps.service import AppService
from scimitar.apps.settings_rules import validate_settings
from scimitar.apps.urls import is_same_tenant_url, validate_tenant_url
from scimitar.audit import Actor, AuditEntry, record
from scimitar.clock import utcnow
from scimitar.connector.bearer import OAuth2ClientCredentials, OAuth2Grant
from scimitar.connector.client import Credentials, SCIMClient
from scimitar.connector.discovery import Discovery, discover
from scimitar.connector.oauth2 import OAuth2TokenSource
from scimitar.connector.probe import ConnectionTest, probe_connection
from scimitar.connector.transport import AiohttpTransport, Timeouts, Transport
from scimitar.errors import ConfigError
from scimitar.mapping.mappings import MappingSet
from scimitar.secrets import CHANGED_IN_DOCUMENT, REDACTED_IN_DOCUMENT, Secret, SecretBox
from scimitar.store import Database
from scimitar.store.signals import announce
from scimitar.store.tables.apps import JOB

__all__ = ["ConnectionTestError", "ProvisioningService", "TransportFactory"]

#: Makes the transport of one connection (tests pass one that injects faults).
TransportFactory = Callable[[], Transport]
#: Limits for requests an admin waits for (Test Connection, discovery on save).
INTERACTIVE_TIMEOUTS = Timeouts(total=15.0, connect=5.0, read=15.0)


def _default_transport() -> Transport:
    return AiohttpTransport.create(timeouts=INTERACTIVE_TIMEOUTS)


class ConnectionTestError(ConfigError):
    """Provisioning cannot be turned on: Test Connection fails.

    Attributes:
        result: The Test Connection outcome, with its message and hint.
    """

    def __init__(self, app: App, result: ConnectionTest) -> None:
        self.result = result
        failure = result.failure
        detail = f"{failure.message} {failure.hint}" if failure else "unknown failure"
        super().__init__(f"{app.name}: Test Connection fails, so provisioning stays off: {detail}")


class ProvisioningService:
    """The provisioning job of each app.

    Args:
        database: The store.
        apps: The apps and their templates.
        secret_box: Encrypts the Secret Token at rest.
        transport_factory: Makes the transport each connection uses.
    """

    def __init__(
        self,
        database: Database,
        apps: AppService,
        secret_box: SecretBox,
        transport_factory: TransportFactory = _default_transport,
    ) -> None:
        self._database = database
        self._apps = apps
        self._box = secret_box
        self._transport_factory = transport_factory

    async def config(self, app_key: str) -> JobConfig:
        """The app's job: settings, mappings, state (never the token).

        Raises:
            NotFoundError: No such app.
        """
        app = await self._apps.get(app_key)
        has_token = JOB.c.token_ciphertext.is_not(None).label("has_token")
        query = select(*JOB_COLUMNS, has_token).where(JOB.c.app_id == app.id)
        async with self._database.read() as conn:
            row = (await conn.execute(query)).one()
        return job_from_row(app, self._apps.template_of(app), row, bool(row.has_token))

    async def credentials(self, app_key: str) -> Credentials:
        """The Tenant URL and the decrypted Secret Token or OAuth2 grant, to open a connection.

        Raises:
            ConfigError: None saved yet, or the key cannot decrypt the secret.
        """
        app = await self._apps.get(app_key)
        query = select(
            JOB.c.tenant_url, JOB.c.token_ciphertext, JOB.c.oauth2, JOB.c.oauth2_secret_ciphertext
        ).where(JOB.c.app_id == app.id)
        async with self._database.read() as conn:
            tenant_url, ciphertext, oauth2, secret = (await conn.execute(query)).one()
        if tenant_url and oauth2 and secret:
            grant = OAuth2Grant.from_dict(json.loads(oauth2))
            client = OAuth2ClientCredentials(grant, self._box.decrypt(secret))
            return Credentials(tenant_url, Secret(""), client)
        if not tenant_url or not ciphertext:
            raise ConfigError(
                f"{app.name} has no credentials yet; run "
                f"`scimitar app credentials {app.name!r} --tenant-url URL --token TOKEN`"
            )
        return Credentials(tenant_url, self._box.decrypt(ciphertext))

    @asynccontextmanager
    async def client(self, credentials: Credentials) -> AsyncIterator[SCIMClient]:
        """A SCIM client for these credentials, closed afterwards."""
        bearer = OAuth2TokenSource(credentials.oauth2) if credentials.oauth2 else None
        client = SCIMClient(credentials, self._transport_factory(), bearer)
        try:
            yield client
        finally:
            await client.close()

    async def set_credentials(
        self,
        app_key: str,
        tenant_url: str,
        token: Secret | None,
        *,
        actor: Actor,
        allow_insecure_http: bool = False,
        oauth2: OAuth2ClientCredentials | None = None,
    ) -> JobConfig:
        """Save the Tenant URL and Secret Token, then discover the app's schema.

        Args:
            app_key: The app.
            tenant_url: The Tenant URL as entered.
            token: The Secret Token as entered; ``None`` or blank keeps the saved one, which
                is allowed only while the Tenant URL stays the one it was saved with.
            actor: Who saves them; the audit log records the URLs, and the token only as
                ``"<redacted>"`` (unchanged) or ``"<changed>"``.
            allow_insecure_http: Accept ``http://`` to any host.
            oauth2: An OAuth2 client credentials grant that gives the bearer token instead of
                a Secret Token (``token`` must then be ``None``); it replaces a saved token.

        Raises:
            ConfigError: The URL is not acceptable, or no token is entered where one is needed.
        """
        config = await self.config(app_key)
        url = validate_tenant_url(tenant_url, allow_insecure_http=allow_insecure_http)
        if oauth2 is not None:
            return await self._set_oauth2(config, url, oauth2, token, actor, allow_insecure_http)
        credentials = Credentials(url, await self._token_for(config, url, token, "Save"))
        async with self.client(credentials) as client:
            found = await discover(client)
        app = config.app
        config = await self.config(app.id)
        is_same_token = config.has_token and await self._is_saved_token(app, credentials.token)
        before = {
            "tenantUrl": config.tenant_url,
            "secretToken": REDACTED_IN_DOCUMENT if config.has_token else None,
        }
        after = {
            "tenantUrl": url,
            "secretToken": REDACTED_IN_DOCUMENT if is_same_token else CHANGED_IN_DOCUMENT,
        }
        await self._update(
            app,
            _entry(actor, "credentials.set", app, "credentials", before, after),
            tenant_url=url,
            token_ciphertext=self._box.encrypt(credentials.token),
            oauth2=None,
            oauth2_secret_ciphertext=None,
            discovery=json.dumps(_merged(config, found).to_dict()),
        )
        return await self.config(config.app.id)

    async def _set_oauth2(
        self,
        config: JobConfig,
        url: str,
        oauth2: OAuth2ClientCredentials,
        token: Secret | None,
        actor: Actor,
        allow_insecure_http: bool,
    ) -> JobConfig:
        """Save an OAuth2 client credentials grant (its secret encrypted), after discovery."""
        check_oauth2(
            oauth2, token, template=config.template, allow_insecure_http=allow_insecure_http
        )
        # Discovery shrugs off refusals; a secret the token URL refuses must not be saved.
        source = OAuth2TokenSource(oauth2)
        try:
            await source.token()
        finally:
            await source.close()
        async with self.client(Credentials(url, Secret(""), oauth2)) as client:
            found = await discover(client)
        app = config.app
        before = {
            "tenantUrl": config.tenant_url,
            "secretToken": REDACTED_IN_DOCUMENT if config.has_token else None,
            "oauth2": config.oauth2.to_dict() if config.oauth2 else None,
        }
        after = {
            "tenantUrl": url,
            "secretToken": None,
            "oauth2": {**oauth2.grant.to_dict(), "clientSecret": CHANGED_IN_DOCUMENT},
        }
        await self._update(
            app,
            _entry(actor, "credentials.set", app, "credentials", before, after),
            tenant_url=url,
            token_ciphertext=None,
            oauth2=json.dumps(oauth2.grant.to_dict()),
            oauth2_secret_ciphertext=self._box.encrypt(oauth2.client_secret),
            discovery=json.dumps(_merged(config, found).to_dict()),
        )
        return await self.config(app.id)

    async def _is_saved_token(self, app: App, token: Secret) -> bool:
        try:
            saved = await self.credentials(app.id)
        except ConfigError:
            return False  # not decryptable with this key: the new one replaces it
        return saved.token == token

    async def test_connection(self, app_key: str) -> ConnectionTest:
        """Run Test Connection with the saved credentials."""
        config = await self.config(app_key)
        return await self._probe(config, await self.credentials(config.app.id))

    async def test_credentials(
        self,
        app_key: str,
        tenant_url: str,
        token: Secret | None,
        *,
        allow_insecure_http: bool = False,
        oauth2: OAuth2ClientCredentials | None = None,
    ) -> ConnectionTest:
        """Test Connection with credentials entered but not saved (the portal's button).

        Args:
            app_key: The app.
            tenant_url: The Tenant URL as entered.
            token: The Secret Token as entered; ``None`` or blank uses the saved one, which
                is allowed only while the Tenant URL stays the one it was saved with.
            allow_insecure_http: Accept ``http://`` to any host.

        Raises:
            ConfigError: The URL is not acceptable, or no token is entered where one is needed.
        """
        config = await self.config(app_key)
        url = validate_tenant_url(tenant_url, allow_insecure_http=allow_insecure_http)
        if oauth2 is not None:
            check_oauth2(
                oauth2, token, template=config.template, allow_insecure_http=allow_insecure_http
            )
            return await self._probe(config, Credentials(url, Secret(""), oauth2))
        secret = await self._token_for(config, url, token, "Test Connection")
        return await self._probe(config, Credentials(url, secret))

    async def _token_for(
        self, config: JobConfig, url: str, entered: Secret | None, action: str
    ) -> Secret:
        """The token to send to ``url``: the one entered, else the saved one for its own URL.

        A saved token never goes to another URL: a server that echoes requests would hand it
        to whoever may change the URL but was never told the token.
        """
        text = entered.reveal().strip() if entered is not None else ""
        if text:
            _check_token_text(text)
            return Secret(text)
        if not config.has_token:
            raise ConfigError(
                f"the Secret Token is empty; paste the token the app issued, then {action}"
            )
        if config.tenant_url is None or not is_same_tenant_url(url, config.tenant_url):
            raise ConfigError(
                f"the Tenant URL changed from {config.tenant_url!r} to {url!r}: enter the "
                f"Secret Token again, then {action}; a saved token is only sent to the URL it "
                "was saved with"
            )
        return (await self.credentials(config.app.id)).token

    async def _probe(self, config: JobConfig, credentials: Credentials) -> ConnectionTest:
        matching = config.mappings["User"].matching_mappings
        attribute = matching[0].target if matching else "userName"
        async with self.client(credentials) as client:
            return await probe_connection(
                client, user_attribute=attribute, include_groups="Group" in config.object_types
            )

    async def update_settings(
        self, app_key: str, settings: JobSettings, *, actor: Actor
    ) -> JobConfig:
        """Save new settings; a change of scope or nested groups marks an initial cycle.

        A change is recorded in the audit log as made by ``actor`` (saving the same settings
        again records nothing).

        Raises:
            ConfigError: A value is out of range.
        """
        config = await self.config(app_key)
        validate_settings(settings, config.template)
        values: dict[str, Any] = settings_values(settings)
        if (settings.scope, settings.nested_groups) != (
            config.settings.scope,
            config.settings.nested_groups,
        ):
            values["needs_initial_cycle"] = True
        before, after = config.settings.to_dict(), settings.to_dict()
        async with self._database.write() as conn:
            await conn.execute(_update_of(config.app, **values))
            await reschedule(
                conn,
                config.app.id,
                before=timedelta(minutes=config.settings.interval_minutes),
                after=timedelta(minutes=settings.interval_minutes),
            )
            if before != after:
                entry = _entry(actor, "settings.update", config.app, "settings", before, after)
                await record(conn, entry)
                await announce(conn, config.app.id)
        return await self.config(config.app.id)

    async def set_provisioning(self, app_key: str, *, is_on: bool, actor: Actor) -> JobConfig:
        """Turn provisioning on (after a passing Test Connection) or off.

        A change is recorded in the audit log as made by ``actor``.

        Raises:
            ConfigError: No credentials saved.
            ConnectionTestError: Test Connection fails.
        """
        config = await self.config(app_key)
        if is_on:
            result = await self.test_connection(config.app.id)
            if not result.is_ok:
                raise ConnectionTestError(config.app, result)
        entry = _entry(
            actor,
            "provisioning.on" if is_on else "provisioning.off",
            config.app,
            "provisioning status",
            {"provisioning": _on_off(config.is_on)},
            {"provisioning": _on_off(is_on)},
        )
        await self._update(config.app, entry if is_on != config.is_on else None, is_on=is_on)
        return replace(config, is_on=is_on)

    async def save_mappings(
        self, app: App, mappings: dict[str, MappingSet], *, actor: Actor, action: str
    ) -> JobConfig:
        """Store mapping sets (validated by the caller) and mark the job for an initial cycle.

        The audit log records ``action`` by ``actor`` with the mapping sets that changed,
        before and after.
        """
        current = (await self.config(app.id)).mappings
        changed = sorted(t for t in mappings if current.get(t) != mappings[t])
        entry = _entry(
            actor,
            action,
            app,
            " and ".join(f"{t} mappings" for t in changed) or "mappings",
            {t: current[t].to_dict() for t in changed if t in current},
            {t: mappings[t].to_dict() for t in changed},
        )
        await self._update(app, entry, mappings=dump_mappings(mappings), needs_initial_cycle=True)
        return await self.config(app.id)

    async def save_attribute_list(
        self, app: App, custom: CustomAttributes, *, actor: Actor, action: str
    ) -> JobConfig:
        """Store the attributes the admin added to the target attribute list.

        The audit log records ``action`` by ``actor`` with the added attributes of each
        object type that changed, before and after.
        """
        current = (await self.config(app.id)).custom_attributes
        kinds = sorted(k for k in {*current, *custom} if current.get(k, ()) != custom.get(k, ()))
        entry = _entry(
            actor,
            action,
            app,
            " and ".join(f"{kind} attribute list" for kind in kinds) or "attribute list",
            {kind: [a.to_dict() for a in current.get(kind, ())] for kind in kinds},
            {kind: [a.to_dict() for a in custom.get(kind, ())] for kind in kinds},
        )
        await self._update(app, entry, target_attributes=dump_custom(custom))
        return await self.config(app.id)

    async def save_config(
        self,
        app: App,
        settings: JobSettings,
        mappings: dict[str, MappingSet],
        custom: CustomAttributes,
        discovery: Discovery,
        *,
        actor: Actor,
    ) -> JobConfig:
        """Store an imported configuration in one write (checked by the caller); the next
        cycle is an initial one. Credentials stay as they are.

        The audit log records ``config.import`` by ``actor``, with the settings, mappings
        (scoping included) and added attributes before and after.
        """
        current = await self.config(app.id)
        entry = _entry(
            actor,
            "config.import",
            app,
            "provisioning configuration",
            _configuration(current.settings, current.mappings, current.custom_attributes),
            _configuration(settings, mappings, custom),
        )
        await self._update(
            app,
            entry,
            **settings_values(settings),
            mappings=dump_mappings(mappings),
            target_attributes=dump_custom(custom),
            discovery=json.dumps(discovery.to_dict()),
            needs_initial_cycle=True,
        )
        return await self.config(app.id)

    async def mark_cycle_started(self, app: App, *, is_initial: bool) -> None:
        """Called by the engine: an initial cycle clears ``needs_initial_cycle``."""
        if is_initial:
            await self._update(app, None, needs_initial_cycle=False)

    async def _update(self, app: App, audit: AuditEntry | None, /, **values: Any) -> None:
        """Change the job's row, and record ``audit`` in the same transaction."""
        async with self._database.write() as conn:
            await conn.execute(_update_of(app, **values))
            if audit is not None:  # an admin's change (the engine's own records none)
                await record(conn, audit)
                await announce(conn, app.id)


def _update_of(app: App, **values: Any) -> Update:
    return update(JOB).where(JOB.c.app_id == app.id).values(updated_at=utcnow(), **values)


def _configuration(
    settings: JobSettings, mappings: Mapping[str, MappingSet], custom: CustomAttributes
) -> dict[str, Any]:
    """What a configuration import replaces, as the audit log shows it."""
    return {
        "settings": settings.to_dict(),
        "mappings": {kind: mappings[kind].to_dict() for kind in sorted(mappings)},
        "targetAttributes": {
            kind: [attribute.to_dict() for attribute in custom[kind]] for kind in sorted(custom)
        },
    }


def _on_off(is_on: bool) -> str:
    return "on" if is_on else "off"


def _entry(
    actor: Actor,
    action: str,
    app: App,
    what: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    return AuditEntry(actor, action, what, app.id, app.name, before, after)


def _merged(config: JobConfig, found: Discovery) -> Discovery:
    """New findings; attributes found before stay (Entra only ever adds, docs/entra.md §1.4)."""
    before = config.discovery.attributes if config.discovery else {}
    attributes = dict(before)
    for object_type, values in found.attributes.items():
        names = {value.name.lower() for value in attributes.get(object_type, ())}
        extra = tuple(value for value in values if value.name.lower() not in names)
        attributes[object_type] = (*attributes.get(object_type, ()), *extra)
    capabilities = found.capabilities or (
        config.discovery.capabilities if config.discovery else None
    )
    return Discovery(capabilities, attributes)


def _check_token_text(token: str) -> None:
    """Refuse a Secret Token that cannot travel in an ``Authorization`` header.

    A line break would end the header and start another (header injection); other control
    characters and non-ASCII text are no bearer token either (RFC 6750 §2.1: ``b64token``).

    Raises:
        ConfigError: Saying what the token holds, never the token itself.
    """
    for position, char in enumerate(token, start=1):
        if not (" " <= char <= "~"):
            what = "a line break" if char in "\r\n" else f"the character U+{ord(char):04X}"
            raise ConfigError(
                f"the Secret Token holds {what} at position {position}; a bearer token is "
                "one line of printable ASCII: paste the token alone, as the app issued it"
            )
