"""The Provisioning page: mode, admin credentials with Test Connection, notification, settings.

One form, one Save, as in Entra. Every value is checked before anything is stored; then the
credentials (with schema discovery), the settings and last the provisioning status are saved.
Turning provisioning On runs Test Connection; if it fails, the status stays Off and the page
shows why.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from scimitar.apps import ConnectionTestError, JobConfig, JobSettings, Scope
from scimitar.apps.settings_rules import validate_settings
from scimitar.apps.urls import validate_tenant_url
from scimitar.audit import Actor
from scimitar.connector.bearer import OAuth2ClientCredentials, OAuth2Grant
from scimitar.connector.probe import ConnectionTest
from scimitar.errors import ConfigError
from scimitar.portal.context import Portal, actor_of, portal_of, posted, signed_in
from scimitar.portal.forms import Form
from scimitar.portal.session import Session
from scimitar.secrets import Secret

__all__ = ["portal_words", "router", "settings_from_form"]

router = APIRouter()
SignedIn = Annotated[Session, Depends(signed_in)]
Posted = Annotated[tuple[Session, Form], Depends(posted)]

#: The CLI's option names in service messages, as the page labels them.
_LABELS = (
    ("--notify-on-failure", "“Send an email notification when a failure occurs”"),
    ("--notify EMAIL", "a Notification Email"),
    ("--notify", "Notification Email"),
    ("--no-delete-threshold", "turn accidental-deletion prevention off"),
    ("--delete-threshold", "Accidental deletion threshold"),
    ("--interval", "Interval"),
    ("--delete-window-interval", "leave the deletion threshold window empty"),
    ("--delete-window", "Deletion threshold window"),
    (
        ", or pass --allow-insecure-http for a lab",
        " (for a lab, `scimitar app credentials --allow-insecure-http` accepts plain http)",
    ),
)


def portal_words(message: str) -> str:
    """A service message with CLI option names replaced by the page's labels."""
    for option, label in _LABELS:
        message = message.replace(option, label)
    return message


def settings_from_form(form: Form, current: JobSettings) -> JobSettings:
    """The settings the form asks for (fields the form lacks keep their values).

    Raises:
        ConfigError: A number is not one; naming the field.
    """
    threshold = form.integer("delete_threshold", "Accidental deletion threshold", minimum=1)
    interval = form.integer("interval", "Interval (minutes)", minimum=1)
    window = form.integer("delete_window", "Deletion threshold window (minutes)", minimum=1)
    is_realtime = form.flag("realtime") if form.flag("realtime_shown") else current.realtime
    disabled = set(current.disabled_object_types)
    if form.flag("groups_shown"):
        if form.flag("groups"):
            disabled.discard("Group")
        else:
            disabled.add("Group")
    return replace(
        current,
        scope=Scope(form.get("scope") or current.scope.value),
        notify_email=form.optional("notify_email"),
        notify_on_failure=form.flag("notify_on_failure"),
        delete_threshold=(threshold or current.delete_threshold or 500)
        if form.flag("prevent_deletions")
        else None,
        skip_out_of_scope_deletions=form.flag("skip_out_of_scope_deletions"),
        interval_minutes=interval or current.interval_minutes,
        realtime=is_realtime,
        delete_window_minutes=(
            window if form.flag("realtime_shown") else current.delete_window_minutes
        ),
        disabled_object_types=frozenset(disabled),
    )


async def _page(
    request: Request,
    session: Session,
    config: JobConfig,
    *,
    status_code: int = 200,
    test: ConnectionTest | None = None,
    **values: Any,
) -> Response:
    portal = portal_of(request)
    return portal.render(
        request,
        "app_provisioning.html",
        session,
        status_code=status_code,
        nav="apps",
        app=config.app,
        tab="provisioning",
        config=config,
        test=test,
        **values,
    )


@router.get("/apps/{app_id}/provisioning")
async def provisioning_page(request: Request, app_id: str, session: SignedIn) -> Response:
    """The Provisioning page with the saved values (never the token)."""
    config = await portal_of(request).apps.provisioning.config(app_id)
    return await _page(request, session, config)


@router.post("/apps/{app_id}/provisioning/test")
async def test_connection(request: Request, app_id: str, form_in: Posted) -> Response:
    """Test Connection with the Tenant URL and token as entered.

    A blank token uses the saved one, only for the URL it was saved with.
    """
    session, form = form_in
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    tenant_url = form.text("tenant_url") or (config.tenant_url or "")
    token = form.get("token")
    test: ConnectionTest | None = None
    error: str | None = None
    service = portal.apps.provisioning
    try:
        grant = oauth2_from_form(form, config)
        if grant is None and not token.strip() and _uses_saved_oauth2(config, tenant_url):
            test = await service.test_connection(config.app.id)
        else:
            secret = Secret(token) if token.strip() else None
            test = await service.test_credentials(config.app.id, tenant_url, secret, oauth2=grant)
    except ConfigError as exc:
        error = portal_words(str(exc))
    if request.headers.get("hx-request") == "true":
        return portal.render(
            request,
            "_test_result.html",
            session,
            test=test,
            test_error=error,
            status_code=200 if error is None else 400,
        )
    return await _page(
        request,
        session,
        config,
        test=test,
        test_error=error,
        entered_url=tenant_url,
        status_code=200 if error is None else 400,
    )


@router.post("/apps/{app_id}/provisioning")
async def save(request: Request, app_id: str, form_in: Posted) -> Response:
    """Save the page: credentials, settings, then the provisioning status."""
    session, form = form_in
    portal = portal_of(request)
    config = await portal.apps.provisioning.config(app_id)
    try:
        config, notice = await _save(portal, config, form, actor_of(session))
    except ConnectionTestError as exc:
        saved = await portal.apps.provisioning.config(app_id)
        return await _page(
            request,
            session,
            saved,
            status_code=400,
            test=exc.result,
            error="Saved, but provisioning stays Off: Test Connection fails. "
            "Correct the credentials and Save again.",
        )
    except ConfigError as exc:
        return await _page(
            request,
            session,
            config,
            status_code=400,
            error=portal_words(str(exc)),
            entered_url=form.text("tenant_url"),
            form=form,
        )
    return await _page(request, session, config, notice=notice)


def oauth2_from_form(form: Form, config: JobConfig) -> OAuth2ClientCredentials | None:
    """The OAuth2 client credentials entered on the page, if a client secret was entered."""
    secret = form.get("oauth2_client_secret").strip()
    if not secret:
        return None
    token_url = form.text("oauth2_token_url")
    if not token_url:
        raise ConfigError("enter the OAuth2 Token URL with the client secret")
    scopes = tuple(form.get("oauth2_scopes").split())
    grant = OAuth2Grant(token_url, form.text("oauth2_client_id"), scopes)
    return OAuth2ClientCredentials(grant, Secret(secret))


def _uses_saved_oauth2(config: JobConfig, tenant_url: str) -> bool:
    return config.oauth2 is not None and tenant_url == config.tenant_url


async def _save(
    portal: Portal, config: JobConfig, form: Form, actor: Actor
) -> tuple[JobConfig, str]:
    service = portal.apps.provisioning
    settings = settings_from_form(form, config.settings)
    validate_settings(settings, config.template)
    url = form.text("tenant_url")
    token = form.get("token").strip()
    wants_on = form.get("status", "on" if config.is_on else "off") == "on"
    if url:
        validate_tenant_url(url)
    elif token:
        raise ConfigError("enter the Tenant URL with the Secret Token")
    if wants_on and not url and not config.has_credentials:
        raise ConfigError("enter the Tenant URL and Secret Token before turning provisioning On")
    grant = oauth2_from_form(form, config)
    if grant is not None:
        await service.set_credentials(config.app.id, url, None, actor=actor, oauth2=grant)
    elif url and config.oauth2 is not None and not token and url == config.tenant_url:
        pass  # the saved OAuth2 grant stays
    elif url and (token or url != config.tenant_url):
        # The service refuses a new URL without the token: a saved one stays with its URL.
        secret = Secret(token) if token else None
        await service.set_credentials(config.app.id, url, secret, actor=actor)
    if settings != config.settings:
        await service.update_settings(config.app.id, settings, actor=actor)
    if wants_on != config.is_on:
        await service.set_provisioning(config.app.id, is_on=wants_on, actor=actor)
    saved = await service.config(config.app.id)
    state = "On: the first cycle starts shortly" if saved.is_on else "Off"
    return saved, f"Saved. Provisioning is {state}."
