"""Running a cycle: import → scope → match → diff → export → references, a page at a time.

Initial cycles read the whole directory; incremental ones read the change feed after the
watermark, plus the users whose assignments changed. Each page is sent, then its links, log
records, counts and resume point are written in one transaction, so a process killed at any
point resumes from its last completed page and creates nothing twice (docs/architecture.md,
"Resume points").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import datetime
from typing import Any

import structlog

from scimitar import metrics
from scimitar.apps import Apps
from scimitar.apps.model import JobConfig
from scimitar.clock import utcnow
from scimitar.directory.model import Group, ObjectType, User
from scimitar.directory.nesting import flatten_groups, widen_for_nesting
from scimitar.directory.source import ChangeKind, SourceDirectory
from scimitar.engine.core.deletions import DeletionCounter
from scimitar.engine.core.events import EventSink, LogSink
from scimitar.engine.core.records import Trigger
from scimitar.engine.core.resume import CycleKind, Phase, ResumeState, UserOrder
from scimitar.engine.run import managerorder, ondemand_lease
from scimitar.engine.run.admission import (
    Admission,
    CycleBusyError,
    Refusal,
    Surface,
    admit,
    busy_error,
)
from scimitar.engine.run.batch import execute_page
from scimitar.engine.run.context import CycleContext, build_context
from scimitar.engine.run.followups import (
    changes_membership,
    export_touched_memberships,
    scope_candidates,
    touched_memberships,
)
from scimitar.engine.run.groupphase import GroupPhase
from scimitar.engine.run.guard import CyclePausedError, JobGuard
from scimitar.engine.run.matchchoice import matching_port
from scimitar.engine.run.memberships import (
    export_manager,
    manager_path,
    managers_from_directory,
)
from scimitar.engine.run.objects import (
    Outcome,
    Prepared,
    TargetPort,
    execute,
    is_settled_revisit,
    prepare_user,
)
from scimitar.engine.run.revisit import Revisit, release_staged, retry_escrows, sweep_gone
from scimitar.engine.run.runstate import (
    CycleSummary,
    Progress,
    Run,
    chunks,
    first,
)
from scimitar.engine.state import jobstate
from scimitar.engine.state.applied import note_applied
from scimitar.engine.state.learned import LearnedQuirks
from scimitar.engine.state.linkstore import LinkChange, load_links, save_links, target_ids
from scimitar.engine.state.logstore import ProvisioningLogStore, retention_cutoff
from scimitar.engine.state.registry import JobRegistry
from scimitar.errors import JobError, RetryableError
from scimitar.store import Database

__all__ = ["CycleBusyError", "CycleRunner", "CycleSummary", "PortFactory", "Progress"]

#: Pages of an initial cycle's users sent and not yet saved: while the app works on them the
#: engine reads and prepares the next one, so neither side waits for the other.
_USER_PAGES_IN_FLIGHT = 3


#: What refuses a cycle before it waits for a provisioning on demand to end.
_BEFORE_ONDEMAND = frozenset(Refusal) - {Refusal.BUSY}
#: A plan shows what turning provisioning on would do: only the other refusals stop it.
_REHEARSAL_REFUSALS = frozenset(Refusal) - {Refusal.PROVISIONING_OFF}

PortFactory = Callable[[JobConfig], AbstractAsyncContextManager[TargetPort]]


class CycleRunner:
    """Runs provisioning cycles for apps.

    Args:
        database: The store.
        apps: The apps services (configuration, assignments).
        directory: The source directory.
        port_factory: Opens the app's SCIM operations for a job (an async context manager).
        jobs: The cycles this process runs (the process's one registry).
        page_size: Objects per page.
        on_progress: Called after every page.
        log_retention_days: Provisioning log records older than this are purged.
        events: Where the cycle's events go (failed cycles, quarantine, held deletions).
        clock: The current UTC time for schedules (escrow retries, quarantine); injectable.
        trigger: What runs the cycles: the schedule or an admin (``cycle``), or a change
            signal (``realtime``); their cycles and log records say so.
    """

    def __init__(
        self,
        database: Database,
        apps: Apps,
        directory: SourceDirectory,
        port_factory: PortFactory,
        *,
        jobs: JobRegistry,
        page_size: int = 500,
        on_progress: Callable[[Progress], None] | None = None,
        log_retention_days: int = 30,
        events: EventSink | None = None,
        clock: Callable[[], datetime] = utcnow,
        trigger: Trigger = Trigger.CYCLE,
    ) -> None:
        self._db = database
        self._jobs = jobs
        self._trigger = trigger
        self._clock = clock
        self._events: EventSink = events if events is not None else LogSink()
        self._apps = apps
        self._directory = directory
        self._port_factory = port_factory
        self._page_size = page_size
        self._on_progress = on_progress
        self._logs = ProvisioningLogStore(database)
        self._retention_days = log_retention_days
        self._guard = JobGuard(database, apps, self._events, clock)
        self._groups = GroupPhase(database, directory, self._export, self._persist, page_size)
        self._revisit = Revisit(database, directory, page_size, self._users_page, self._groups_page)

    async def run(
        self, app_key: str, *, force_initial: bool = False, force_deletes: bool = False
    ) -> CycleSummary:
        """Run one cycle now (resuming an interrupted or paused one first).

        With ``force_deletes`` (Graph ``ForceDeletes``) the held deletions are re-planned and
        sent first, and the cycle's deletions are not counted against the threshold.

        Raises:
            ConfigError: Provisioning is off, the job is paused, it holds deletions (without
                ``force_deletes``), or it is not configured.
            JobError: The app refused the job as a whole; the cycle is marked failed.
        """
        config = await self._apps.provisioning.config(app_key)
        admission = await admit(self._db, config, self._jobs, force_deletes=force_deletes)
        admission.raise_if_refused(Surface.CLI, considering=_BEFORE_ONDEMAND)
        # A provisioning on demand holds the job for seconds: wait for it, then look again.
        await ondemand_lease.settle(self._db, config.app.id, config.app.name, self._jobs)
        admission = await admit(self._db, config, self._jobs, force_deletes=force_deletes)
        admission.raise_if_refused(Surface.CLI)
        app_id = config.app.id
        if not self._jobs.claim(app_id):  # another task of this process claimed it meanwhile
            raise busy_error(config, None, Surface.CLI)
        try:
            return await self._run(admission, force_initial, force_deletes)
        finally:
            self._jobs.release(app_id)

    async def rehearse(
        self, app_key: str, *, force_initial: bool = False, surface: Surface = Surface.CLI
    ) -> CycleSummary:
        """Run the next cycle as :meth:`run` would, for a plan (:mod:`scimitar.engine.run.preview`).

        Only over a store and a port that keep nothing (a rehearsal): provisioning may be off,
        and the cycle claims no place among this process's running cycles.
        """
        config = await self._apps.provisioning.config(app_key)
        admission = await admit(self._db, config, self._jobs)
        admission.raise_if_refused(surface, considering=_REHEARSAL_REFUSALS)
        return await self._run(admission, force_initial, False, is_rehearsal=True)

    async def _run(
        self,
        admission: Admission,
        force_initial: bool,
        force_deletes: bool,
        *,
        is_rehearsal: bool = False,
    ) -> CycleSummary:
        config = admission.config
        read_at = utcnow()  # before the assignments are read: later scope changes are the next's
        ctx = await self._context(config)
        if admission.is_reenabled:
            # Provisioning was turned back on by hand after the 28-day disable.
            await self._guard.release(
                ctx.app_id, config.app.name, details="provisioning was turned back on"
            )
        state = admission.state
        cycle, resume = await self._cycle(ctx, state, force_initial, read_at)
        if not is_rehearsal:
            self._jobs.started(ctx.app_id, cycle.id)
        async with self._port_factory(config) as port:
            run = Run(
                ctx,
                port,
                cycle,
                Progress(cycle.id, cycle.kind),
                resume,
                DeletionCounter(config.settings.delete_threshold, force_deletes),
                is_resumed=cycle.id == state.current_cycle_id,
                force_deletes=force_deletes,
            )
            # Every developer log line of the cycle names its app and cycle.
            with structlog.contextvars.bound_contextvars(app=config.app.name, cycle_id=cycle.id):
                if is_rehearsal:
                    return await self._guarded(run, state)
                return await _measured(config.app.name, cycle.kind, self._guarded(run, state))

    async def _context(self, config: JobConfig) -> CycleContext:
        roles = await self._apps.assignments.effective_roles(
            config.app, nested=config.settings.nested_groups
        )
        # Only the assigned groups' ids: listing the assignments with their names read every
        # assigned user's attributes (0.23 s of a 0.4 s incremental run at 3,000 users).
        groups = await self._apps.assignments.group_ids(config.app)
        learned = await LearnedQuirks.load(self._db, config.app.id)
        return build_context(config, roles, groups, learned)

    async def _cycle(
        self, ctx: CycleContext, state: jobstate.JobState, force_initial: bool, read_at: datetime
    ) -> tuple[jobstate.CycleRow, ResumeState]:
        interrupted = await jobstate.running_cycle(self._db, state.current_cycle_id)
        is_paused = interrupted is not None and interrupted.status == "paused"
        is_alive = jobstate.is_owner_alive(state, utcnow(), self._jobs)
        if interrupted is not None and not is_paused and is_alive:
            raise busy_error(ctx.config, interrupted, Surface.CLI)
        if interrupted is not None and state.resume is not None:
            if is_paused:
                await jobstate.resume_cycle(self._db, ctx.app_id, interrupted)
            return interrupted, state.resume.moved(owner=jobstate.owner())
        is_initial = force_initial or ctx.config.needs_initial_cycle or state.watermark is None
        if is_initial:
            resume = ResumeState(
                CycleKind.INITIAL,
                Phase.USERS,
                watermark=await self._directory.current_watermark(),
                order=UserOrder(self._user_order(ctx)),
                owner=jobstate.owner(),
            )
        else:
            resume = ResumeState(
                CycleKind.INCREMENTAL,
                Phase.CHANGES,
                watermark=state.watermark,
                start=state.watermark,
                since=await jobstate.last_cycle_start(self._db, ctx.app_id),
                owner=jobstate.owner(),
            )
        cycle = await jobstate.start_cycle(
            self._db, ctx.app_id, resume, started_at=read_at, trigger=self._trigger.value
        )
        if is_initial:
            await self._apps.provisioning.mark_cycle_started(ctx.config.app, is_initial=True)
        return cycle, resume

    def _user_order(self, ctx: CycleContext) -> UserOrder:
        """How a new initial cycle reads its users (kept in its resume point)."""
        return UserOrder.MANAGERS if managerorder.orders_by_manager(ctx) else UserOrder.ID

    async def _guarded(self, run: Run, state: jobstate.JobState) -> CycleSummary:
        started = time.monotonic()
        await self._guard.prepare(run)
        try:
            if run.force_deletes:
                await release_staged(run, self._revisit, self._db)
            watermark = await (
                self._initial(run) if run.cycle.kind == "initial" else self._incremental(run)
            )
        except CyclePausedError:
            await jobstate.pause_cycle(self._db, run.cycle, run.progress.to_dict())
            return run.summary("paused", started)
        except (JobError, RetryableError) as exc:
            # An outage that outlasted its retries ends the cycle like a refusal, but only a
            # refusal quarantines: the next cycle comes at the interval (docs/provisioning.md).
            await jobstate.finish_cycle(
                self._db, run.ctx.app_id, run.cycle, status="failed", watermark=None, error=str(exc)
            )
            is_refused = isinstance(exc, JobError)
            await (self._guard.failed if is_refused else self._guard.cycle_failed)(run, str(exc))
            raise
        failures = run.cycle.counts.get("failure", 0)
        await self._logs.purge(retention_cutoff(self._retention_days), app_id=run.ctx.app_id)
        await jobstate.finish_cycle(
            self._db,
            run.ctx.app_id,
            run.cycle,
            status="succeeded",
            watermark=watermark,
            is_steady=failures == 0,
        )
        await note_applied(self._db, run.ctx.app_id, watermark, utcnow())
        await self._guard.succeeded(run)
        return run.summary("succeeded", started)

    # -- initial cycle -------------------------------------------------------------------

    async def _initial(self, run: Run) -> str:
        users, groups = await self._directory.count_objects()
        app = run.port
        run.port, choices = await matching_port(run.ctx, app, {"User": users, "Group": groups})
        # Before matching: an app ignoring a filter would make matching create duplicates. An
        # app known to hold no object of a type, or a type with nothing in scope, has nothing
        # to duplicate.
        empty = {c.object_type for c in choices if c.target_total == 0 or c.in_scope == 0}
        mappings = {t: m for t, m in run.ctx.mappings.items() if t not in empty}
        await run.ctx.filters.check_all(app, mappings)
        run.progress.matching = {c.object_type: c.method.value for c in choices}
        run.progress.total = users + (groups if run.ctx.handles("Group") else 0)
        if run.resume.phase is Phase.USERS:
            await self._all_users(run)
            run.resume = run.resume.moved(phase=Phase.GROUPS, cursor=None)
        if run.resume.phase is Phase.GROUPS:
            if run.ctx.handles("Group"):
                await self._groups.all_groups(run)
            run.resume = run.resume.moved(phase=Phase.GONE, cursor=None)
        if run.resume.phase is Phase.GONE:
            run.progress.phase = "gone"
            await sweep_gone(run, self._revisit, self._db, self._directory, self._page_size)
        run.resume = run.resume.moved(phase=Phase.REFERENCES, cursor=None)
        if run.is_resumed:
            await self._managers_from_directory(run)
        await self._managers(run)
        return str(run.resume.watermark)

    async def _managers_from_directory(self, run: Run) -> None:
        """After a resume the earlier pages' references are not in memory: map users again."""
        run.managers[:] = await managers_from_directory(run.ctx, self._directory, self._page_size)

    async def _all_users(self, run: Run) -> None:
        """Every user in objectId order, a page at a time, several pages in flight.

        While the app works on the pages in flight, the engine reads and prepares the next, so
        the engine's and the app's work overlap (in manager order where creates can carry the
        manager: :mod:`scimitar.engine.run.managerorder`). Pages are saved strictly in order, each
        with
        the cursor after it in the same transaction, so a kill at any point resumes from the
        last saved page and creates nothing twice. Reading in objectId order makes the links
        (keyed by source id) and the app's ``externalId`` index grow at one end rather than at
        random places. A cycle started by an earlier version (no ``order`` in its resume state)
        goes on in the order it began with.
        """
        ahead = managerorder.managers_ahead(self._db, run)
        pages = managerorder.user_pages(self._directory, run.resume, self._page_size)
        pending: list[tuple[asyncio.Future[list[Outcome]], str | None]] = []
        try:
            async for users, cursor in pages:
                if ahead is not None:
                    ahead.register(users)
                sending = asyncio.ensure_future(self._send_users(run, users, {}, ahead))
                pending.append((sending, cursor))
                while pending and (len(pending) >= _USER_PAGES_IN_FLIGHT or cursor is None):
                    sent, after = pending.pop(0)
                    try:
                        outcomes = await sent
                        await self._save_users(run, outcomes, after)
                    except CyclePausedError:
                        await self._drain(run, pending)
                        raise
                    if ahead is not None:
                        ahead.saved_page()
        finally:
            for sent, _after in pending:
                sent.cancel()

    async def _drain(
        self, run: Run, pending: list[tuple[asyncio.Future[list[Outcome]], str | None]]
    ) -> None:
        """On a pause, let the page already in flight finish and save it too."""
        run.is_draining = True
        while pending:
            sent, after = pending.pop(0)
            await self._save_users(run, await sent, after)

    async def _save_users(self, run: Run, outcomes: list[Outcome], cursor: str | None) -> None:
        run.resume = run.resume.moved(cursor=cursor)
        await self._persist(run, outcomes, "users")

    # -- incremental cycle ---------------------------------------------------------------

    async def _incremental(self, run: Run) -> str:
        watermark = run.resume.watermark
        if run.resume.start is None:  # a cycle begun before ``start`` was kept replays nothing
            run.resume = run.resume.moved(start=watermark)
        if run.is_resumed:
            changed = await self._logs.changed_in_cycle(run.ctx.app_id, run.cycle.id, "User")
            run.touch_users(changed, before_this_run=True)
            await self._replay(run, run.resume.start, watermark)
        await self._assignment_changes(run)
        while True:
            page = await self._directory.read_changes(watermark, self._page_size)
            await self._changes_page(run, page.changes)
            watermark = page.watermark
            run.resume = run.resume.moved(watermark=watermark)
            await self._persist(run, [], "changes")
            if not page.has_more:
                break
        await retry_escrows(run, self._revisit, self._db, self._clock())
        await self._groups_of_touched_users(run)
        await self._managers(run)
        return str(watermark)

    async def _replay(self, run: Run, start: str | None, upto: str | None) -> None:
        """After a kill, read again the changes this cycle had already sent.

        Their objects are linked and current, so nothing is sent for them again (they log as
        skips); reading them restores what the cycle keeps in memory for its last phases —
        the users whose managers it must still bring in line, and the groups already brought
        in line whole. The users whose links the killed run changed (so whose groups must
        follow) come from the cycle's log records, which committed with those links.
        """
        watermark = start
        while watermark != upto:
            page = await self._directory.read_changes(watermark, self._page_size)
            if not page.changes:
                return
            await self._changes_page(run, page.changes)
            watermark = page.watermark
            if not page.has_more:
                return

    async def _assignment_changes(self, run: Run) -> None:
        """Users and groups whose scope changed without a directory change (assign, unassign).

        Users first, so a group that enters scope finds its members linked.
        """
        users, groups = await scope_candidates(self._db, self._directory, run)
        run.progress.phase = "assignments"
        keys = [("User", u) for u in users] + [("Group", g) for g in groups]
        await self._revisit.objects(run, keys, {})

    async def _changes_page(self, run: Run, changes: Sequence[Any]) -> None:
        users: dict[str, ChangeKind] = {}
        groups: dict[str, ChangeKind] = {}
        for change in changes:
            if change.object_type is ObjectType.USER:
                users[change.object_id] = change.kind
            else:
                groups[change.object_id] = change.kind
                if change.member_id and change.member_type is ObjectType.USER:
                    users.setdefault(change.member_id, ChangeKind.UPDATED)
        if run.ctx.is_flattening:
            await widen_for_nesting(self._db, changes, users, groups)
        if users:
            found = await self._directory.get_users(list(users))
            await self._users_page(run, dict(found), users)
        if groups and run.ctx.handles("Group"):
            found_groups = {g: await self._directory.get_group(g) for g in groups}
            present = {k: v for k, v in found_groups.items() if v is not None}
            if run.ctx.is_flattening:
                async with self._db.read() as conn:
                    present = await flatten_groups(conn, present)
            await self._groups_page(run, present, groups)

    async def _groups_of_touched_users(self, run: Run) -> None:
        """Membership of changed users in groups not brought in line whole since they changed."""
        by_group = await touched_memberships(self._db, run)
        for chunk in chunks(sorted(by_group), self._page_size):
            groups = {g: by_group[g] for g in chunk}
            outcomes = await export_touched_memberships(self._db, run, groups)
            await self._persist(run, outcomes, "references")

    # -- pages ---------------------------------------------------------------------------

    async def _users_page(
        self, run: Run, users: Mapping[str, User], kinds: Mapping[str, ChangeKind | None]
    ) -> None:
        outcomes = await self._send_users(run, users, kinds)
        await self._persist(run, outcomes, run.progress.phase)

    async def _send_users(
        self,
        run: Run,
        users: Mapping[str, User],
        kinds: Mapping[str, ChangeKind | None],
        ahead: managerorder.ManagersAhead | None = None,
    ) -> list[Outcome]:
        """Plan and send one page of users; returns the outcomes, not yet saved."""
        ids = run.first_visits(list(dict.fromkeys([*users, *kinds])))
        async with self._db.fast_read() as conn:
            links = await load_links(conn, run.ctx.app_id, "User", ids)
        prepared: list[Prepared] = []
        for source_id in ids:
            user = users.get(source_id)
            if user is None and source_id not in links:
                continue
            kind = kinds.get(source_id)
            change_id = f"{run.cycle.id}:{source_id}"
            item = prepare_user(run.ctx, source_id, user, links.get(source_id), kind, change_id)
            if run.cycle.kind != "incremental" or not is_settled_revisit(item):
                prepared.append(item)
        path = manager_path(run.ctx)
        if ahead is not None and path is not None:
            run.admit(prepared)
            outcomes = await managerorder.export_with_managers(run, ahead, prepared, path)
        else:
            outcomes = await self._export(run, prepared)
        run.touch_users(o.source_id for o in outcomes if changes_membership(o, links))
        for outcome in outcomes:
            if outcome.is_mapped and path is not None and outcome.count != "failure":
                if managerorder.carried_manager(outcome):
                    continue  # its create set the manager: the reference phase has nothing to do
                upn = users[outcome.source_id].attributes.get("userPrincipalName")
                manager = first(outcome.references.get(path))
                run.managers.append((outcome.source_id, str(upn or outcome.source_id), manager))
        return outcomes

    async def _groups_page(
        self, run: Run, groups: Mapping[str, Group], kinds: Mapping[str, ChangeKind]
    ) -> None:
        await self._groups.page(run, groups, kinds)

    async def _managers(self, run: Run) -> None:
        # Every in-scope user this cycle read, not only those with other changes: a manager
        # change alone leaves the user's own attributes as they were. Unchanged managers send
        # nothing; users out of scope are not here at all (see ``Outcome.is_mapped``).
        if not run.managers:
            return
        run.progress.phase = "references"
        for chunk in chunks(run.managers, self._page_size):
            ids = [s for s, _u, _m in chunk]
            async with self._db.fast_read() as conn:
                links = await load_links(conn, run.ctx.app_id, "User", ids)
                managers = await target_ids(
                    conn, run.ctx.app_id, "User", [m for _s, _u, m in chunk if m]
                )
            users = [
                (s, u, links[s], m) for s, u, m in chunk if s in links and links[s].disabled is None
            ]
            outcomes = await export_manager(
                run.ctx, run.port, run.cycle.id, utcnow(), users, managers
            )
            await self._persist(run, outcomes, "references")

    async def _export(self, run: Run, prepared: list[Prepared]) -> list[Outcome]:
        run.admit(prepared)
        now = utcnow()
        if run.ctx.options.use_bulk:
            return await execute_page(run.ctx, run.port, prepared, run.cycle.id, now)
        return list(
            await asyncio.gather(
                *(execute(run.ctx, run.port, item, run.cycle.id, now) for item in prepared)
            )
        )

    def _records(self, outcomes: Sequence[Outcome]) -> list[tuple[str, Any]]:
        if self._trigger is Trigger.CYCLE:
            return [(o.object_type, o.record) for o in outcomes]
        return [(o.object_type, replace(o.record, run_trigger=self._trigger)) for o in outcomes]

    async def _persist(self, run: Run, outcomes: Sequence[Outcome], phase: str) -> None:
        for outcome in outcomes:
            run.cycle.counts[outcome.count] = run.cycle.counts.get(outcome.count, 0) + 1
        run.progress.phase = phase
        if outcomes:
            run.progress.objects += len(outcomes)
        run.progress.pages += 1
        run.progress.counts = dict(run.cycle.counts)
        changes: list[LinkChange] = [o.link_change for o in outcomes if o.link_change]
        async with self._db.batch_write() as conn:
            outcomes, is_paused = await self._guard.page(conn, run, outcomes)
            run.note_failures(outcomes)
            await save_links(conn, run.ctx.app_id, changes)
            await self._logs.append(run.ctx.app_id, self._records(outcomes), conn=conn)
            await jobstate.record_page(
                conn, run.ctx.app_id, run.cycle, run.progress.to_dict(), run.resume
            )
        if self._on_progress is not None:
            self._on_progress(run.progress)
        if is_paused and not run.is_draining:
            raise CyclePausedError(run.cycle.id)


async def _measured(app: str, kind: str, cycle: Coroutine[Any, Any, CycleSummary]) -> CycleSummary:
    """Run ``cycle`` and count how it ended in the metrics (docs/operations.md, "Metrics")."""
    started = time.monotonic()
    try:
        summary = await cycle
    except (JobError, RetryableError):
        metrics.cycle_ended(app, kind, "failed", time.monotonic() - started, {})
        raise
    metrics.cycle_ended(app, kind, summary.status, summary.seconds, summary.counts)
    return summary
