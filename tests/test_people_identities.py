"""Grouping addresses into persons and lists: safe rules, and users' edits replayed."""

from __future__ import annotations

from loupe.people.identities import Edit, Usage, group_addresses, is_relay_name, looks_like_list


def usage(email: str, names: dict[str, int] | None = None, sent: int = 1, received: int = 1, relayed: int = 0) -> Usage:
    return Usage(email, names or {}, sent, received, relayed)


def test_one_person_per_address_and_the_most_used_name() -> None:
    people = group_addresses([usage("ann@x.org", {"Ann Lee": 5, "ann@x.org": 9, "A. Lee": 1})], [])
    assert [(p.name, p.kind, p.emails) for p in people] == [("Ann Lee", "person", ("ann@x.org",))]


def test_a_nameless_address_is_named_by_itself() -> None:
    assert group_addresses([usage("noreply@x.org")], [])[0].name == "noreply@x.org"


def test_a_list_id_names_its_list_even_in_from() -> None:
    ids = {"alpha.meridian.example", "notmuch.notmuchmail.org"}
    assert looks_like_list(usage("alpha@meridian.example", sent=0, received=40), ids)
    # digests and notices come from the list's own address: still the list
    assert looks_like_list(usage("notmuch@notmuchmail.org", sent=5, received=50), ids)
    assert not looks_like_list(usage("alpha@other.example", sent=0, received=40), ids)


def test_receiving_list_copies_never_makes_a_person_a_list() -> None:
    """The received mail's List-Ids say nothing about the recipient: a maintainer Cc'd on
    every patch, an analyst who reads alpha@, a silent subscriber are people, at any size."""
    ids = {"linux-kernel.vger.kernel.org", "alpha.meridian.example"}
    for received in (1, 3, 40, 100_000):
        assert not looks_like_list(usage("broonie@kernel.org", sent=0, received=received), ids)
        assert not looks_like_list(usage("ann@meridian.example", sent=received, received=received), ids)


def test_list_machinery_is_a_list_even_when_it_writes() -> None:
    for address in (
        "notmuch-request@x.org",
        "owner-foo@x.org",
        "dev-bounces@x.org",
        "dev-bounces+ann=x.org@x.org",
        "freebsd-hackers+owner@freebsd.org",
        "listserv@x.org",
    ):
        assert looks_like_list(usage(address, sent=3)), address
    assert not looks_like_list(usage("carl@x.org"))


def test_a_list_like_name_is_a_list_only_while_it_never_writes_as_itself() -> None:
    for address in ("fans-l@x.org", "smime-dev@rsa.com", "aur-general@archlinux.org", "foo-users@x.org"):
        assert looks_like_list(usage(address, sent=0)), address
        assert not looks_like_list(usage(address, sent=2)), address


def test_mail_under_other_peoples_names_comes_from_a_relay() -> None:
    assert is_relay_name("'Ann Lee' via analysts") and is_relay_name(" via RT") and is_relay_name("Ann (via Twitter)")
    assert not is_relay_name("Maria Via Lactea") and not is_relay_name("Olivia Nunes") and not is_relay_name("")
    assert looks_like_list(usage("rt-queue@x.org", sent=0, relayed=2))


def test_the_users_mark_wins_over_the_rules() -> None:
    ids = {"analysts.x.org"}
    usages = [usage("analysts@x.org", sent=0, received=9), usage("ann@x.org", sent=4)]
    people = {p.emails[0]: p.kind for p in group_addresses(usages, [], ids)}
    assert people == {"analysts@x.org": "list", "ann@x.org": "person"}
    edits = [Edit("person", ("analysts@x.org",)), Edit("list", ("ann@x.org",))]
    people = {p.emails[0]: p.kind for p in group_addresses(usages, edits, ids)}
    assert people == {"analysts@x.org": "person", "ann@x.org": "list"}


def test_edits_merge_split_rename_and_mark_replay_in_order() -> None:
    usages = [
        usage("ann@x.org", {"Ann": 3}),
        usage("ann.lee@gmail.example", {"Ann Lee": 1}),
        usage("bob@x.org", {"Bob": 2}),
        usage("alerts@x.org"),
    ]
    edits = [
        Edit("merge", ("ann@x.org", "ann.lee@gmail.example", "bob@x.org")),
        Edit("split", ("bob@x.org",)),
        Edit("rename", ("ann.lee@gmail.example",), "Ann Lee (Meridian)"),
        Edit("list", ("alerts@x.org",)),
        Edit("merge", ("gone@x.org", "ann@x.org")),  # an address not in the case: waits, does nothing
    ]
    people = {p.emails: p for p in group_addresses(usages, edits)}
    assert set(people) == {("ann.lee@gmail.example", "ann@x.org"), ("bob@x.org",), ("alerts@x.org",)}
    assert people[("ann.lee@gmail.example", "ann@x.org")].name == "Ann Lee (Meridian)"
    assert people[("bob@x.org",)].name == "Bob"
    assert people[("alerts@x.org",)].kind == "list"
