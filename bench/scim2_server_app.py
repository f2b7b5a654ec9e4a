"""The baseline for bench/target.py: scim2-server's ASGI app on its in-memory storage, served by
uvicorn (its fastest configuration: no WSGI threads, no persistence).

Usage: python bench/scim2_server_app.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from scim2_models import ScimProvider
from scim2_server.applications.asgi import ASGIApplication
from scim2_server.memory import AsyncInMemoryStorage
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)


def build() -> ASGIApplication:
    """scim2-server with its default schemas and resource types, and no authentication."""
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(),
        load_default_resource_types().values(),
        config=load_default_service_provider_config(),
    )
    return ASGIApplication(AsyncInMemoryStorage(), provider)


if __name__ == "__main__":
    uvicorn.run(
        build(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False
    )
