"""Time-ordered ids: UUIDv7 layout, uniqueness, order across milliseconds, fork safety."""

from __future__ import annotations

import os
import time
import uuid

from scimitar.ids import uuid7


def test_an_id_is_a_canonical_version_7_uuid_with_the_rfc_variant() -> None:
    text = uuid7()
    parsed = uuid.UUID(text)
    assert str(parsed) == text
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122


def test_the_first_48_bits_are_the_time_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    made = uuid.UUID(uuid7()).int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= made <= after


def test_ids_are_unique_and_later_milliseconds_sort_later() -> None:
    first = [uuid7() for _ in range(20_000)]
    time.sleep(0.002)
    second = [uuid7() for _ in range(100)]
    assert len(set(first + second)) == len(first) + len(second)
    assert max(first) < min(second)


def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then out without running the test session's exit
        os.close(read)
        os.write(write, ",".join(uuid7() for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    parent = {uuid7() for _ in range(50)}
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split(","))
    os.waitpid(pid, 0)
    tails = {i[15:] for i in parent}  # the random part, whatever the millisecond
    assert len(child) == 50
    assert not tails & {i[15:] for i in child}
