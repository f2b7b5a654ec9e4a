"""The embedded SCIM 2.0 service provider: multi-tenant, Webex-compatible, persistent."""
