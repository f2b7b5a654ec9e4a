"""``scimitar validate``: Entra's request sequences against a vendor's SCIM endpoint.

Scenarios (:mod:`.users`, :mod:`.groups`, :mod:`.discovery`) send the requests Scimitar's own
dialects build and check the answers; :mod:`.runner` runs them safely; :mod:`.report` prints the
report and JUnit XML. docs/validator.md is the vendor's guide.
"""
