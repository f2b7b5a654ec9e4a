"""``/apps/{app}``: credentials, Test Connection, settings, provisioning on/off, sync, status."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from scimitar.api.deps import ActorDep, LauncherDep, ServicesDep
from scimitar.api.problems import problem_responses
from scimitar.api.routes.apps import AppKey, job_document
from scimitar.api.schemas.apps import (
    CredentialsWrite,
    JobDocument,
    JobSettingsDocument,
    JobSettingsPatch,
    OAuth2ClientCredentialsWrite,
    ProvisioningSwitch,
    TestConnectionResult,
)
from scimitar.api.schemas.engine import CycleResult, JobStatusDocument, SyncStarted
from scimitar.apps import JobSettings
from scimitar.apps.urls import validate_tenant_url
from scimitar.connector.bearer import OAuth2ClientCredentials, OAuth2Grant
from scimitar.errors import ConfigError
from scimitar.gallery.schema import OAuth2Spec
from scimitar.secrets import Secret

__all__ = ["router"]

router = APIRouter(prefix="/apps/{app}", tags=["provisioning"])
_READ = problem_responses(404)
_WRITE = problem_responses(404, 422)


@router.put(
    "/credentials", response_model=JobDocument, responses=_WRITE, summary="Save credentials"
)
async def set_credentials(
    actor: ActorDep, services: ServicesDep, app: AppKey, body: CredentialsWrite
) -> dict[str, Any]:
    """Save the Tenant URL and Secret Token and read the app's schema.

    The token is stored encrypted and never returned: responses say only `hasToken`.
    """
    try:
        validate_tenant_url(body.tenantUrl, allow_insecure_http=body.allowInsecureHttp)
    except ConfigError as exc:
        # The service speaks the CLI's words; name the body's field instead.
        message = str(exc).replace("pass --allow-insecure-http", 'send "allowInsecureHttp": true')
        raise ConfigError(f"tenantUrl: {message}") from exc
    if (body.token is None) == (body.oauth2 is None):
        raise ConfigError(
            "send either token (a Secret Token) or oauth2 (client credentials), exactly one"
        )
    grant = None
    if body.oauth2 is not None:
        spec = (await services.apps.provisioning.config(app)).template.document.auth.oauth2
        grant = _oauth2_grant(body.oauth2, spec)
    config = await services.apps.provisioning.set_credentials(
        app,
        body.tenantUrl,
        None if body.token is None else Secret(body.token),
        allow_insecure_http=body.allowInsecureHttp,
        actor=actor,
        oauth2=grant,
    )
    return job_document(config)


def _oauth2_grant(
    body: OAuth2ClientCredentialsWrite, spec: OAuth2Spec | None
) -> OAuth2ClientCredentials:
    """The grant from the body; the template's token URL and scopes fill what is omitted."""
    url = body.tokenUrl or (spec.token_url if spec else None)
    if not url:
        raise ConfigError("oauth2.tokenUrl: the template has no token URL; send the app's one")
    scopes = tuple(body.scopes) if body.scopes is not None else (spec.scopes if spec else ())
    grant = OAuth2Grant(url, body.clientId, scopes)
    return OAuth2ClientCredentials(grant, Secret(body.clientSecret))


@router.post(
    "/test-connection",
    response_model=TestConnectionResult,
    responses=_WRITE,
    summary="Test Connection",
)
async def test_connection(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """Query the app for a user that cannot exist (and a group), as Entra's Test Connection.

    A failing test is still a 200: `ok` is false and `failure` says what to fix.
    """
    return (await services.apps.provisioning.test_connection(app)).to_dict()


@router.get("/settings", response_model=JobSettingsDocument, responses=_READ, summary="Settings")
async def get_settings(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """The job's settings: scope, notification email, delete threshold, interval, dialect."""
    return (await services.apps.provisioning.config(app)).settings.to_dict()


@router.patch(
    "/settings", response_model=JobSettingsDocument, responses=_WRITE, summary="Change settings"
)
async def update_settings(
    actor: ActorDep, services: ServicesDep, app: AppKey, body: JobSettingsPatch
) -> dict[str, Any]:
    """Change the settings given; a change of scope makes the next cycle an initial one."""
    config = await services.apps.provisioning.config(app)
    given = body.model_dump(exclude_unset=True)
    groups = given.pop("groups", None)
    for name in (
        "scope",
        "notify_on_failure",
        "skip_out_of_scope_deletions",
        "interval_minutes",
        "realtime",
    ):
        if name in given and given[name] is None:
            raise ConfigError(f"settings field {name} cannot be null; leave it out to keep it")
    if "dialect" in given and given["dialect"] is None:
        raise ConfigError("settings field dialect cannot be null; use rfc or entra")
    if given.get("notify_email") is not None:
        given["notify_email"] = given["notify_email"].strip() or None
    updated = _with_groups(replace(config.settings, **given), groups)
    try:
        saved = await services.apps.provisioning.update_settings(
            config.app.id, updated, actor=actor
        )
    except ConfigError as exc:
        raise ConfigError(_body_words(str(exc))) from exc
    return saved.settings.to_dict()


# The settings rules speak the CLI's option names; the API's callers know the body's fields.
_FIELDS = (
    ("--no-delete-threshold", "delete_threshold null"),
    ("--delete-threshold", "delete_threshold"),
    ("--notify-on-failure", "notify_on_failure"),
    ("--notify EMAIL", "notify_email"),
    ("--notify", "notify_email"),
    ("--interval", "interval_minutes"),
    ("--delete-window-interval", "delete_window_minutes null"),
    ("--delete-window", "delete_window_minutes"),
)


def _body_words(message: str) -> str:
    for option, field in _FIELDS:
        message = message.replace(option, field)
    return message


def _with_groups(settings: JobSettings, groups: bool | None) -> JobSettings:
    if groups is None:
        return settings
    disabled = set(settings.disabled_object_types)
    if groups:
        disabled.discard("Group")
    else:
        disabled.add("Group")
    return replace(settings, disabled_object_types=frozenset(disabled))


@router.put(
    "/provisioning",
    response_model=JobDocument,
    responses=problem_responses(404, 409, 422),
    summary="Turn provisioning on or off",
)
async def set_provisioning(
    actor: ActorDep, services: ServicesDep, app: AppKey, body: ProvisioningSwitch
) -> dict[str, Any]:
    """Turn provisioning on (Test Connection must pass, else 409 with its result) or off."""
    config = await services.apps.provisioning.set_provisioning(
        app, is_on=body.state == "on", actor=actor
    )
    return job_document(config)


@router.get("/status", response_model=JobStatusDocument, responses=_READ, summary="Status")
async def get_status(services: ServicesDep, app: AppKey) -> dict[str, Any]:
    """State, last and running cycle with progress, steady state, linked objects."""
    found = await services.apps.apps.get(app)
    job_status = await services.status.status(found.id)
    return {"app": found.to_dict(), **job_status.to_dict()}


@router.post(
    "/sync",
    response_model=CycleResult,
    status_code=status.HTTP_200_OK,
    responses={
        202: {"model": SyncStarted, "description": "The cycle started in the background."},
        **problem_responses(404, 409, 422, 502, 503),
    },
    summary="Sync now",
)
async def sync_now(
    launcher: LauncherDep,
    app: AppKey,
    initial: Annotated[
        bool, Query(description="Run an initial cycle (re-evaluate everything), as a restart.")
    ] = False,
    wait: Annotated[
        bool, Query(description="Answer when the cycle ends (200 with its summary).")
    ] = False,
) -> Any:
    """Run a provisioning cycle now: initial the first time, then incremental.

    By default the cycle runs in the background: 202, and `GET .../status` follows it.
    """
    app_id = await launcher.check_startable(app)
    if wait:
        return (await launcher.run(app_id, initial=initial)).to_dict()
    launcher.start(app_id, initial=initial)
    location = f"/api/v1/apps/{app_id}/status"
    started = SyncStarted(appId=app_id, initial=initial, statusUrl=location)
    return JSONResponse(
        started.model_dump(), status.HTTP_202_ACCEPTED, headers={"Location": location}
    )
