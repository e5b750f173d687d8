"""Grouping addresses into persons and lists: safe rules, and users' edits replayed."""

from __future__ import annotations

from loupe.people.identities import Edit, Usage, group_addresses, looks_like_list


def usage(
    email: str, names: dict[str, int] | None = None, sent: int = 1, received: int = 1, via_list: int = 0
) -> Usage:
    return Usage(email, names or {}, sent, received, via_list)


def test_one_person_per_address_and_the_most_used_name() -> None:
    people = group_addresses([usage("ann@x.org", {"Ann Lee": 5, "ann@x.org": 9, "A. Lee": 1})], [])
    assert [(p.name, p.kind, p.emails) for p in people] == [("Ann Lee", "person", ("ann@x.org",))]


def test_a_nameless_address_is_named_by_itself() -> None:
    assert group_addresses([usage("noreply@x.org")], [])[0].name == "noreply@x.org"


def test_lists_are_recognised_by_list_id_share_or_by_name() -> None:
    assert looks_like_list(usage("alpha@meridian.example", sent=0, received=40, via_list=40))
    assert not looks_like_list(usage("ann@meridian.example", sent=10, received=40, via_list=10))
    for address in ("notmuch-request@x.org", "owner-foo@x.org", "fans-l@x.org", "dev-bounces@x.org", "listserv@x.org"):
        assert looks_like_list(usage(address)), address
    assert not looks_like_list(usage("carl@x.org"))


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
