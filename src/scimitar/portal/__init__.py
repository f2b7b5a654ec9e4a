"""The web portal: server-rendered pages (Jinja2) over the services the CLI uses.

htmx (vendored under ``static/``) drives the live parts; every page works without JavaScript.
:func:`scimitar.app.create_app` mounts the portal at ``/portal``.
"""

from __future__ import annotations

from scimitar.portal.server import create_portal

__all__ = ["create_portal"]
