"""Threading on hand-made shapes: references, loops, missing roots, conflicts, Thread-Index, subjects."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from loupe.threads.jwz import ThreadInput, build_tree, conversation_of, thread_messages
from loupe.threads.subjects import base_subject, is_reply_subject

T0 = datetime(2010, 6, 1, 9, 0, tzinfo=UTC)


def msg(
    id: str,
    refs: tuple[str, ...] = (),
    subject: str = "Plan",
    hours: float = 0,
    people: tuple[str, ...] = ("ann@x.org", "bob@x.org"),
    thread_index: str = "",
    message_id: str | None = None,
    sender: str | None = None,
) -> ThreadInput:
    return ThreadInput(
        id=id,
        message_id=message_id or f"{id}@x.org",
        references=tuple(f"{r}@x.org" for r in refs),
        subject=subject,
        date=T0 + timedelta(hours=hours),
        participants=frozenset(people),
        thread_index=thread_index,
        sender=sender if sender is not None else people[0],
    )


def threads_of(messages: list[ThreadInput]) -> list[set[str]]:
    result = thread_messages(messages)
    groups: dict[str, set[str]] = {}
    for mid, thread in result.thread_of.items():
        groups.setdefault(thread, set()).add(mid)
    return sorted(groups.values(), key=lambda g: sorted(g))


def test_replies_chain_into_one_tree() -> None:
    result = thread_messages([msg("a"), msg("b", ("a",), hours=1), msg("c", ("a", "b"), hours=2)])
    assert set(result.thread_of.values()) == {"a"}  # named after the earliest message
    assert result.parent_of == {"a": None, "b": "a", "c": "b"}


def test_missing_root_still_joins_its_replies() -> None:
    # both reply to r, which is not in the archive
    result = thread_messages([msg("b", ("r",), hours=1), msg("c", ("r",), hours=2)])
    assert result.thread_of["b"] == result.thread_of["c"] == "b"
    assert result.parent_of == {"b": None, "c": None}


def test_missing_middle_hangs_reply_from_nearest_ancestor() -> None:
    tree = build_tree([msg("a"), msg("c", ("a", "b"), hours=2)])
    assert tree == {"a": None, "c": "a"}


def test_reference_loop_does_not_hang_or_split() -> None:
    # a says it answers b, b says it answers a
    messages = [msg("a", ("b",)), msg("b", ("a",), hours=1)]
    tree = build_tree(messages)
    assert list(tree.values()).count(None) >= 1  # somebody is a root: no cycle
    assert threads_of(messages) == [{"a", "b"}]


def test_conflicting_parents_keep_one_tree() -> None:
    # c's References say a -> b -> c, d's say x -> b: b keeps its first parent
    messages = [msg("a"), msg("b", ("a",), hours=1), msg("c", ("a", "b"), hours=2), msg("d", ("x", "b"), hours=3)]
    result = thread_messages(messages)
    assert len(set(result.thread_of.values())) == 1
    assert result.parent_of["d"] == "b"


def test_same_message_id_different_content_share_a_thread() -> None:
    messages = [msg("a"), msg("a2", message_id="a@x.org", hours=1), msg("b", ("a",), hours=2)]
    assert threads_of(messages) == [{"a", "a2", "b"}]


def test_subject_fallback_needs_reply_prefix_an_exchange_and_time() -> None:
    messages = [
        msg("a", subject="Plaza dispute"),
        msg("b", subject="RE: Plaza dispute", hours=5, people=("bob@x.org", "ann@x.org")),  # bob answers ann
        msg("c", subject="Plaza dispute", hours=6),  # no Re: -> its own thread
        msg("d", subject="Re: Plaza dispute", hours=7, people=("eve@y.org",)),  # nobody in common
        msg("e", subject="Re: Plaza dispute", hours=24 * 45, people=("bob@x.org", "ann@x.org")),  # too late
        # both answer carl, not each other: no exchange between f and g
        msg("f", subject="Re: Test", hours=1, people=("dan@y.org", "carl@y.org")),
        msg("g", subject="Re: Test", hours=2, people=("eve@y.org", "carl@y.org")),
    ]
    groups = threads_of(messages)
    assert {"a", "b"} <= next(g for g in groups if "a" in g)
    assert next(g for g in groups if "d" in g) == {"d"}
    assert next(g for g in groups if "e" in g) == {"e"}
    assert next(g for g in groups if "f" in g) == {"f"}
    assert thread_messages(messages).parent_of["b"] == "a"


def test_reply_with_references_is_not_moved_by_subject() -> None:
    messages = [msg("a", subject="Plan"), msg("z", subject="Other"), msg("b", ("z",), subject="Re: Plan", hours=1)]
    result = thread_messages(messages)
    assert result.thread_of["b"] == result.thread_of["z"] != result.thread_of["a"]


def _thread_index(conversation: bytes, *children: bytes) -> str:
    return base64.b64encode(conversation + b"".join(children)).decode()


def test_outlook_thread_index_joins_and_orders_replies_without_references() -> None:
    root = bytes(range(22))
    messages = [
        msg("a", subject="Budget", thread_index=_thread_index(root)),
        msg("b", subject="Budget figures", hours=1, thread_index=_thread_index(root, b"\x01" * 5)),
        msg("c", subject="unrelated", hours=2, thread_index=_thread_index(bytes(22 * [9]))),
    ]
    result = thread_messages(messages)
    assert result.thread_of["a"] == result.thread_of["b"] != result.thread_of["c"]
    assert result.parent_of["b"] == "a"
    assert conversation_of("not base64!") is None


def test_subject_normalisation() -> None:
    assert base_subject("RE: [alpha] Fwd: AW:  Plaza dispute") == "plaza dispute"
    assert base_subject("Re[2]: Plan") == "plan"
    assert is_reply_subject("[alpha] Re: Plan") and is_reply_subject("AW: Plan")
    assert not is_reply_subject("FW: Plan") and not is_reply_subject("Fwd: Plan")
    assert not is_reply_subject("Regarding the plan") and not is_reply_subject("Plan")
