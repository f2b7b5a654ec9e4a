"""The outbound SCIM client: transport, auth, rate limits, error taxonomy, Bulk.

Re-exported here: the transport seam, :class:`SCIMClient`, the error taxonomy, Test Connection
and schema discovery. Dialects live in :mod:`scimitar.scim.dialects`.
"""

from scimitar.connector.client import USER_AGENT, Credentials, SCIMClient, split_tenant_url
from scimitar.connector.discovery import Capabilities, DiscoveredAttribute, Discovery, discover
from scimitar.connector.errors import (
    HTTPFailure,
    NetworkFailure,
    TargetAuthError,
    TargetNotImplementedError,
    TargetObjectConflictError,
    TargetObjectNotFoundError,
    TargetRejectedObjectError,
    TargetResponseError,
    TargetTLSError,
    TargetUnavailableError,
    TargetUnreachableError,
    error_for_response,
)
from scimitar.connector.probe import (
    ConnectionTest,
    ProbeFailure,
    ProbeFailureKind,
    ProbeStep,
    probe_connection,
)
from scimitar.connector.transport import (
    AiohttpTransport,
    Timeouts,
    Transport,
    TransportRequest,
    TransportResponse,
)

__all__ = [
    "USER_AGENT",
    "AiohttpTransport",
    "Capabilities",
    "ConnectionTest",
    "Credentials",
    "DiscoveredAttribute",
    "Discovery",
    "HTTPFailure",
    "NetworkFailure",
    "ProbeFailure",
    "ProbeFailureKind",
    "ProbeStep",
    "SCIMClient",
    "TargetAuthError",
    "TargetNotImplementedError",
    "TargetObjectConflictError",
    "TargetObjectNotFoundError",
    "TargetRejectedObjectError",
    "TargetResponseError",
    "TargetTLSError",
    "TargetUnavailableError",
    "TargetUnreachableError",
    "Timeouts",
    "Transport",
    "TransportRequest",
    "TransportResponse",
    "discover",
    "error_for_response",
    "probe_connection",
    "split_tenant_url",
]
