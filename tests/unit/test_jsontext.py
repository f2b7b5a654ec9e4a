"""``scimitar.jsontext``: orjson's speed with the standard library's results."""

from __future__ import annotations

import json

import pytest

from scimitar import jsontext


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1,"a":2}',
        "-0",
        "1.5",
        "[1.5e-400]",
        '{"userName":"bjensen","emails":[{"value":"b@example.com","primary":true}],"n":null}',
        b'{"displayName":"\xc3\xa9"}',
        # orjson reads these differently or refuses them; the standard library decides.
        "1E400",
        "NaN",
        '"\\ud800"',
        "18446744073709551616",
        "-9223372036854775809",
        '{"x":[{"y":99999999999999999999999}],"z":"text"}',
        '{"a":1.25,"b":123456789012345678901234567890}',
        '{"a":1}'.encode("utf-16"),
    ],
)
def test_loads_gives_what_json_loads_gives(text: str | bytes) -> None:
    ours, theirs = jsontext.loads(text), json.loads(text)
    assert repr(ours) == repr(theirs)
    assert type(ours) is type(theirs)


@pytest.mark.parametrize(
    ("text", "error"),
    [("{", ValueError), ("", ValueError), (b"\xff\xfe\xfd", UnicodeDecodeError)],
)
def test_loads_refuses_what_json_loads_refuses(text: str | bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        json.loads(text)
    with pytest.raises(error):
        jsontext.loads(text)
