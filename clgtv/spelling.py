"""Names spelled as the metadata spells them, in what the recogniser heard.

Whisper is not steered while it listens: a glossary given as a prompt (`hotwords`) made it drop
whole passages of real speech (bench/README.md). It hears the programme unaided, and afterwards a
stretch of words that sounds like a glossary term, letter for letter or nearly, is written as the
term: "Digim" as "Digium", "North Co-ders" as "Northcoders", "Imer Coleman" as "Emer Coleman".

A near match replaces only words that are not everyday words: "button" is never made "Sutton".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from clgtv.recogniser import Word

MIN_NEAR = 6  # letters a term needs before a near match counts; shorter ones must match exactly
LETTERS_PER_EDIT = 5  # a near match may differ by one letter for every this many of the term's
EDGE = re.compile(r"^([^\w]*)(.*?)((?:'s|’s)?[^\w]*)$", re.IGNORECASE)  # leading, the word, trailing

Common = Callable[[str], bool]  # whether a word is an everyday word (one token of Whisper's vocabulary)


@dataclass(frozen=True)
class Term:
    text: str  # as the metadata spells it
    words: tuple[str, ...]
    key: str  # its letters and digits, lower case

    @property
    def allowed(self) -> int:
        """How many letters a stretch that sounds like it may differ by."""
        return 0 if len(self.key) < MIN_NEAR else len(self.key) // LETTERS_PER_EDIT


def terms(names: Sequence[str]) -> list[Term]:
    """The glossary as terms to match, longest first, so "Rochdale Council" wins over "Rochdale"."""
    found = {_key(name): Term(name, tuple(name.split()), _key(name)) for name in names if _key(name)}
    return sorted(found.values(), key=lambda term: (-len(term.key), term.text))


def spelled(words: Sequence[Word], glossary: Sequence[Term], common: Common) -> list[Word]:
    """`words` with each stretch that sounds like a glossary term written as the term."""
    result: list[Word] = []
    index = 0
    while index < len(words):
        match = _match(words, index, glossary, common)
        if match is None:
            result.append(words[index])
            index += 1
        else:
            term, length = match
            result += _written(words[index : index + length], term)
            index += length
    return result


def _match(words: Sequence[Word], index: int, glossary: Sequence[Term], common: Common) -> tuple[Term, int] | None:
    for term in glossary:
        found = _closest(words, index, term)
        if found is None:
            continue
        distance, length = found
        later = _distance(_heard_key(words[index + 1 : index + length]), term) if length > 1 else None
        if later is not None and later < distance:
            continue  # a word before the name ("a Rochdale Council"): the match starts one word on
        if _worth_writing(words[index : index + length], term, common):
            return term, length
    return None


def _closest(words: Sequence[Word], index: int, term: Term) -> tuple[int, int] | None:
    """The fewest edits, and the number of words, of the stretch from `index` nearest the term."""
    found = []
    for rank, length in enumerate(_lengths(len(term.words), len(words) - index)):
        distance = _distance(_heard_key(words[index : index + length]), term)
        if distance is not None:
            found.append((distance, rank, length))
    return (min(found)[0], min(found)[2]) if found else None


def _lengths(term_words: int, left: int) -> list[int]:
    """How many heard words may make up a term: its own count, one fewer, or one more."""
    return [n for n in (term_words, term_words - 1, term_words + 1) if 1 <= n <= left]


def _heard_key(stretch: Sequence[Word]) -> str:
    return "".join(_key(_core(word.text)) for word in stretch)


def _worth_writing(stretch: Sequence[Word], term: Term, common: Common) -> bool:
    """Whether writing the term changes something, and the stretch is the term, not an everyday word
    that happens to sound like it ("leads" for Leeds; "reading" for Reading)."""
    heard, written = _heard_key(stretch), " ".join(_core(word.text) for word in stretch)
    if written == term.text:
        return False
    if len(stretch) == 1 and (heard != term.key or written.casefold() == term.text.casefold()):
        return (heard == term.key and len(term.words) > 1) or not common(written.casefold())
    return True


def _written(stretch: Sequence[Word], term: Term) -> list[Word]:
    """The term's words in the stretch's time, keeping the punctuation around it and a possessive."""
    lead = EDGE.match(stretch[0].text)[1]  # type: ignore[index]
    trail = EDGE.match(stretch[-1].text)[3]  # type: ignore[index]
    texts = list(term.words)
    texts[0], texts[-1] = lead + texts[0], texts[-1] + trail
    if len(texts) == len(stretch):
        return [replace(word, text=text) for word, text in zip(stretch, texts, strict=True)]
    start, end = stretch[0].start, stretch[-1].end
    probability = min(word.probability for word in stretch)
    total = sum(len(text) for text in texts)
    result, at = [], start
    for text in texts:
        step = (end - start) * len(text) / total
        result.append(Word(round(at, 3), round(at + step, 3), text, probability))
        at += step
    return result


def _core(text: str) -> str:
    """A heard word without the punctuation around it or a possessive: "Digim's," -> "Digim"."""
    return EDGE.match(text)[2]  # type: ignore[index]


def _key(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _distance(heard: str, term: Term) -> int | None:
    """How many edits (Levenshtein) `heard` is from the term, if within those it allows."""
    key, allowed = term.key, term.allowed
    if abs(len(heard) - len(key)) > allowed:
        return None
    if allowed == 0:
        return 0 if heard == key else None
    row = list(range(len(key) + 1))
    for i, letter in enumerate(heard, start=1):
        diagonal, row[0] = row[0], i
        for j, other in enumerate(key, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (letter != other))
        if min(row) > allowed:
            return None
    return row[-1] if row[-1] <= allowed else None
