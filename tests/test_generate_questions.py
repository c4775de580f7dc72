"""Tests for ragseed.generate.questions: keywords, questions and answers, of composed chunks and
of parsed ones."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragseed.core.documents import TOPICS
from ragseed.core.tokens import estimate_tokens
from ragseed.generate.compose import Piece, boilerplate_text, document_pieces, document_title
from ragseed.generate.language import LANGUAGES, QUESTION_WORDS, language
from ragseed.generate.questions import answer_for, keywords_of, question_for

from .textutil import LANGS, SEEDS, SLOW, TOPIC, document, parsed, split_sentences, words


def test_keywords_of() -> None:
    assert keywords_of("The Index rebuild and the index of 2024 ingestion.", "en") == [
        "index", "rebuild", "ingestion",
    ]  # fmt: skip
    assert keywords_of("يؤثر إعادة بناء الفهرس على زمن الاستجابة في الفهرس", "ar") == [
        "إعادة", "بناء", "الفهرس", "زمن", "الاستجابة",
    ]  # fmt: skip


def test_invalid_arguments() -> None:
    rng = random.Random(0)
    with pytest.raises(ValueError):
        question_for(rng, parsed(["text"]), "en", "riddle")
    with pytest.raises(ValueError):
        question_for(rng, [], "en", "natural")


# --- parsed chunks (static text) -------------------------------------------------------------


@given(SEEDS, LANGS, TOPIC)
@SLOW
def test_keyword_question_words_all_in_first_chunk(seed: int, lang: str, topic: str) -> None:
    rng = random.Random(seed)
    chunks = document(seed, lang, topic, 3)
    for chunk in chunks:
        question = question_for(rng, parsed([chunk, *chunks]), lang, "keyword")
        query = question.split(" ")
        assert 2 <= len(query) <= 4
        assert query == words(question), "lowercase words separated by single spaces"
        assert set(query) <= set(words(chunk))
        assert not set(query) & QUESTION_WORDS[lang] and len(set(query)) == len(query)


@given(SEEDS, LANGS, TOPIC, st.integers(min_value=1, max_value=3))
@SLOW
def test_natural_question_content_words_occur_in_sources(
    seed: int, lang: str, topic: str, n_sources: int
) -> None:
    rng = random.Random(seed)
    sources = document(seed, lang, topic, 4)[:n_sources]
    available = {w for text in sources for w in words(text)}
    for _ in range(5):
        question = question_for(rng, parsed(sources), lang, "natural")
        assert question.endswith("?" if lang == "en" else "؟")
        content = set(words(question)) - QUESTION_WORDS[lang]
        assert content, question
        assert content <= available, (question, content - available)


def test_natural_question_without_vocabulary() -> None:
    rng = random.Random(1)
    for lang in LANGUAGES:
        question = question_for(rng, parsed(["12 34 ... 56"]), lang, "natural")
        assert set(words(question)) <= QUESTION_WORDS[lang]
        boiler = boilerplate_text(rng, lang)
        question = question_for(rng, parsed([boiler]), lang, "natural")
        assert set(words(question)) - QUESTION_WORDS[lang] <= set(words(boiler))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_keyword_queries_find_their_chunk(lang: str) -> None:
    """Approximates the engine's keyword search (to_tsvector('simple') @@ websearch_to_tsquery,
    every query word ANDed) over a tenant of ~300 chunks of mixed topics: for >= 90% of queries
    fewer than 5 other chunks contain all the query words, so ts_rank_cd can put the source in the
    top 5. (Against real PostgreSQL the rate is ~99% for 300-2000 chunks, both languages.)"""
    rng = random.Random(2024)
    chunks: list[str] = []
    while len(chunks) < 300:
        topic = TOPICS[rng.randrange(len(TOPICS))]
        title = document_title(rng, topic, lang)
        chunks += [p.text for p in document_pieces(rng, topic, lang, title, rng.randint(1, 10))]
        if rng.random() < 0.1:
            chunks.append(boilerplate_text(rng, lang))
    vocab = [set(words(c)) for c in chunks]
    found = 0
    for i, chunk in enumerate(chunks):
        query = set(question_for(rng, parsed([chunk]), lang, "keyword").split())
        others = sum(query <= v for j, v in enumerate(vocab) if j != i)
        found += others < 5
    assert found / len(chunks) >= 0.9


@given(SEEDS, LANGS, TOPIC)
@SLOW
def test_answers_restate_the_sources(seed: int, lang: str, topic: str) -> None:
    rng = random.Random(seed)
    sources = document(seed, lang, topic, 4)[1:3]
    question = question_for(rng, parsed(sources), lang, "natural")
    answer, size = answer_for(rng, question, parsed(sources), lang)
    assert size == estimate_tokens(answer)
    sentences = split_sentences(answer)
    assert 2 <= len(sentences) <= 5
    available = [s for text in sources for s in split_sentences(text)]
    assert set(sentences[1:]) <= set(available)  # extractive, maybe with a prefix on the first
    assert any(sentences[0].lower().endswith(s.lower()) for s in available)


# --- composed chunks -------------------------------------------------------------------------


@given(
    SEEDS, LANGS, TOPIC, st.integers(min_value=1, max_value=3), st.sampled_from([16, 32, 64, 96])
)
@settings(max_examples=150, deadline=None)
def test_composed_questions_and_answers_read_like_parsed_ones(
    seed: int, lang: str, topic: str, n_sources: int, size: int
) -> None:
    """Questions built from the composition use only words that stand whole in the sources
    (an Arabic term glued to و is not one), and answers are sentences of the sources, with
    their size counted exactly from the composition. Short chunks have few terms, so keyword
    questions fall back to other content words."""
    rng = random.Random(seed)
    title = document_title(rng, topic, lang)
    pieces = document_pieces(rng, topic, lang, title, 4, size)[:n_sources]
    texts = [p.text for p in pieces]
    available = {w for text in texts for w in words(text)}
    sentences = {s for text in texts for s in split_sentences(text)}
    for form in ("natural", "keyword", "natural"):
        question = question_for(rng, pieces, lang, form)
        content = set(words(question)) - QUESTION_WORDS[lang]
        assert content and content <= available, (question, content - available)
        answer, size = answer_for(rng, question, pieces, lang)
        assert size == estimate_tokens(answer)  # the turns' completion_tokens
        said = split_sentences(answer)
        assert 2 <= len(said) <= 5 or len(sentences) < 2
        assert set(said[1:]) <= sentences


def test_keyword_question_falls_back_to_template_words() -> None:
    """A chunk whose slots hold one single-word term: the question needs other content words
    of the text (here e.g. "reference"), which the terms alone do not give."""
    lg = language("en")
    template = next(t for t in lg.slots if "reference" in t)
    term = next(t for t in lg.term_words if len(lg.term_words[t]) == 1)
    nouns = (term,) * lg.slots[template]
    piece = Piece(template.format(*nouns), 0, (template,), nouns)
    for seed in range(20):
        question = question_for(random.Random(seed), [piece], "en", "keyword")
        assert set(words(question)) <= set(words(piece.text))
        assert len(words(question)) >= 2
