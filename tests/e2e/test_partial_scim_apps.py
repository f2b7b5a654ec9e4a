"""Apps that implement SCIM partly (issue 22), end to end: the embedded target's quirk switches
reproduce each imperfection, and a real ``scimitar serve`` serves it over a socket.

The app's credentials point at a counting proxy in front of the server, so each test counts
the requests that reached the app (not what the engine thinks it sent). Every scenario checks
the three things docs/provisioning.md promises: the object lands once, the quirk is warned about
once (a log record step naming the attribute, and ``scimitar app status``), and a cycle with no
directory change sends nothing.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.commands import Scimitar
from tests.e2e.conftest import Server
from tests.e2e.counting_proxy import CountingProxy
from tests.e2e.target_view import TargetView

pytestmark = pytest.mark.e2e

QUIRK_STEP = "AppQuirkDetected"


@dataclass
class Partial:
    """One ``scim`` app on its own generic tenant with quirk switches, behind a proxy."""

    scimitar: Scimitar
    server: Server
    proxy: CountingProxy
    app: str = ""
    tenant: str = ""
    target: TargetView | None = None
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    def setup(self, *switches: str) -> TargetView:
        self.tenant = f"partial-{self.tag}"
        made = self.scimitar(
            "target", "tenant", "create", self.tenant, "--base-url", self.server.url,
            "--profile", "generic",
        )  # fmt: skip
        if switches:
            self.scimitar("target", "tenant", "quirk-switches", self.tenant, *switches)
        self.app = f"app-{self.tag}"
        self.scimitar("app", "add", "scim", "--name", self.app)
        url = str(made["tenant_urls"][0]).replace(self.server.url, self.proxy.url)
        self.scimitar("app", "credentials", self.app, "--tenant-url", url, "--token", made["token"])
        self.scimitar("app", "provisioning", self.app, "on")
        self.target = TargetView(made)
        return self.target

    def user(self, local: str, *pairs: str) -> str:
        upn = f"{local}.{self.tag}@contoso.com"
        self.scimitar("directory", "user", "add", upn, f"givenName={local.title()}", *pairs)
        self.scimitar("app", "assign", self.app, "--user", upn, "--role", "User")
        return upn

    def group(self, name: str, *members: str) -> str:
        display = f"{name} {self.tag}"
        self.scimitar("directory", "group", "add", display)
        if members:
            self.scimitar("directory", "group", "add-member", display, *members)
        self.scimitar("app", "assign", self.app, "--group", display, "--role", "User")
        return display

    def sync(self, *options: str) -> dict[str, Any]:
        """A cycle that must succeed with no failed object."""
        summary: dict[str, Any] = self.scimitar("app", "sync", self.app, *options)
        assert summary["status"] == "succeeded", summary
        assert summary["counts"].get("failure", 0) == 0, summary
        return summary

    def records(self, cycle: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.scimitar(
            "logs", self.app, "--cycle", cycle["cycleId"], "--limit", "5000"
        )
        return found

    def warnings(self, cycle: dict[str, Any]) -> Counter[tuple[str, str]]:
        """The quirk warnings a cycle logged: (kind, Type.attribute) → how many."""
        return Counter(
            (step["details"]["Quirk"], step["details"]["Attribute"])
            for record in self.records(cycle)
            for step in record["provisioningSteps"]
            if step["name"] == QUIRK_STEP and step["status"] == "warning"
        )

    def learned(self) -> set[tuple[str, str, str]]:
        """What ``scimitar app status`` shows the app was found not to implement."""
        status = self.scimitar("app", "status", self.app)
        return {(q["kind"], q["objectType"], q["attribute"]) for q in status["appQuirks"]}

    def named(self, display: str) -> list[dict[str, Any]]:
        """The app's groups called ``display``, found by listing (filters may be ignored)."""
        assert self.target is not None
        return [g for g in self.target.groups() if g["displayName"] == display]


@pytest.fixture(scope="module")
def scimitar(server: Server) -> Scimitar:
    return Scimitar(server)


@pytest.fixture(scope="module")
def proxy(server: Server) -> Iterator[CountingProxy]:
    with CountingProxy(server.url) as running:
        yield running


@pytest.fixture
def partial(scimitar: Scimitar, server: Server, proxy: CountingProxy) -> Iterator[Partial]:
    made = Partial(scimitar, server, proxy)
    yield made
    if made.target is not None:
        made.target.close()


def test_a_refused_patch_goes_as_put_once_then_straight_to_put(partial: Partial) -> None:
    target = partial.setup("--patch-unsupported", "title", "--numeric-status")
    ada = partial.user("ada", "jobTitle=Analyst")
    bob = partial.user("bob", "jobTitle=Analyst")
    partial.sync()

    partial.scimitar("directory", "user", "set", ada, "jobTitle=Engineer")
    mark = partial.proxy.mark()
    refused = partial.sync()
    assert partial.proxy.writes_since(mark) == Counter({"PATCH": 1, "PUT": 1})
    assert target.user(ada)["title"] == "Engineer"
    assert partial.warnings(refused) == Counter({("patchRefused", "User.title"): 1})
    assert ("patchRefused", "User", "title") in partial.learned()

    partial.scimitar("directory", "user", "set", ada, "jobTitle=Director")
    mark = partial.proxy.mark()
    straight = partial.sync()
    assert partial.proxy.writes_since(mark) == Counter({"PUT": 1})  # no PATCH tried first
    assert target.user(ada)["title"] == "Director"
    assert partial.warnings(straight) == Counter()

    partial.scimitar("directory", "user", "set", bob, "givenName=Robert")
    mark = partial.proxy.mark()
    partial.sync()  # another attribute: PATCH as usual
    assert partial.proxy.writes_since(mark) == Counter({"PATCH": 1})
    assert target.user(bob)["name"]["givenName"] == "Robert"

    mark = partial.proxy.mark()
    partial.sync()
    assert partial.proxy.writes_since(mark) == Counter()


def test_an_ignored_filter_is_found_and_matching_lists_instead(partial: Partial) -> None:
    target = partial.setup("--filter-ignored", "displayName")
    ada = partial.user("ada")
    crew = f"Crew {partial.tag}"
    held = target.create_group(crew)  # made in the app by hand before Scimitar
    partial.group("Crew", ada)
    band = partial.group("Band", ada)

    first = partial.sync()
    assert [g["id"] for g in partial.named(crew)] == [held["id"]]  # adopted, not created
    assert len(partial.named(band)) == 1
    assert partial.warnings(first) == Counter({("filterIgnored", "Group.displayName"): 1})
    assert ("filterIgnored", "Group", "displayName") in partial.learned()

    tested = partial.scimitar("app", "test-connection", partial.app)
    assert tested["warnings"] == [
        "this app ignores filters on Groups.displayName; matching lists groups instead"
    ]

    late = f"Late {partial.tag}"
    late_held = target.create_group(late)
    partial.group("Late", ada)  # an incremental cycle matches it: by listing
    later = partial.sync()
    assert [g["id"] for g in partial.named(late)] == [late_held["id"]]
    assert partial.warnings(later) == Counter()

    partial.scimitar("app", "restart", partial.app, "--reset", "full")  # links and quirks
    again = partial.sync()
    assert again["counts"].get("create", 0) == 0
    for name in (crew, band, late):
        assert len(partial.named(name)) == 1, name
    assert len(target.users()) == 1
    assert partial.warnings(again) == Counter({("filterIgnored", "Group.displayName"): 1})


def test_an_attribute_the_app_drops_is_learned_and_not_sent_again(partial: Partial) -> None:
    target = partial.setup("--drop-attribute", "preferredLanguage")
    ada = partial.user("ada", "preferredLanguage=fr-FR", "jobTitle=Analyst")
    partial.user("bob", "preferredLanguage=de-DE")

    first = partial.sync()
    assert "preferredLanguage" not in target.user(ada)
    assert partial.warnings(first) == Counter({("notKept", "User.preferredLanguage"): 1})
    (created,) = partial.scimitar("logs", partial.app, "--cycle", first["cycleId"], "--user", ada)
    shown = {p["displayName"]: p.get("note") for p in created["modifiedProperties"]}
    assert shown["preferredLanguage"] == "not kept by the app"
    assert shown["title"] is None
    assert ("notKept", "User", "preferredLanguage") in partial.learned()

    mark = partial.proxy.mark()
    partial.sync()
    assert partial.proxy.writes_since(mark) == Counter()

    partial.scimitar("app", "restart", partial.app, "--reset", "links")
    mark = partial.proxy.mark()
    adopted = partial.sync()  # compares with the app: the dropped value is not sent again
    assert adopted["counts"].get("create", 0) == 0
    assert partial.proxy.writes_since(mark) == Counter()


def test_every_quirk_at_once_converges_and_then_sends_nothing(partial: Partial) -> None:
    target = partial.setup(
        "--patch-unsupported", "title", "--filter-ignored", "displayName",
        "--drop-attribute", "preferredLanguage", "--numeric-status",
    )  # fmt: skip
    ada = f"ada.{partial.tag}@contoso.com"
    target.create_user(ada, title="Old")  # in the app already: adopted, its title updated
    crew = f"Crew {partial.tag}"
    target.create_group(crew)
    users = [
        partial.user("ada", "jobTitle=Analyst", "preferredLanguage=fr-FR"),
        partial.user("bob", "jobTitle=Analyst", "preferredLanguage=de-DE"),
        partial.user("cy", "jobTitle=Clerk"),
    ]
    groups = [partial.group("Crew", users[0], users[1]), partial.group("Band", users[2])]

    first = partial.sync()
    assert partial.warnings(first) == Counter(
        {
            ("patchRefused", "User.title"): 1,
            ("filterIgnored", "Group.displayName"): 1,
            ("notKept", "User.preferredLanguage"): 1,
        }
    )
    assert target.user(ada)["title"] == "Analyst"
    assert sorted(u["userName"] for u in target.users()) == sorted(users)
    for name in groups:
        assert len(partial.named(name)) == 1, name

    mark = partial.proxy.mark()
    steady = partial.sync()
    assert partial.proxy.writes_since(mark) == Counter()
    assert steady["counts"].get("failure", 0) == 0

    partial.scimitar("app", "restart", partial.app, "--reset", "links")
    again = partial.sync()
    assert again["counts"].get("create", 0) == 0
    assert sorted(u["userName"] for u in target.users()) == sorted(users)
    for name in groups:
        assert len(partial.named(name)) == 1, name
    assert partial.warnings(again) == Counter()  # learned before: not warned about again
