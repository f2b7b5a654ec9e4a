"""Run the scenarios against one endpoint, safely: count first, clean up always.

Safety rules (docs/validator.md, "Safety"):

- the run refuses an endpoint holding more than ``max_existing`` users unless ``assume_yes``;
- every object it creates is named with a prefix (``scimitar-validate-<run id>-``) and deleted
  at the end, after a failure or an interruption (Ctrl+C, SIGTERM) too, unless ``keep``;
- it never sends PATCH, PUT or DELETE to an object it did not create (:class:`Scene` refuses).
"""

from __future__ import annotations

import asyncio
import signal
import time
import uuid
from collections.abc import Sequence
from contextlib import suppress

from scimitar.connector.client import Credentials, SCIMClient
from scimitar.connector.transport import AiohttpTransport, Transport
from scimitar.errors import ConfigError, ScimitarError
from scimitar.gallery.service import GalleryService
from scimitar.gallery.template import AppTemplate
from scimitar.secrets import Secret
from scimitar.validate.context import DIALECTS, Abort, Context, DialectChoice, Scene
from scimitar.validate.discovery import DISCOVERY_SCENARIOS, PROMISES
from scimitar.validate.groups import GROUP_SCENARIOS
from scimitar.validate.model import Check, Outcome, Report, ScenarioResult
from scimitar.validate.recorder import RecordingTransport, decode
from scimitar.validate.scenario import Scenario
from scimitar.validate.template import template_scenario
from scimitar.validate.users import USER_SCENARIOS

__all__ = ["ONLY", "RefusedError", "ValidateOptions", "scenarios_for", "validate"]

ONLY = ("users", "groups")
DEFAULT_MAX_EXISTING = 1000


class RefusedError(ScimitarError):
    """The run refused to start (too many users, or they could not be counted)."""


class ValidateOptions:
    """What ``scimitar validate`` was asked to do."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        dialect: str = "entra-2020",
        only: str | None = None,
        keep: bool = False,
        max_existing: int = DEFAULT_MAX_EXISTING,
        assume_yes: bool = False,
        template: str | None = None,
    ) -> None:
        choice = DIALECTS.get(dialect.strip().lower())
        if choice is None:
            raise ConfigError(
                f"--dialect {dialect!r} is not known; use one of {', '.join(DIALECTS)}"
            )
        if only is not None and only not in ONLY:
            raise ConfigError(f"--only {only!r} is not known; use users or groups")
        if max_existing < 0:
            raise ConfigError(f"--max-existing must be 0 or more, not {max_existing}")
        if not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"URL {url!r} is not an http(s) URL; pass the SCIM base URL, "
                "such as https://app.example.com/scim/v2"
            )
        if not token.strip():
            raise ConfigError("--token is empty; pass the endpoint's bearer token")
        self.url = url
        self.token = Secret(token)
        self.choice: DialectChoice = choice
        self.only = only
        self.keep = keep
        self.max_existing = max_existing
        self.assume_yes = assume_yes
        # An unknown template id is refused before anything is sent (ConfigError names them).
        self.template: AppTemplate | None = (
            None if template is None else GalleryService.builtin().get(template.strip())
        )


def scenarios_for(only: str | None, template: AppTemplate | None = None) -> list[Scenario]:
    """The scenarios a run makes, in order (``--only`` narrows them; ``template`` adds its
    own, after the others)."""
    chosen: list[Scenario] = list(DISCOVERY_SCENARIOS)
    if only in (None, "users"):
        chosen += USER_SCENARIOS
    else:
        chosen += [s for s in USER_SCENARIOS if s.name == "test-connection"]
    if only in (None, "groups"):
        chosen += GROUP_SCENARIOS
    if template is not None:
        chosen.append(template_scenario(template))
    return [*chosen, PROMISES]


async def validate(options: ValidateOptions, transport: Transport | None = None) -> Report:
    """Run every chosen scenario and clean up; the report says what each found.

    Raises:
        RefusedError: The endpoint holds too many users (or they could not be counted) and
            ``assume_yes`` was not given.
    """
    run_id = uuid.uuid4().hex[:8]
    recorder = RecordingTransport(transport or AiohttpTransport.create())
    client = SCIMClient(Credentials(options.url, options.token), recorder)
    context = Context(
        client,
        recorder,
        options.choice,
        f"scimitar-validate-{run_id}-",
        with_groups=options.only != "users",
    )
    report = Report(client.base_url, options.choice.name, run_id, context.prefix, kept=options.keep)
    started = time.monotonic()
    try:
        await _check_size(client, options)
        with _terminate_cancels():
            try:
                await _run_all(context, scenarios_for(options.only, options.template), report)
            except asyncio.CancelledError:
                report.interrupted = True
            finally:
                if not options.keep:
                    await _clean_up(context, report)
                else:
                    report.left = [
                        f"{r} {i}" for r, i in context.created if i not in context.deleted
                    ]
    finally:
        report.seconds = time.monotonic() - started
        await client.close()
    return report


async def _check_size(client: SCIMClient, options: ValidateOptions) -> None:
    if options.assume_yes:
        return
    response = await client.send("GET", "/Users", params={"startIndex": "1", "count": "1"})
    answer = decode(response.body)
    total = answer.get("totalResults") if isinstance(answer, dict) else None
    if response.status != 200 or not isinstance(total, int) or isinstance(total, bool):
        raise RefusedError(
            f"could not count the endpoint's users (GET /Users answered HTTP {response.status}"
            f"{'' if response.status != 200 else ' without totalResults'}); check the URL and "
            "--token, or pass --yes to run anyway"
        )
    if total > options.max_existing:
        raise RefusedError(
            f"the endpoint holds {total} users, more than --max-existing {options.max_existing}; "
            "this looks like a production endpoint. Point the validator at a test tenant, or "
            "pass --max-existing N or --yes if you mean it"
        )


async def _run_all(context: Context, scenarios: Sequence[Scenario], report: Report) -> None:
    for scenario in scenarios:
        result = ScenarioResult(scenario.name, scenario.title, scenario.group)
        report.scenarios.append(result)
        context.results.append(result)
        context.recorder.sink = result.exchanges
        started = time.monotonic()
        try:
            await scenario.run(Scene(context, result))
        except Abort:
            pass
        except (ScimitarError, PermissionError, ValueError, KeyError, TypeError) as exc:
            result.checks.append(
                Check(
                    Outcome.FAIL,
                    f"the scenario stopped: {type(exc).__name__}: {exc}",
                    "answers the validator can read",
                    "RFC 7644 §3",
                )
            )
        finally:
            result.seconds = time.monotonic() - started


async def _clean_up(context: Context, report: Report) -> None:
    """Delete what the run created: groups first, then users, newest first."""
    context.recorder.sink = []
    order = sorted(reversed(context.created), key=lambda item: item[0] != "Groups")
    for resource, object_id in order:
        if object_id in context.deleted:
            continue
        try:
            response = await context.client.send("DELETE", f"/{resource}/{object_id}")
        except ScimitarError:
            report.left.append(f"{resource} {object_id}")
            continue
        if response.status in (200, 204, 404):
            context.deleted.add(object_id)
            report.cleanup.append(f"{resource} {object_id}")
        else:
            report.left.append(f"{resource} {object_id} (DELETE answered HTTP {response.status})")


class _terminate_cancels:
    """SIGTERM cancels the run like Ctrl+C does, so that clean-up still happens."""

    def __enter__(self) -> None:
        self._loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        self._installed = False
        if task is not None:
            with suppress(NotImplementedError, RuntimeError, ValueError):
                self._loop.add_signal_handler(signal.SIGTERM, task.cancel)
                self._installed = True

    def __exit__(self, *_exc: object) -> None:
        if self._installed:
            self._loop.remove_signal_handler(signal.SIGTERM)
