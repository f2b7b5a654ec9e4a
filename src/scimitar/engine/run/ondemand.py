"""Provision on demand: one user, or one group with up to five members, now (docs/entra.md §3.8).

The same pipeline as a cycle — import → scope → match → action — for the objects asked for,
outside the schedule: the same pure planning (:func:`~scimitar.engine.run.objects.prepare_user`),
the same export (:func:`~scimitar.engine.run.objects.execute`), the same links and provisioning
log records written in one transaction, marked as initiated on demand and carrying the run's
own cycle id. Test Connection runs first and shows only when it fails. The run holds the app's
job (:mod:`scimitar.engine.run.ondemand_lease`), so it never writes links beside a cycle.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from scimitar.apps import Apps, JobConfig, PrincipalType
from scimitar.clock import utcnow
from scimitar.connector.client import SCIMClient
from scimitar.connector.operations import TargetOperations
from scimitar.connector.probe import ConnectionTest, probe_connection
from scimitar.connector.ratelimit import Throttle
from scimitar.directory.model import Group, ObjectType, User
from scimitar.directory.service import DirectoryService
from scimitar.engine.core.records import Initiator, ProvisioningRecord
from scimitar.engine.run.context import CycleContext, build_context
from scimitar.engine.run.memberships import export_manager, export_member_subset, manager_path
from scimitar.engine.run.objects import Outcome, execute, failed, prepare_group, prepare_user
from scimitar.engine.run.ondemand_lease import ensure_held, hold
from scimitar.engine.run.ondemand_port import RecordingPort
from scimitar.engine.run.ondemand_trace import (
    ObjectTrace,
    OnDemandTrace,
    StepName,
    TraceStep,
    action_step,
    connection_step,
    import_step,
    match_step,
    reference_step,
    scope_step,
)
from scimitar.engine.run.runstate import first
from scimitar.engine.run.service import DEFAULT_CONCURRENCY
from scimitar.engine.state.learned import LearnedQuirks
from scimitar.engine.state.linkstore import LinkChange, load_links, save_links, target_ids
from scimitar.engine.state.logstore import ProvisioningLogStore
from scimitar.engine.state.registry import JobRegistry
from scimitar.engine.state.work import Prepared, TargetPort
from scimitar.errors import ConfigError, JobError
from scimitar.store import Database

__all__ = ["GROUP_MEMBERS_MAX", "OnDemandProvisioner", "TooManyMembersError"]

#: Entra provisions a group on demand with at most five members (docs/entra.md §3.8).
GROUP_MEMBERS_MAX = 5
#: Members named in the "too many members" message, so the admin can pick.
_MEMBERS_LISTED = 20


class TooManyMembersError(ConfigError):
    """A group on demand with more than :data:`GROUP_MEMBERS_MAX` members."""


@dataclass
class _Run:
    """One on-demand run in progress."""

    ctx: CycleContext
    port: TargetPort
    cycle_id: str
    initiator: Initiator


class OnDemandProvisioner:
    """Runs the provisioning pipeline for chosen objects now and traces every step.

    Args:
        database: The store.
        apps: The apps services (configuration, assignments, credentials).
        jobs: What this process runs (the process's one registry).
        directory: The source directory (defaults to Scimitar's own over ``database``).
        wait_seconds: How long to wait for a running cycle of the app to end.
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        *,
        jobs: JobRegistry,
        directory: DirectoryService | None = None,
        wait_seconds: float = 10.0,
    ) -> None:
        self._db = database
        self._jobs = jobs
        self._apps = apps
        self._directory = directory or DirectoryService(database)
        self._wait = wait_seconds
        self._logs = ProvisioningLogStore(database)

    async def provision_user(
        self, app_key: str, user_key: str, *, initiator: Initiator | None = None
    ) -> OnDemandTrace:
        """Provision one user (userPrincipalName or objectId) now.

        Raises:
            NotFoundError: No such app or user.
            ConfigError: The app has no credentials or does not provision users.
            JobBusyError: A cycle of the app is running and did not end in time.
        """
        config = await self._apps.provisioning.config(app_key)
        user = await self._directory.users.get(user_key)
        return await self._run(config, initiator, user, None, [])

    async def provision_group(
        self,
        app_key: str,
        group_key: str,
        members: Sequence[str] = (),
        *,
        initiator: Initiator | None = None,
    ) -> OnDemandTrace:
        """Provision one group (displayName or objectId) and up to five members now.

        Args:
            app_key: The app's name or id.
            group_key: The group.
            members: Members' UPNs or objectIds to provision with it; all of its direct user
                members when empty (then it may have at most five).
            initiator: Who asked, for the log.

        Raises:
            NotFoundError: No such app, group or member.
            TooManyMembersError: More than five members.
            ConfigError: A named user is not a direct member, or the app does not provision
                groups.
        """
        config = await self._apps.provisioning.config(app_key)
        group = await self._directory.groups.get(group_key)
        chosen = await self._members(config, group, members)
        return await self._run(config, initiator, None, group, chosen)

    async def _members(self, config: JobConfig, group: Group, keys: Sequence[str]) -> list[User]:
        name = str(group.attributes.get("displayName") or group.object_id)
        direct = [m.object_id for m in group.members if m.object_type is ObjectType.USER]
        if not keys:
            if len(direct) > GROUP_MEMBERS_MAX:
                raise await self._too_many(config, name, direct)
            found = await self._directory.source.get_users(direct)
            return [found[m] for m in direct if m in found]
        if len(keys) > GROUP_MEMBERS_MAX:
            raise TooManyMembersError(
                f"{len(keys)} members were named for group {name!r}; provision on demand takes "
                f"at most {GROUP_MEMBERS_MAX} (Entra's limit): name up to {GROUP_MEMBERS_MAX} "
                "with --member"
            )
        chosen: list[User] = []
        for key in dict.fromkeys(keys):
            user = await self._directory.users.get(key)
            if user.object_id not in direct:
                raise ConfigError(
                    f"user {key} is not a direct member of group {name!r}; choose members with "
                    f"`scimitar directory group show {name!r}` (nested groups are not expanded)"
                )
            chosen.append(user)
        return chosen

    async def _too_many(
        self, config: JobConfig, name: str, direct: list[str]
    ) -> TooManyMembersError:
        found = await self._directory.source.get_users(direct[:_MEMBERS_LISTED])
        upns = sorted(str(found[m].attributes.get("userPrincipalName") or m) for m in found)
        more = len(direct) - len(upns)
        listed = ", ".join(upns) + (f" and {more} more" if more > 0 else "")
        return TooManyMembersError(
            f"group {name!r} has {len(direct)} direct members, but provision on demand handles "
            f"a group with at most {GROUP_MEMBERS_MAX} (Entra's limit). Choose up to "
            f"{GROUP_MEMBERS_MAX} of them with --member UPN (repeat the option), e.g. "
            f"`scimitar app provision {config.app.name} --group {name!r} --member "
            f"{upns[0] if upns else 'UPN'}`; its members: {listed}. The whole group is "
            "provisioned by the next cycle."
        )

    async def _run(
        self,
        config: JobConfig,
        initiator: Initiator | None,
        user: User | None,
        group: Group | None,
        members: Sequence[User],
    ) -> OnDemandTrace:
        ctx = await self._context(config)
        for object_type in ("User", "Group") if group is not None else ("User",):
            if not ctx.handles(object_type):
                raise ConfigError(
                    f"app {config.app.name!r} does not provision {object_type.lower()}s; turn "
                    f"its {object_type} mapping on to provision them"
                )
        credentials = await self._apps.provisioning.credentials(config.app.id)
        started, clock = utcnow(), time.monotonic()
        async with (
            hold(self._db, ctx.app_id, config.app.name, self._jobs, wait=self._wait) as cycle_id,
            self._apps.provisioning.client(credentials) as client,
        ):
            test = await self._test_connection(ctx, client)
            if not test.is_ok:
                return self._trace(ctx, cycle_id, started, clock, connection_step(test), ())
            await ensure_held(self._db, ctx.app_id, config.app.name, cycle_id)
            throttle = Throttle.for_limits(
                config.template.document.rate_limits, concurrency=DEFAULT_CONCURRENCY
            )
            port = TargetOperations(client, ctx.options, throttle=throttle)
            run = _Run(ctx, port, cycle_id, initiator or Initiator("scimitar", "application"))
            if user is not None:
                objects = await self._user(run, user, "subject")
            else:
                assert group is not None  # noqa: S101 - a run is for a user or a group
                objects = await self._group(run, group, members)
        return self._trace(ctx, cycle_id, started, clock, None, tuple(objects))

    @staticmethod
    def _trace(
        ctx: CycleContext,
        cycle_id: str,
        started: datetime,
        clock: float,
        connection: TraceStep | None,
        objects: tuple[ObjectTrace, ...],
    ) -> OnDemandTrace:
        return OnDemandTrace(
            ctx.app_id,
            ctx.config.app.name,
            cycle_id,
            started,
            int((time.monotonic() - clock) * 1000),
            connection,
            objects,
        )

    async def _context(self, config: JobConfig) -> CycleContext:
        roles = await self._apps.assignments.effective_roles(
            config.app, nested=config.settings.nested_groups
        )
        listed = await self._apps.assignments.list(config.app.id)
        groups = frozenset(
            a.principal_id for a in listed if a.principal_type is PrincipalType.GROUP
        )
        learned = await LearnedQuirks.load(self._db, config.app.id)
        return build_context(config, roles, groups, learned)

    @staticmethod
    async def _test_connection(ctx: CycleContext, client: SCIMClient) -> ConnectionTest:
        """Entra's probe, as at the start of every cycle (docs/entra.md §1.3), groups when
        provisioned."""
        matching = ctx.mappings["User"].mapping_set.matching_mappings
        attribute = matching[0].target if matching else "userName"
        return await probe_connection(
            client, user_attribute=attribute, include_groups=ctx.handles("Group")
        )

    async def _user(self, run: _Run, user: User, role: str) -> list[ObjectTrace]:
        async with self._db.read() as conn:
            link = (await load_links(conn, run.ctx.app_id, "User", [user.object_id])).get(
                user.object_id
            )
        change_id = f"{run.cycle_id}:{user.object_id}"
        prepared = prepare_user(run.ctx, user.object_id, user, link, None, change_id)
        traced = [await self._object(run, prepared, user.to_attributes(), role)]
        if traced[0].result != "failure":
            manager = await self._manager(run, prepared)
            traced.extend([manager] if manager is not None else [])
        return traced

    async def _manager(self, run: _Run, prepared: Prepared) -> ObjectTrace | None:
        """The user's manager, as a cycle's reference phase sends it (docs/entra.md §2.7)."""
        path = manager_path(run.ctx)
        if path is None or prepared.result is None:
            return None
        manager = first(prepared.result.references.get(path))
        source_id = prepared.source_id
        async with self._db.read() as conn:
            link = (await load_links(conn, run.ctx.app_id, "User", [source_id])).get(source_id)
            managers = await target_ids(conn, run.ctx.app_id, "User", [manager] if manager else [])
        if link is None or link.disabled is not None:
            return None
        recorder = RecordingPort(run.port)
        subject = (source_id, prepared.display, link, manager)
        done = await export_manager(run.ctx, recorder, run.cycle_id, utcnow(), [subject], managers)
        if not done and not (manager and manager not in managers):
            return None  # the manager in the app is already right
        record = await self._persist(run, done[0]) if done else None
        reason = await self._unprovisioned_manager(manager)
        step = reference_step(StepName.MANAGER, record, recorder.writes, reason)
        return ObjectTrace("User", source_id, prepared.display, "manager", (step,), record)

    async def _group(self, run: _Run, group: Group, members: Sequence[User]) -> list[ObjectTrace]:
        async with self._db.read() as conn:
            link = (await load_links(conn, run.ctx.app_id, "Group", [group.object_id])).get(
                group.object_id
            )
        change_id = f"{run.cycle_id}:{group.object_id}"
        prepared = prepare_group(run.ctx, group.object_id, group, link, None, change_id)
        attributes = {
            **group.attributes,
            "objectId": group.object_id,
            "isSoftDeleted": group.deleted_at is not None,
        }
        traces = [await self._object(run, prepared, attributes, "subject")]
        for member in members:
            traces.extend(await self._user(run, member, "member"))
        traces.append(await self._memberships(run, group, members))
        return traces

    async def _object(
        self, run: _Run, prepared: Prepared, attributes: dict[str, object], role: str
    ) -> ObjectTrace:
        recorder = RecordingPort(run.port)
        link = prepared.link
        now = utcnow()
        try:
            outcome = await execute(run.ctx, recorder, prepared, run.cycle_id, now)
        except JobError as exc:
            # A cycle stops here; on demand, the object's record says what the app refused.
            outcome = failed(prepared, run.ctx.app_id, run.cycle_id, now, exc)
        record = await self._persist(run, outcome)
        filters = run.ctx.mappings[prepared.object_type].mapping_set.scoping_filters
        steps = (
            import_step(prepared.object_type, prepared.source_id, prepared.display, attributes),
            scope_step(prepared.object_type, prepared.scope, filters, attributes),
            match_step(prepared.object_type, link, recorder.queries),
            action_step(record, recorder.writes),
        )
        return ObjectTrace(
            prepared.object_type, prepared.source_id, prepared.display, role, steps, record
        )

    async def _unprovisioned_manager(self, manager: str | None) -> str:
        found = await self._directory.source.get_user(manager) if manager else None
        name = str(found.attributes.get("userPrincipalName")) if found else manager
        return (
            f"The manager {name} is not provisioned in the app, so the reference is left out; "
            "provision the manager first (a restart also sets it), as Entra does."
        )

    async def _memberships(self, run: _Run, group: Group, members: Sequence[User]) -> ObjectTrace:
        name = str(group.attributes.get("displayName") or group.object_id)
        ids = [m.object_id for m in members]
        async with self._db.read() as conn:
            link = (await load_links(conn, run.ctx.app_id, "Group", [group.object_id])).get(
                group.object_id
            )
            user_links = await load_links(conn, run.ctx.app_id, "User", ids)
        recorder = RecordingPort(run.port)
        outcome = None
        if link is None or link.disabled is not None:
            reason = "The group is not provisioned in the app, so no membership is sent."
        else:
            reason = "The chosen members are already members of the group in the app."
            outcome = await export_member_subset(
                run.ctx, recorder, run.cycle_id, utcnow(), group.object_id, link, ids, user_links
            )
        record = None if outcome is None else await self._persist(run, outcome)
        step = reference_step(StepName.MEMBERSHIP, record, recorder.writes, reason)
        return ObjectTrace("Group", group.object_id, name, "membership", (step,), record)

    async def _persist(self, run: _Run, outcome: Outcome) -> ProvisioningRecord:
        record = replace(outcome.record, initiated_by=run.initiator)
        changes: list[LinkChange] = [outcome.link_change] if outcome.link_change else []
        async with self._db.write() as conn:
            await save_links(conn, run.ctx.app_id, changes)
            await self._logs.append(run.ctx.app_id, [(outcome.object_type, record)], conn=conn)
        return record
