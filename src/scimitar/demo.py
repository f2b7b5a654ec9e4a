"""``scimitar demo``: the seed tutorial, end to end, on the embedded defaults.

It starts Scimitar (SQLite store, embedded Webex-compatible target) on a local port and walks
the Cisco Webex provisioning tutorial: a generated directory, Cisco Webex from the gallery, an
embedded Webex tenant, the Tenant URL and Secret Token, Test Connection, assignments (one with
only Default Access, which the Webex app skips), provisioning on, the initial cycle with its
progress bar, a few directory changes, an incremental cycle, a summary and the log.

The demo keeps its store in ``<data dir>/demo`` and starts it afresh every run.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import socket
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvicorn
from rich.console import Console
from rich.progress import Progress as Bar
from rich.table import Table

from scimitar.admin import AdminAuth
from scimitar.app import create_app
from scimitar.apps import Apps
from scimitar.audit import Actor
from scimitar.demo_ldap import LDAPDemo, webex_view
from scimitar.directory.model import Group, User
from scimitar.directory.service import DirectoryService
from scimitar.directory.store import SQLDirectory
from scimitar.engine.run.cycle import CycleSummary, Progress
from scimitar.engine.run.service import build_runner
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import ConfigError
from scimitar.secrets import Secret
from scimitar.settings import Settings
from scimitar.store import Database, open_database
from scimitar.target.tenants import TenantService

__all__ = ["run_demo"]

APP_NAME = "Cisco Webex"
_ORDER = ("create", "update", "enable", "disable", "delete", "skip", "failure")
#: Who the audit log names for what the demo sets up.
DEMO = Actor.system("demo")


def command_hint() -> tuple[str, str | None]:
    """How to call ``scimitar`` from the current directory, and how to put it on the PATH.

    ``make demo`` runs ``.venv/bin/scimitar`` without activating the virtualenv, so a bare
    ``scimitar`` is usually "command not found" in the user's shell: name the path that works,
    and say how to make the bare command work.
    """
    found = shutil.which("scimitar")
    here = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if found is not None and (here is None or Path(found).resolve() == here):
        return "scimitar", None
    script = Path(sys.executable).with_name("scimitar")
    if not script.exists():
        return f"{sys.executable} -m scimitar", None
    try:
        shown = f"./{script.relative_to(Path.cwd())}"
    except ValueError:
        shown = str(script)
    activate = script.with_name("activate")
    if not activate.exists():
        return shown, None
    try:
        activate_shown = f"./{activate.relative_to(Path.cwd())}"
    except ValueError:
        activate_shown = str(activate)
    return shown, f"or run `. {activate_shown}` once, then call scimitar by name"


def demo_settings(settings: Settings) -> Settings:
    """The demo's own store, wiped: ``<data dir>/demo`` (never the admin's own database)."""
    folder = settings.data_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    return settings.model_copy(update={"data_dir": folder, "database_url": None})


class _Narrator:
    """Prints the walkthrough and keeps its facts for ``--json``."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.facts: dict[str, Any] = {"steps": []}

    def step(self, title: str, detail: str = "", **facts: Any) -> None:
        self.facts["steps"].append({"step": title, **facts})
        self.console.print(f"[bold cyan]▸ {title}[/] {detail}")


async def _directory(db: Database, settings: Settings, say: _Narrator) -> DirectoryService:
    directory = DirectoryService.from_settings(db, settings)
    report = await directory.generate(200, 12, seed=42)
    say.step(
        "Directory",
        f"generated {report.to_dict().get('users_created', 200)} users and "
        "12 groups (names in several scripts, managers, some disabled accounts)",
    )
    return directory


async def _pick(db: Database) -> tuple[Group, list[User]]:
    source = SQLDirectory(db)
    groups = [g for g in (await source.read_groups(None, 100)).items if len(g.members) >= 3]
    group = min(groups, key=lambda g: len(g.members))
    members = {m.object_id for m in group.members}
    users = [
        u
        for u in (await source.read_users(None, 1000)).items
        if u.attributes.get("accountEnabled") is not False and u.object_id not in members
    ]
    return group, users[:7]


async def _configure(
    db: Database, settings: Settings, origin: str, say: _Narrator
) -> tuple[Apps, Group, list[User]]:
    tenant, token = await TenantService(db).create("demo-webex", "webex", actor=DEMO)
    url = f"{origin}/v1/scim/{tenant.id}/"
    say.step("Embedded Webex tenant", f"Tenant URL {url}", tenant_url=url)
    say.console.print(f"    Secret Token: {token}")
    say.facts.update(tenant_id=tenant.id, tenant_url=url, token=token)
    apps = Apps.create(db, settings)
    await apps.apps.add("cisco-webex", APP_NAME, actor=DEMO)
    say.step("Gallery", f"added {APP_NAME!r} from the gallery (template cisco-webex)")
    await apps.provisioning.set_credentials(
        APP_NAME, url, Secret(token), allow_insecure_http=True, actor=DEMO
    )
    test = await apps.provisioning.test_connection(APP_NAME)
    say.step(
        "Test Connection",
        "succeeded: the random-GUID probe found nothing, as expected"
        if test.is_ok
        else f"failed: {test.to_dict()}",
        ok=test.is_ok,
    )
    group, users = await _pick(db)
    await apps.assignments.assign(APP_NAME, group=group.object_id, role="User", actor=DEMO)
    for user in users[:6]:
        await apps.assignments.assign(APP_NAME, user=user.object_id, role="User", actor=DEMO)
    await apps.assignments.assign(APP_NAME, user=users[6].object_id, role=None, actor=DEMO)
    say.step(
        "Assignments",
        f"group {group.attributes.get('displayName')!r} "
        f"({len(group.members)} members) and 6 users as User; "
        f"{users[6].attributes.get('userPrincipalName')} with only Default Access "
        "(the Webex app does not provision those)",
    )
    await apps.provisioning.set_provisioning(APP_NAME, is_on=True, actor=DEMO)
    say.step("Provisioning", "On (scope: assigned users and groups)")
    return apps, group, users


async def _cycle(db: Database, apps: Apps, say: _Narrator, title: str) -> CycleSummary:
    with Bar(console=say.console, transient=True) as bar:
        task = bar.add_task(title, total=None)

        def show(progress: Progress) -> None:
            bar.update(
                task,
                completed=progress.objects,
                description=f"{title}: {progress.phase}, {progress.objects} objects",
            )

        summary = await build_runner(
            db, apps, jobs=JobRegistry(), page_size=50, on_progress=show
        ).run(APP_NAME)
    counts = ", ".join(f"{k} {summary.counts[k]}" for k in _ORDER if summary.counts.get(k))
    say.step(
        title,
        f"{summary.objects} objects in {summary.seconds:.2f} s: {counts}",
        summary=summary.to_dict(),
    )
    return summary


async def _changes(
    directory: DirectoryService, group: Group, users: list[User], spare: User, say: _Narrator
) -> None:
    renamed = users[0]
    await directory.users.update(
        renamed.object_id, {"givenName": "Augusta", "displayName": "Augusta Lovelace"}
    )
    await directory.users.set_enabled(users[1].object_id, is_enabled=False)
    await directory.users.delete(users[2].object_id)
    await directory.groups.add_members(group.object_id, [spare.object_id])
    say.step(
        "Directory changes",
        f"renamed {renamed.attributes.get('userPrincipalName')}, "
        f"blocked sign-in of {users[1].attributes.get('userPrincipalName')}, soft-deleted "
        f"{users[2].attributes.get('userPrincipalName')}, added "
        f"{spare.attributes.get('userPrincipalName')} to the assigned group",
    )


async def _log(db: Database, apps: Apps, say: _Narrator) -> None:
    app = await apps.apps.get(APP_NAME)
    page = await ProvisioningLogStore(db).query(app.id, limit=12)
    table = Table("action", "status", "object", "what happened", title="Provisioning log (latest)")
    for entry in page.records:
        record = entry.record
        last = record.steps[-1].description if record.steps else ""
        table.add_row(
            record.action.value,
            record.status.value,
            f"{entry.object_type} {record.source_identity.name}",
            last[:70],
        )
    say.console.print(table)


async def _walkthrough(
    db: Database, settings: Settings, origin: str, say: _Narrator, ldap: LDAPDemo | None
) -> None:
    if ldap is None:
        directory = await _directory(db, settings, say)
    else:
        directory = await ldap.directory(db, settings, say)
    apps, group, users = await _configure(db, settings, origin, say)
    await _cycle(db, apps, say, "Initial cycle")
    spare = (await _pick(db))[1][-1]
    if ldap is None:
        await _changes(directory, group, users, spare, say)
    else:
        await ldap.changes(db, settings, group, users, spare, say)
    await _cycle(db, apps, say, "Incremental cycle")
    if ldap is not None:
        await _show_in_webex(users[0], say)
    await _log(db, apps, say)


async def _show_in_webex(user: User, say: _Narrator) -> None:
    """Read the renamed user back from the Webex tenant: the LDAP edit arrived."""
    upn = str(user.attributes.get("userPrincipalName"))
    found = await webex_view(say.facts["tenant_url"], say.facts["token"], upn)
    name = (found or {}).get("name") or {}
    say.step(
        "In Webex",
        f"{upn}: givenName {name.get('givenName')!r}, displayName "
        f"{(found or {}).get('displayName')!r} (edited in LDAP, one source sync, one cycle)",
        webex_user=found,
    )


async def _portal_password(database: Database) -> str:
    """A fresh admin password for the demo's store, so the portal can be tried at once."""
    password = secrets.token_urlsafe(12)
    await AdminAuth(database).set_password(password, actor=DEMO)
    return password


def _check_port(host: str, port: int) -> None:
    """Fail with a plain message when the port is taken (uvicorn would exit the process)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host}:{port} ({exc.strerror}); is another server running "
                "there? Choose another port with --port"
            ) from exc


async def _serve_while(
    settings: Settings, host: str, port: int, work: Callable[[], Awaitable[Any]], *, once: bool
) -> None:
    _check_port(host, port)
    config = uvicorn.Config(
        create_app(settings, with_scheduler=not once),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            raise ConfigError(f"the server on {host}:{port} stopped while starting; see above")
        await asyncio.sleep(0.05)
    try:
        await work()
        if not once:
            await serving
    finally:
        server.should_exit = True
        await serving


async def run_demo(
    settings: Settings,
    host: str,
    port: int,
    *,
    once: bool,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
    console: Console | None = None,
    with_ldap: bool = False,
) -> None:
    """Run the seed scenario; with ``once`` exit afterwards, else keep serving (Ctrl+C stops).

    ``on_ready`` receives the walkthrough's facts (tenant URL, token, each step) at the end.
    ``with_ldap`` feeds the directory from a local slapd (see ``scimitar.demo_ldap``).
    """
    say = _Narrator(console or Console(highlight=False, soft_wrap=True))
    settings = demo_settings(settings)
    origin = f"http://{host}:{port}"
    ldap = LDAPDemo(settings.data_dir / "slapd") if with_ldap else None
    if ldap is not None:
        ldap.start()
    try:
        await _run(settings, host, port, once, say, origin, ldap, on_ready)
    finally:
        if ldap is not None:
            ldap.stop()


async def _run(
    settings: Settings,
    host: str,
    port: int,
    once: bool,
    say: _Narrator,
    origin: str,
    ldap: LDAPDemo | None,
    on_ready: Callable[[dict[str, Any]], None] | None,
) -> None:
    database = await open_database(settings)

    async def work() -> None:
        say.console.print(f"[bold]Scimitar demo[/] serving on {origin}; store {settings.data_dir}")
        try:
            await _walkthrough(database, settings, origin, say, ldap)
            password = await _portal_password(database)
        finally:
            await database.dispose()
        say.facts["url"] = origin
        say.facts["portal"] = {"url": f"{origin}/portal/", "password": password}
        if on_ready is not None:
            on_ready(say.facts)
        data_dir = settings.data_dir.resolve()
        command, activate = command_hint()
        say.facts["dataDir"] = str(data_dir)
        say.console.print(
            f"\nIts data lives in {data_dir} (the store and its key; the next demo wipes it)."
        )
        say.console.print(
            f"Look around: SCIMITAR_DATA_DIR={data_dir} {command} logs "
            f"'{APP_NAME}' (or app status, directory user list ...)",
            markup=False,
        )
        if activate is not None:
            say.console.print(f"  ({activate})", markup=False)
        say.console.print(
            f"Try next: SCIMITAR_DATA_DIR={data_dir} {command} app plan "
            f"'{APP_NAME}' shows what the next cycle would send, writing nothing.",
            markup=False,
        )
        if not once:
            say.console.print(
                "Serving, with cycles every 5 minutes, until you stop it with Ctrl+C."
            )
            say.console.print(
                f"\n[bold]Portal:[/] {origin}/portal/\n"
                f"  Sign in with the admin password [bold]{password}[/] (made for this demo's "
                "own store; `scimitar admin set-password` changes it)"
            )

    await _serve_while(settings, host, port, work, once=once)
