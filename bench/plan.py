"""Plans and drift at scale, against the real incremental cycle for the same changes.

A generated directory (--users users, every one in scope with `--scope all`) is provisioned by
a Cisco Webex app (--template) into a tenant of `scimitar target serve`, which runs as its own
process (bench/cycle.py's set-up). Then, each step in a child process of its own (its wall time
measured inside, its peak RSS its own VmHWM):

1. --changes users have `givenName` and `displayName` changed; `plan` of the next cycle
   (`scimitar.engine.run.preview.plan_cycle`), then the real incremental cycle for the same
   changes (the same-run baseline). The plan's counts must equal the cycle's.
2. --changes new users are added to the directory: the next cycle must match each in the app
   first (a filter query each), so the plan reads the app; the plan, then the real cycle.
   The extra seconds per 1,000 reads compare this plan with step 1's.
3. `drift` over every managed account (pages of 500 from the app); the baseline is the
   incremental cycle with no change (what a cycle costs when it does not look at the app).

Goals (issue 20): plan with 1,000 changes at 100,000 users ≤ 3 s; ≤ 1 s extra per 1,000 app
reads; drift over 100,000 managed accounts ≤ 60 s; plan and drift peak RSS ≤ the cycle's
(≤ 300 MiB at 100,000 users).

Usage: python bench/plan.py [--users 100000] [--changes 1000] [--template cisco-webex|scim]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from cycle import (  # noqa: E402
    APP,
    PROFILES,
    CountingTransport,
    _env,
    _peak_rss_mib,
    change_users,
    prepare_engine,
    run_cycle,
    target_process,
)

from scimitar.apps import Apps  # noqa: E402
from scimitar.directory.service import DirectoryService  # noqa: E402
from scimitar.directory.store import SQLDirectory  # noqa: E402
from scimitar.engine.run.drift import find_drift  # noqa: E402
from scimitar.engine.run.preview import plan_cycle  # noqa: E402
from scimitar.engine.run.service import build_runner  # noqa: E402
from scimitar.engine.state.registry import JobRegistry  # noqa: E402
from scimitar.runtime import tune_gc  # noqa: E402
from scimitar.settings import Settings  # noqa: E402
from scimitar.store import open_database  # noqa: E402

GOALS = {"plan": 3.0, "per_1000_reads": 1.0, "drift": 60.0, "rss": 300.0}


# -- children: one measured step each ---------------------------------------------------------


async def child(step: str) -> dict[str, Any]:
    settings = Settings()
    database = await open_database(settings)
    requests: dict[str, int] = {}
    try:
        started = time.perf_counter()
        if step == "plan":
            plan = await plan_cycle(
                database, settings, APP, transport_factory=lambda: CountingTransport(requests)
            )
            found: dict[str, Any] = {"counts": plan.counts(), "planned": plan.requests.by_method()}
        elif step == "cycle":
            apps = Apps.create(
                database, settings, transport_factory=lambda: CountingTransport(requests)
            )
            summary = await build_runner(database, apps, jobs=JobRegistry()).run(APP)
            found = {"counts": {k: v for k, v in summary.counts.items() if v}}
        else:
            apps = Apps.create(
                database, settings, transport_factory=lambda: CountingTransport(requests)
            )
            report = await find_drift(database, apps, SQLDirectory(database), APP)
            found = {"managed": report.managed, "drifted": len(report.drifted)}
        seconds = time.perf_counter() - started
    finally:
        await database.dispose()
    return {**found, "seconds": seconds, "requests": requests, "maxrss_mib": _peak_rss_mib()}


def run_child(data_dir: Path, step: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", step],
        env=_env(data_dir),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(next(x for x in reversed(out.splitlines()) if x.startswith("{"))))


async def add_users(data_dir: Path, count: int) -> None:
    """``count`` new users, in scope (the app's scope is `all`), never provisioned."""
    database = await open_database(Settings(data_dir=data_dir, database_url=None))
    try:
        rows = [
            {"userPrincipalName": f"new{n}@bench.example", "givenName": "New", "surname": f"U{n}"}
            for n in range(count)
        ]
        await DirectoryService(database).import_text(json.dumps(rows), "json")
    finally:
        await database.dispose()


# -- the run ----------------------------------------------------------------------------------


def _same(plan: dict[str, Any], cycle: dict[str, Any], label: str) -> None:
    planned = {k: v for k, v in plan["counts"].items() if k != "skip"}
    done = {k: v for k, v in cycle["counts"].items() if k != "skip"}
    if planned != done:
        raise SystemExit(
            f"{label}: the plan said {plan['counts']}, the cycle did {cycle['counts']}"
        )


def bench(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    engine_dir, target_dir = work / "engine", work / "target"
    engine_dir.mkdir()
    target_dir.mkdir()
    figures: dict[str, Any] = {}
    with target_process(target_dir, PROFILES[args.template]) as target:
        started = time.perf_counter()
        args.groups, args.seed = 0, 1
        users = asyncio.run(prepare_engine(engine_dir, args, target))
        print(f"setup: {len(users):,} users in {time.perf_counter() - started:.1f} s", flush=True)
        initial = run_cycle(engine_dir, target, initial=True, profile=None)
        print(
            f"initial cycle: {initial.result['summary']['counts']}, {initial.wall:.1f} s",
            flush=True,
        )
        figures["users"] = len(users)
        figures["initial_rss"] = initial.maxrss_mib

        asyncio.run(change_users(engine_dir, users, args.changes, "plan"))
        figures["plan"] = run_child(engine_dir, "plan")
        figures["cycle"] = run_child(engine_dir, "cycle")
        _same(figures["plan"], figures["cycle"], "changes")
        print(f"changes: plan {figures['plan']}, cycle {figures['cycle']}", flush=True)

        asyncio.run(add_users(engine_dir, args.changes))
        figures["plan_reads"] = run_child(engine_dir, "plan")
        figures["cycle_reads"] = run_child(engine_dir, "cycle")
        _same(figures["plan_reads"], figures["cycle_reads"], "new users")
        print(
            f"new users: plan {figures['plan_reads']}, cycle {figures['cycle_reads']}", flush=True
        )

        figures["quiet"] = run_child(engine_dir, "cycle")
        if args.skip_drift:
            return figures
        figures["drift"] = run_child(engine_dir, "drift")
        print(f"drift: {figures['drift']}, quiet cycle {figures['quiet']}", flush=True)
    return figures


def report(args: argparse.Namespace, figures: dict[str, Any]) -> None:
    plan, cycle = figures["plan"], figures["cycle"]
    reading, reading_cycle = figures["plan_reads"], figures["cycle_reads"]
    quiet = figures["quiet"]
    drift = figures.get("drift") or {"managed": 0, "seconds": 0.0, "requests": {}, "maxrss_mib": 0}
    reads = reading["requests"].get("GET", 0) - plan["requests"].get("GET", 0)
    extra = (reading["seconds"] - plan["seconds"]) / max(reads, 1) * 1000
    cycle_extra = (reading_cycle["seconds"] - cycle["seconds"]) / max(reads, 1) * 1000
    per_reads = GOALS["per_1000_reads"]

    def met(ok: bool) -> str:
        return "met" if ok else "NOT met"

    cycle_rss = max(cycle["maxrss_mib"], reading_cycle["maxrss_mib"], quiet["maxrss_mib"])
    worst_rss = max(plan["maxrss_mib"], reading["maxrss_mib"], drift["maxrss_mib"])
    rss_ok = worst_rss <= max(cycle_rss, figures["initial_rss"]) and worst_rss <= GOALS["rss"]
    rows = [
        (
            f"plan, {args.changes:,} changed users of {figures['users']:,}",
            f"{plan['seconds']:.2f} s",
            f"≤ {GOALS['plan']:.0f} s ({met(plan['seconds'] <= GOALS['plan'])})",
            f"cycle {cycle['seconds']:.2f} s",
        ),
        (
            f"plan reading the app ({reads:,} more GETs: {args.changes:,} new users matched)",
            f"{reading['seconds']:.2f} s, +{extra:.2f} s per 1,000 reads",
            f"≤ {GOALS['per_1000_reads']:.0f} s per 1,000 ({met(extra <= per_reads)})",
            f"cycle {reading_cycle['seconds']:.2f} s, +{cycle_extra:.2f} s per 1,000",
        ),
        (
            f"drift over {drift['managed']:,} managed accounts",
            f"{drift['seconds']:.1f} s ({drift['requests'].get('GET', 0):,} GETs)",
            f"≤ {GOALS['drift']:.0f} s ({met(drift['seconds'] <= GOALS['drift'])})",
            f"cycle, no change {quiet['seconds']:.2f} s",
        ),
        (
            "peak RSS: plan / plan reading / drift",
            f"{plan['maxrss_mib']:.0f} / {reading['maxrss_mib']:.0f} / "
            f"{drift['maxrss_mib']:.0f} MiB",
            f"≤ the cycle's and ≤ {GOALS['rss']:.0f} MiB ({met(rss_ok)})",
            f"cycles {cycle['maxrss_mib']:.0f} / {reading_cycle['maxrss_mib']:.0f} / "
            f"{quiet['maxrss_mib']:.0f} MiB, initial {figures['initial_rss']:.0f} MiB",
        ),
    ]
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("| measure | figure | goal | same-run baseline |")
    print("|---|---:|---|---:|")
    for row in rows:
        if "drift" not in figures and row[0].startswith("drift over"):
            continue  # --skip-drift
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=1_000)
    parser.add_argument("--template", choices=sorted(PROFILES), default="cisco-webex")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs")
    parser.add_argument("--skip-drift", action="store_true", help="plans only (no drift step)")
    parser.add_argument("--child", choices=("plan", "cycle", "drift"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        tune_gc()
        print(json.dumps(asyncio.run(child(args.child))))
        return
    work = Path(tempfile.mkdtemp(prefix="bench-plan-"))
    try:
        report(args, bench(args, work))
    finally:
        if args.keep:
            print(f"data kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
