"""How an initial cycle matches, per object type (docs/provisioning.md "Matching and requests
per user")."""

from __future__ import annotations

import pytest

from scimitar.apps.model import ConnectorOptions
from scimitar.engine.run.matchchoice import LISTING_MAX_OBJECTS, choose
from scimitar.gallery.schema import MatchingMethod, UpdateMethod


def _options(matching: MatchingMethod, or_terms: int | None = None) -> ConnectorOptions:
    return ConnectorOptions(
        UpdateMethod.PATCH, False, None, True, None, matching, filter_or_max_terms=or_terms
    )


@pytest.mark.parametrize(
    ("matching", "or_terms", "total", "in_scope", "expected"),
    [
        (MatchingMethod.AUTO, None, 0, 20_000, MatchingMethod.LISTING),
        (MatchingMethod.AUTO, None, 100_000, 200, MatchingMethod.LISTING),
        (MatchingMethod.AUTO, None, 100_001, 200, MatchingMethod.PER_OBJECT),
        (MatchingMethod.AUTO, 100, 100_000, 20_000, MatchingMethod.LISTING),
        (MatchingMethod.AUTO, 100, 1_000_000, 20_000, MatchingMethod.FILTER_BATCHES),
        (MatchingMethod.AUTO, None, LISTING_MAX_OBJECTS + 1, 10**7, MatchingMethod.PER_OBJECT),
        (MatchingMethod.AUTO, None, None, 10, MatchingMethod.PER_OBJECT),
        (MatchingMethod.AUTO, None, 5, 0, MatchingMethod.PER_OBJECT),
        (MatchingMethod.PER_OBJECT, None, 0, 20_000, MatchingMethod.PER_OBJECT),
        (MatchingMethod.LISTING, None, 10**7, 1, MatchingMethod.LISTING),
    ],
    ids=[
        "empty-app-lists",
        "pages-no-more-than-queries",
        "pages-more-than-queries",
        "listing-beats-batches",
        "batches-beat-listing",
        "too-many-to-index",
        "app-gives-no-count",
        "nothing-in-scope",
        "entra-per-object-setting",
        "listing-setting",
    ],
)
def test_the_cheaper_method_is_chosen_unless_the_template_says(
    matching: MatchingMethod,
    or_terms: int | None,
    total: int | None,
    in_scope: int,
    expected: MatchingMethod,
) -> None:
    assert choose(_options(matching, or_terms), total, in_scope) is expected
