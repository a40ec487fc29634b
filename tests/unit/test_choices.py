"""Closed sets typed by a person (a ceremony, a notice topic): the value itself when it
is one of them, else a refusal in Chinese first that names every option."""

from __future__ import annotations

import pytest

from lottery_service.core.seed import CEREMONIES
from lottery_service.errors import RejectedInputError, one_of
from lottery_service.service.lifecycle import ceremony_of
from lottery_service.service.notifications import TOPICS, topic_of


def test_each_option_is_itself() -> None:
    assert [ceremony_of(c) for c in CEREMONIES] == list(CEREMONIES)
    assert [topic_of(t) for t in TOPICS] == list(TOPICS)


@pytest.mark.parametrize("typed", ["Lottery", " lottery", "lottery ", "", "摇号"])
def test_anything_else_is_refused_naming_the_options(typed: str) -> None:
    with pytest.raises(RejectedInputError) as refused:
        ceremony_of(typed)
    assert refused.value.zh.startswith(f"没有仪式 {typed!r}")
    assert all(c in refused.value.zh for c in CEREMONIES)
    with pytest.raises(RejectedInputError) as refused:
        topic_of(typed)
    assert all(t in str(refused.value) for t in TOPICS)


def test_one_of_keeps_the_messages_it_is_given() -> None:
    with pytest.raises(RejectedInputError) as refused:
        one_of("c", ("a", "b"), "expected a or b", "应为 a 或 b")
    assert (str(refused.value), refused.value.zh) == ("expected a or b", "应为 a 或 b")
