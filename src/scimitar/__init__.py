"""Scimitar: self-hosted identity provisioning over SCIM 2.0."""

__version__ = "0.1.0"
