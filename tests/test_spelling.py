"""Names spelled as the metadata spells them, after Whisper has heard the programme unaided."""

from __future__ import annotations

import pytest

from clgtv.recogniser import Word
from clgtv.spelling import spelled, terms

EVERYDAY = {"button", "leads", "reading", "asterisk", "north", "super", "awesome", "company"}


def heard(text: str) -> list[Word]:
    return [Word(float(i), i + 0.8, word, 0.9) for i, word in enumerate(text.split())]


def spell(text: str, *names: str) -> str:
    return " ".join(word.text for word in spelled(heard(text), terms(names), EVERYDAY.__contains__))


@pytest.mark.parametrize(
    ("said", "names", "written"),
    [
        ("a server at Digim. In order", ("Digium",), "a server at Digium. In order"),
        ("Imer Coleman of Co-op Digital", ("Emer Coleman",), "Emer Coleman of Co-op Digital"),
        ("North Co-ders, based near,", ("Northcoders",), "Northcoders, based near,"),
        ("calling super awesome company.", ("Super Awesome Company",), "calling Super Awesome Company."),
        ("Digim's server", ("Digium",), "Digium's server"),
        ("a Rochdale council officer", ("Rochdale Council",), "a Rochdale Council officer"),
    ],
    ids=["near", "near-two-words", "spacing", "case-of-a-phrase", "possessive", "longest-first"],
)
def test_a_stretch_that_sounds_like_a_name_is_written_as_the_name(said: str, names: tuple, written: str) -> None:
    assert spell(said, *names, "Rochdale") == written


@pytest.mark.parametrize(
    ("said", "names"),
    [
        ("press the button now", ("Sutton",)),  # one letter off, but an everyday word
        ("she leads the team", ("Leeds",)),  # too short for a near match
        ("reading the report", ("Reading",)),  # the name is an everyday word too
        ("an asterisk key", ("Asterisk",)),
        ("a diagram of it", ("Digium",)),  # too far
    ],
)
def test_everyday_words_and_distant_ones_are_left_alone(said: str, names: tuple) -> None:
    assert spell(said, *names) == said


def test_a_name_heard_as_more_or_fewer_words_keeps_their_time() -> None:
    words = spelled(heard("Vicky Sar gent said"), terms(["Vicky Sargent"]), EVERYDAY.__contains__)
    assert [w.text for w in words] == ["Vicky", "Sargent", "said"]
    assert words[0].start == 0.0 and words[1].end == pytest.approx(2.8) and words[2].start == 3.0
