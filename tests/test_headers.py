"""Header decoding: the fast address path agrees with the stdlib's parser."""

from __future__ import annotations

from email.utils import getaddresses

from hypothesis import given
from hypothesis import strategies as st

from loupe.ingest.headers import _simple_pairs, parse_addresses

local = st.from_regex(r"[a-z][a-z0-9.]{0,10}", fullmatch=True)
domain = st.from_regex(r"[a-z]{1,8}\.(org|com|example)", fullmatch=True)
name = st.from_regex(r"[A-Z][a-z]{0,8}( [A-Z][a-z]{0,8})?", fullmatch=True)
mailbox = st.builds(
    lambda n, lo, d, named: f"{n} <{lo}@{d}>" if named else f"{lo}@{d}", name, local, domain, st.booleans()
)


@given(st.lists(mailbox, min_size=1, max_size=6))
def test_fast_path_matches_stdlib(mailboxes: list[str]) -> None:
    header = ", ".join(mailboxes)
    assert _simple_pairs(header) == getaddresses([header])


def test_hard_shapes_go_to_the_stdlib() -> None:
    for header in ['"Doe, John" <j@d.org>', "undisclosed-recipients:;", "a@b (comment)", "Group: x@y, z@w;"]:
        assert _simple_pairs(header) is None
    assert [a.email for a in parse_addresses('"Doe, John" <j@d.org>, k@e.org')] == ["j@d.org", "k@e.org"]
    assert parse_addresses('"Doe, John" <j@d.org>')[0].name == "Doe, John"
    assert parse_addresses("no address here at all")[0].raw == "no address here at all"
