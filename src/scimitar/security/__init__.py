"""Protections shared by every face: request body limits, sign-in throttling, file modes.

See ``docs/security.md`` for the threat model these serve.
"""
