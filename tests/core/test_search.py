"""Folding text and reading queries: the part of search that is the same on every database."""

import random

import pytest

from carte.core import search
from carte.core.search import MAX_QUERY_LENGTH, MAX_TERMS, document, fold, read

# What people paste into a search box, and what attackers do.
HOSTILE = [
    "'",
    '"',
    '""',
    "%",
    "%%",
    "_",
    "*",
    "a*",
    "^acme",
    "acme:",
    "name:acme",
    "(",
    "))",
    "NEAR(a b)",
    "NEAR",
    "acme AND NOT x",
    "a OR b",
    '"acme',
    "'; DROP TABLE clients_client; --",
    "\\",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u200b",
    "\ud800",
    "🙂",
    "+",
    "-",
    "...",
    "@",
    "   ",
    "x" * 10_000,
    "a " * 5_000,
]


def _random_texts(count: int, seed: int = 20261126) -> list[str]:
    """Arbitrary text from a fixed seed: any code point, operators and quotes more often."""
    rng = random.Random(seed)
    pieces = ['"', "'", "%", "_", "*", "^", "(", ")", ":", "+", "-", "\\", "\x00", " ", "NEAR", "AND", "OR", "NOT"]
    texts = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, 12)):
            if rng.random() < 0.4:
                parts.append(rng.choice(pieces))
            else:
                parts.append(
                    chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0x52F), rng.randint(0, 0x10FFFF)]))
                )
        texts.append("".join(parts))
    return texts


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("  Société\tGÉNÉRALE ", "societe generale"),
        ("Ёлка", "елка"),
        ("ЁЛКА", "елка"),
        ("Йошкар-Ола", "йошкар-ола"),  # й stays a letter of its own
        ("Straße", "strasse"),
        ("Œuvre Æther", "oeuvre aether"),
        ("L’Oréal", "l'oreal"),
        ("Jean–Pierre", "jean-pierre"),
        ("Jean\u00adPierre", "jeanpierre"),  # a soft hyphen is invisible: it joins
        ("a\x00b\x07c\nd", "a b c d"),
        ("İstanbul", "istanbul"),
        ("ﬁne", "fine"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_removes_accents_case_and_control_characters(text, folded):
    assert fold(text) == folded


def test_fold_caps_the_length_unless_told_not_to():
    assert len(fold("é" * 10_000)) == MAX_QUERY_LENGTH
    assert len(fold("é" * 10_000, None)) == 10_000


@pytest.mark.parametrize("text", HOSTILE + _random_texts(300))
def test_fold_and_read_accept_anything(text):
    folded = fold(text)
    query = read(text)
    assert len(folded) <= MAX_QUERY_LENGTH
    assert not any(ord(char) < 32 or 0xD800 <= ord(char) <= 0xDFFF for char in folded)
    assert len(query.alternatives[0] if query else ()) <= MAX_TERMS
    for group in query.alternatives:
        assert all(needle.strip() and "\x00" not in needle for needle in group)


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("+33 6 12", ("0033612",)),
        ("+33 (0)6 12", ("0033612",)),
        ("0033 6 12", ("0033612",)),
        ("0612", ("0612",)),
        ("06.12.34", ("061234",)),
        ("612 34", ("61234",)),
        ("06", (" 06",)),
    ],
)
def test_a_phone_like_query_is_its_digits(text, needles):
    assert read(text).alternatives == (needles,)


def test_terms_are_trimmed_and_short_ones_start_a_word():
    assert read("(Acme), li").alternatives == (("acme", " li"),)
    assert read("o'neil").alternatives == (("o'neil",),)
    assert read("sales@acme.example").alternatives == (("sales@acme.example",),)


def test_a_term_another_contains_adds_nothing():
    assert read("acme acm ACME").alternatives == (("acme",),)


def test_an_id_typed_in_pieces_is_also_read_run_together():
    assert read("FR 40 303").alternatives == ((" fr", " 40", "303"), ("fr40303",))
    assert read("acme industries").alternatives == (("acme", "industries"),)


def test_nothing_to_search_in_punctuation():
    for text in ["%", "***", '"', "'", "()", "-", "   ", "\x00\x01"]:
        assert not read(text)


def test_at_most_a_few_terms():
    assert len(read(" ".join(f"word{n}" for n in range(50))).alternatives[0]) == MAX_TERMS


def test_a_document_starts_with_its_title_and_drops_empty_and_repeated_values():
    assert document("Acme SA", [""], ["a@b.fr", "A@B.fr"], "") == f"{search.TITLE} acme sa | a@b.fr"
    assert document("", "x") == f"{search.TITLE}  | x"


@pytest.mark.parametrize("needle", ['a"b', '"', '""', "NEAR(", "a OR b", "x*", "^y", "col:z"])
def test_an_fts_string_is_one_quoted_string(needle):
    quoted = search._fts_string(needle)
    assert quoted.startswith('"') and quoted.endswith('"')
    assert quoted[1:-1].replace('""', "").count('"') == 0


@pytest.mark.parametrize("text", [*HOSTILE[:30], *(t.encode("ascii", "replace").decode() for t in _random_texts(200))])
def test_plain_ascii_folds_as_any_other_text(text):
    """ASCII takes a shortcut; with one accented letter more, the same text takes the long way."""
    assert fold(text + " é", None) == f"{fold(text, None)} e".strip()
