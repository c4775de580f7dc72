"""Tests for ragseed.generate.compose: document structure, sizes, sections, boilerplate."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ragseed.core.documents import TOPICS
from ragseed.core.tokens import estimate_tokens
from ragseed.generate.compose import (
    boilerplate_text,
    document_pieces,
    document_title,
    glue_tokens,
    section_of,
)
from ragseed.generate.language import LANGUAGES, language
from ragseed.generate.questions import answer_for, keywords_of, question_for

from .textutil import (  # fmt: skip
    ARABIC,
    LANGS,
    LATIN,
    SEEDS,
    SLOW,
    TOPIC,
    VOCABS,
    document,
    parsed,
    words,
)


@given(SEEDS, LANGS, TOPIC, st.integers(min_value=1, max_value=14))
@SLOW
def test_document_structure(seed: int, lang: str, topic: str, n: int) -> None:
    rng = random.Random(seed)
    title = document_title(rng, topic, lang)
    chunks = [p.text for p in document_pieces(rng, topic, lang, title, n)]
    assert len(chunks) == n
    assert all(c.strip() for c in chunks)
    assert chunks[0].startswith(f"# {title}\n\n")
    headings = [line[3:] for c in chunks for line in c.splitlines() if line.startswith("## ")]
    assert headings == list(VOCABS[lang].HEADINGS)  # each once, in order
    whole = "\n\n".join(chunks)
    for heading in headings:  # no section is empty
        after = whole.split(f"## {heading}\n\n", 1)[1]
        assert after and not after.startswith("#")
    assert not any(line.startswith("# ") for c in chunks[1:] for line in c.splitlines())


@given(SEEDS, LANGS, TOPIC, st.integers(min_value=1, max_value=14))
@SLOW
def test_section_of_tracks_the_last_heading(seed: int, lang: str, topic: str, n: int) -> None:
    headings = VOCABS[lang].HEADINGS
    seen: list[str] = []
    for chunk in document(seed, lang, topic, n):
        inside = [line[3:] for line in chunk.splitlines() if line.startswith("## ")]
        seen += inside
        assert section_of(chunk) == (inside[-1] if inside else None)
    assert seen == list(headings)


def test_sections_spread_proportionally() -> None:
    chunks = document(5, "en", "billing", 20)
    where = {section_of(c): i for i, c in enumerate(chunks) if section_of(c)}
    assert 1 <= where["Overview"] <= 5 and 6 <= where["Technical Details"] <= 10
    assert 15 <= where["Conclusion"] <= 19


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chunk_tokens", [64, 96, 128, 256])
def test_chunk_sizes_spread_around_target(lang: str, chunk_tokens: int) -> None:
    shortest = 1 if chunk_tokens >= 90 else 3  # a whole document needs about 80 tokens
    sizes = [
        estimate_tokens(chunk)
        for seed in range(150)
        for chunk in document(seed, lang, TOPICS[seed % len(TOPICS)], shortest + seed % 9,
                              chunk_tokens)
    ]  # fmt: skip
    assert min(sizes) >= 0.75 * chunk_tokens and max(sizes) <= 1.25 * chunk_tokens
    spread = sorted(sizes)
    # A realistic spread, not one fixed size.
    assert spread[len(spread) * 9 // 10] - spread[len(spread) // 10] >= 0.08 * chunk_tokens


def test_consecutive_chunks_share_the_title_terms() -> None:
    rng = random.Random(11)
    for topic in TOPICS:
        title = document_title(rng, topic, "en")
        chunks = [p.text for p in document_pieces(rng, topic, "en", title, 6)]
        title_words = set(words(title))
        for chunk in chunks[1:]:
            assert title_words & set(keywords_of(chunk, "en")), (title, chunk)


def test_chunks_stay_in_topic() -> None:
    terms = {t.lower() for t in VOCABS["en"].TOPIC_TERMS["healthcare-records"]}
    for chunk in document(3, "en", "healthcare-records", 8):
        assert sum(term in chunk.lower() for term in terms) >= 3


def test_invalid_arguments() -> None:
    rng = random.Random(0)
    with pytest.raises(ValueError):
        document_pieces(rng, "billing", "en", "t", 0)
    with pytest.raises(ValueError):
        document_title(rng, "billing", "fr")
    with pytest.raises(ValueError):
        document_title(rng, "astrology", "en")


@given(SEEDS, TOPIC)
@SLOW
def test_arabic_is_arabic(seed: int, topic: str) -> None:
    rng = random.Random(seed)
    title = document_title(rng, topic, "ar")
    chunks = [p.text for p in document_pieces(rng, topic, "ar", title, 4)]
    question = question_for(rng, parsed(chunks[1:2]), "ar", "natural")
    texts = [
        title, *chunks, question, question_for(rng, parsed(chunks[:1]), "ar", "keyword"),
        answer_for(rng, question, parsed(chunks[1:2]), "ar")[0], boilerplate_text(rng, "ar"),
    ]  # fmt: skip
    for text in texts:
        assert ARABIC.search(text), text
        assert not LATIN.search(text), text
    assert "،" in "".join(chunks) and "؟" in question  # Arabic punctuation


@pytest.mark.parametrize("lang", LANGUAGES)
def test_boilerplate(lang: str) -> None:
    pool = [boilerplate_text(random.Random((lang, b).__repr__()), lang) for b in range(50)]
    assert len(set(pool)) >= 45
    for text in pool:
        assert 40 <= estimate_tokens(text) <= 120, text


# --- pieces: what a chunk was composed of --------------------------------------------------


@given(SEEDS, LANGS, TOPIC, st.integers(1, 12), st.sampled_from([24, 64, 96, 200]))
@SLOW
def test_piece_tokens_are_exact(seed: int, lang: str, topic: str, n: int, size: int) -> None:
    """The size counted while composing equals estimate_tokens of the text, Arabic words glued
    to a slot included; chat prompt tokens rely on it."""
    rng = random.Random(seed)
    title = document_title(rng, topic, lang)
    for p in document_pieces(rng, topic, lang, title, n, size):
        assert p.tokens == estimate_tokens(p.text)
        assert sum(language(lang).slots[t] for t in p.templates) == len(p.nouns)


def test_glued_slots_are_counted() -> None:
    lg = language("ar")
    assert lg.glued, "the Arabic templates glue و to a slot"
    long_term = next(t for t in lg.first_word if lg.first_word[t] == 8)
    template = next(iter(lg.glued))
    nouns = [long_term] * lg.slots[template]
    text = template.format(*nouns)
    size = lg.base_tokens[template] + sum(lg.term_tokens[n] for n in nouns)
    assert size + glue_tokens(lg, template, nouns) == estimate_tokens(text)
    assert glue_tokens(lg, template, nouns) > 0  # 8 letters + و = 9: counts twice
