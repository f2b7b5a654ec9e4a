"""The LDAP connection: TLS, bind, paged subtree searches and base reads, over python-ldap.

python-ldap is synchronous; the reader runs a whole read in a worker thread (it releases the
GIL while it waits on the network), so the event loop never blocks. Errors leave this module
as Scimitar's: a refused bind or a certificate that does not verify stops the read
(:class:`~scimitar.errors.JobError`), a server that is down or slow can be retried
(:class:`~scimitar.errors.RetryableError`), a filter or base the server refuses is a setting to
fix (:class:`~scimitar.errors.ConfigError`).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import ldap
from ldap.controls import LDAPControl, SimplePagedResultsControl

from scimitar.errors import ConfigError, JobError, RetryableError
from scimitar.sources.ldap.config import LDAPSourceConfig

__all__ = [
    "SHOW_DELETED_OID",
    "Entry",
    "LDAPConnection",
    "PythonLDAPConnection",
    "open_connection",
]

# MS-ADTS §3.1.1.3.4.1.14 LDAP_SERVER_SHOW_DELETED_OID: tombstones become visible.
SHOW_DELETED_OID = "1.2.840.113556.1.4.417"

Entry = tuple[str, dict[str, list[bytes]]]


class LDAPConnection(Protocol):
    """What the reader needs from a bound connection."""

    def search_pages(
        self,
        base: str,
        filterstr: str,
        attributes: Sequence[str],
        *,
        page_size: int,
        controls: Sequence[str] = (),
    ) -> Iterator[list[Entry]]:
        """A subtree search, one list of entries per page (RFC 2696).

        Args:
            base: The search base.
            filterstr: An RFC 4515 filter.
            attributes: Attribute names to return (``*`` for all user attributes).
            page_size: Entries per page.
            controls: OIDs of extra non-critical request controls (no value).
        """
        ...

    def read_entry(
        self, dn: str, attributes: Sequence[str], filterstr: str = "(objectClass=*)"
    ) -> dict[str, list[bytes]] | None:
        """One entry's attributes by a base-scope search, or ``None`` if it does not exist
        or does not match ``filterstr``."""
        ...

    def root_dse(self, attributes: Sequence[str]) -> dict[str, list[bytes]]:
        """The root DSE's attributes (RFC 4512 §5.1)."""
        ...

    def close(self) -> None:
        """Unbind and close."""
        ...


def _translate(exc: ldap.LDAPError, config: LDAPSourceConfig, doing: str) -> Exception:
    info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    detail = "; ".join(str(info[k]) for k in ("desc", "info") if info.get(k)) or str(exc)
    where = f"LDAP source at {config.url}: {doing}: {detail}"
    if isinstance(exc, ldap.INVALID_CREDENTIALS | ldap.INAPPROPRIATE_AUTH):
        return JobError(f"{where} (check the bind DN and password)")
    if isinstance(
        exc, ldap.INSUFFICIENT_ACCESS | ldap.STRONG_AUTH_REQUIRED | ldap.CONFIDENTIALITY_REQUIRED
    ):
        return JobError(f"{where} (the bind DN may not read this; or the server wants TLS)")
    if isinstance(exc, ldap.CONNECT_ERROR) or "certificate" in detail.lower():
        return JobError(
            f"{where} (TLS: check ca_file and that the URL's host is in the certificate)"
        )
    if isinstance(exc, ldap.SERVER_DOWN | ldap.TIMEOUT | ldap.BUSY | ldap.UNAVAILABLE):
        return RetryableError(where)
    if isinstance(exc, ldap.FILTER_ERROR | ldap.NO_SUCH_OBJECT | ldap.INVALID_DN_SYNTAX):
        return ConfigError(f"{where} (check the base DNs and filters)")
    return JobError(where)


class PythonLDAPConnection:
    """:class:`LDAPConnection` over a python-ldap ``LDAPObject``."""

    def __init__(self, raw: Any, config: LDAPSourceConfig) -> None:
        self._raw = raw
        self._config = config

    def search_pages(
        self,
        base: str,
        filterstr: str,
        attributes: Sequence[str],
        *,
        page_size: int,
        controls: Sequence[str] = (),
    ) -> Iterator[list[Entry]]:
        """See :meth:`LDAPConnection.search_pages`."""
        paging = SimplePagedResultsControl(True, size=page_size, cookie=b"")
        extra = [LDAPControl(oid, False) for oid in controls]
        attrs = list(attributes)
        doing = f"searching {base} for {filterstr}"

        def ask() -> int:
            try:
                return int(
                    self._raw.search_ext(
                        base, ldap.SCOPE_SUBTREE, filterstr, attrs, serverctrls=[paging, *extra]
                    )
                )
            except ldap.LDAPError as exc:
                raise _translate(exc, self._config, doing) from exc

        pending: int | None = ask()
        try:
            while pending is not None:
                try:
                    _, data, _, answer = self._raw.result3(pending)
                except ldap.LDAPError as exc:
                    raise _translate(exc, self._config, doing) from exc
                pending = None
                cookie = _next_cookie(answer)
                if cookie:
                    # Ask for the next page before this one is decoded: the server prepares
                    # and sends it while the reader works on this one.
                    paging.cookie = cookie
                    pending = ask()
                yield [(dn, entry) for dn, entry in data if dn is not None]
        finally:
            if pending is not None:
                with contextlib.suppress(ldap.LDAPError):
                    self._raw.abandon(pending)

    def read_entry(
        self, dn: str, attributes: Sequence[str], filterstr: str = "(objectClass=*)"
    ) -> dict[str, list[bytes]] | None:
        """See :meth:`LDAPConnection.read_entry`."""
        try:
            found = self._raw.search_ext_s(dn, ldap.SCOPE_BASE, filterstr, list(attributes))
        except (ldap.NO_SUCH_OBJECT, ldap.INVALID_DN_SYNTAX):
            return None  # a member or manager value naming nothing: not an object of the source
        except ldap.LDAPError as exc:
            raise _translate(exc, self._config, f"reading {dn}") from exc
        for found_dn, entry in found:
            if found_dn is not None:
                return dict(entry)
        return None

    def root_dse(self, attributes: Sequence[str]) -> dict[str, list[bytes]]:
        """See :meth:`LDAPConnection.root_dse`."""
        return self.read_entry("", attributes) or {}

    def close(self) -> None:
        """See :meth:`LDAPConnection.close`."""
        try:
            self._raw.unbind_s()
        except ldap.LDAPError:
            return


def _next_cookie(controls: Sequence[Any]) -> bytes:
    for control in controls or ():
        if control.controlType == SimplePagedResultsControl.controlType:
            return bytes(control.cookie or b"")
    return b""


def _tls_options(raw: Any, config: LDAPSourceConfig) -> None:
    demand = ldap.OPT_X_TLS_DEMAND if config.verify_tls else ldap.OPT_X_TLS_NEVER
    raw.set_option(ldap.OPT_X_TLS_REQUIRE_CERT, demand)
    if config.ca_file:
        raw.set_option(ldap.OPT_X_TLS_CACERTFILE, config.ca_file)
    raw.set_option(ldap.OPT_X_TLS_PROTOCOL_MIN, ldap.OPT_X_TLS_PROTOCOL_TLS1_2)
    # Must come last: makes libldap build the TLS context from the options above.
    raw.set_option(ldap.OPT_X_TLS_NEWCTX, 0)


def open_connection(config: LDAPSourceConfig, password: str) -> PythonLDAPConnection:
    """Connect, secure (LDAPS or StartTLS) and bind (simple bind; anonymous without a DN).

    Raises:
        JobError: The bind was refused, or TLS failed (certificate, name, protocol).
        RetryableError: The server cannot be reached or timed out.
    """
    try:
        raw = ldap.initialize(config.url)
    except ldap.LDAPError as exc:
        raise _translate(exc, config, "connecting") from exc
    raw.set_option(ldap.OPT_PROTOCOL_VERSION, ldap.VERSION3)
    raw.set_option(ldap.OPT_REFERRALS, 0)
    raw.set_option(ldap.OPT_NETWORK_TIMEOUT, config.timeout)
    raw.set_option(ldap.OPT_TIMEOUT, config.timeout)
    if config.is_tls:
        _tls_options(raw, config)
    try:
        if config.start_tls:
            raw.start_tls_s()
        raw.simple_bind_s(config.bind_dn, password)
    except ldap.LDAPError as exc:
        doing = "StartTLS" if config.start_tls and not _is_bind_error(exc) else "binding"
        if isinstance(exc, ldap.SERVER_DOWN) and config.is_tls and _answers_tcp(config):
            # libldap reports a failed TLS handshake on ldaps:// as "can't contact": the port
            # answers, so it is the certificate (or the protocol), and retrying will not help.
            raise JobError(
                f"LDAP source at {config.url}: the TLS handshake failed (check ca_file, and "
                "that the URL's host name is in the server's certificate)"
            ) from exc
        raise _translate(exc, config, doing) from exc
    return PythonLDAPConnection(raw, config)


def _answers_tcp(config: LDAPSourceConfig) -> bool:
    parts = urlsplit(config.url)
    port = parts.port or (636 if parts.scheme == "ldaps" else 389)
    try:
        socket.create_connection((parts.hostname, port), timeout=config.timeout).close()
    except OSError:
        return False
    return True


def _is_bind_error(exc: ldap.LDAPError) -> bool:
    return isinstance(exc, ldap.INVALID_CREDENTIALS | ldap.INAPPROPRIATE_AUTH)
