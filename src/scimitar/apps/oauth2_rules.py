"""What an OAuth2 client credentials grant must hold before Scimitar sends its secret anywhere."""

from __future__ import annotations

from urllib.parse import urlsplit

from scimitar.apps.urls import is_loopback_host
from scimitar.connector.bearer import OAuth2ClientCredentials
from scimitar.errors import ConfigError
from scimitar.gallery.template import AppTemplate
from scimitar.secrets import Secret

__all__ = ["check_oauth2"]


def check_oauth2(
    oauth2: OAuth2ClientCredentials,
    token: Secret | None,
    *,
    template: AppTemplate,
    allow_insecure_http: bool,
) -> None:
    """Refuse an OAuth2 grant that cannot work, before anything is sent.

    Raises:
        ConfigError: Naming the field and the fix, never the secret.
    """
    spec = template.document.auth.oauth2
    if spec is None or not spec.has_client_credentials:
        raise ConfigError(
            f"the template {template.id!r} does not offer the OAuth2 client credentials grant "
            "(its auth.oauth2.grants); enter the app's Secret Token instead"
        )
    if token is not None and token.reveal().strip():
        raise ConfigError(
            "enter either a Secret Token or OAuth2 client credentials, not both: the bearer "
            "token comes from one of them"
        )
    _check_token_url(oauth2.grant.token_url, allow_insecure_http=allow_insecure_http)
    if not oauth2.grant.client_id.strip():
        raise ConfigError("the OAuth2 client id is empty; enter the id the app's console issued")
    if not oauth2.client_secret.reveal().strip():
        raise ConfigError(
            "the OAuth2 client secret is empty; enter the secret the app's console issued"
        )
    for scope in oauth2.grant.scopes:
        if not scope or any(not ("!" <= char <= "~") or char in '"\\' for char in scope):
            raise ConfigError(
                f"the OAuth2 scope {scope!r} is not a scope token (RFC 6749 §3.3): enter each "
                "scope alone, without spaces or quotes"
            )


def _check_token_url(url: str, *, allow_insecure_http: bool) -> None:
    invalid = ConfigError(
        f"the OAuth2 token URL {url!r} is not an absolute http(s) URL; enter the app's "
        "token endpoint, e.g. https://zoom.us/oauth/token"
    )
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises for a port out of range
    except ValueError as exc:
        raise invalid from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise invalid
    if parts.scheme == "http" and not allow_insecure_http and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"the OAuth2 token URL {url!r} uses plain http to {parts.hostname}: the client "
            "secret would cross the network unencrypted. Use https, or allow insecure http "
            "for a lab"
        )
