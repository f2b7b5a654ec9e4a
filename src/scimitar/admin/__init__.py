"""Admin sign-in: API keys for the admin API and the admin password for the portal.

Both the REST admin API and the web portal authenticate through :class:`AdminAuth`:
:meth:`AdminAuth.verify_key` for ``Authorization: Bearer KEY`` and
:meth:`AdminAuth.verify_password` for the portal's sign-in form.
"""

from __future__ import annotations

from scimitar.admin.keys import KEY_PREFIX, APIKey, APIKeyService, key_id_of
from scimitar.admin.password import MIN_PASSWORD_LENGTH, check_password_policy
from scimitar.admin.service import AdminAuth

__all__ = [
    "KEY_PREFIX",
    "MIN_PASSWORD_LENGTH",
    "APIKey",
    "APIKeyService",
    "AdminAuth",
    "check_password_policy",
    "key_id_of",
]
