"""What a provisioning job's settings must satisfy before they are saved."""

from __future__ import annotations

import re

from scimitar.apps.model import JobSettings
from scimitar.errors import ConfigError
from scimitar.gallery.template import AppTemplate

__all__ = ["MAX_INTERVAL_MINUTES", "validate_settings"]

#: A day; longer gaps would let changes pile up past the change log's use.
MAX_INTERVAL_MINUTES = 1440
MAX_DELETE_THRESHOLD = 10**9
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def validate_settings(settings: JobSettings, template: AppTemplate) -> None:
    """Check settings against their ranges and the app's template.

    Raises:
        ConfigError: Naming the setting and the accepted values.
    """
    email = settings.notify_email
    if email is not None and not _EMAIL.match(email):
        raise ConfigError(f"--notify {email!r} is not an email address")
    if settings.notify_on_failure and email is None:
        raise ConfigError("--notify-on-failure needs a notification email (--notify EMAIL)")
    threshold = settings.delete_threshold
    if threshold is not None and not 1 <= threshold <= MAX_DELETE_THRESHOLD:
        raise ConfigError(
            f"--delete-threshold must be between 1 and {MAX_DELETE_THRESHOLD} "
            "(or --no-delete-threshold)"
        )
    if not 1 <= settings.interval_minutes <= MAX_INTERVAL_MINUTES:
        raise ConfigError(f"--interval must be between 1 and {MAX_INTERVAL_MINUTES} minutes")
    window = settings.delete_window_minutes
    if window is not None and not 1 <= window <= MAX_INTERVAL_MINUTES:
        raise ConfigError(
            f"--delete-window must be between 1 and {MAX_INTERVAL_MINUTES} minutes "
            "(or --delete-window-interval for the cycle interval)"
        )
    unknown = settings.disabled_object_types - set(template.object_types)
    if unknown or "User" in settings.disabled_object_types:
        raise ConfigError(
            f"{template.display_name} provisions {', '.join(template.object_types)}; "
            "only Group provisioning can be turned off"
        )
