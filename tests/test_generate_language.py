"""Tests for ragseed.generate.language: the constants, the vocabulary and the expanded tables."""

from __future__ import annotations

import re

import pytest

from ragseed.core.documents import TOPICS
from ragseed.generate.language import LANGUAGES, QUESTION_WORDS, TABLE_SIZE, language

from .textutil import ARABIC, LATIN, VOCABS, words


def test_constants() -> None:
    assert LANGUAGES == ("en", "ar")
    assert len(TOPICS) >= 8
    assert {"vector-search", "billing", "legal-contracts"} <= set(TOPICS)
    assert set(QUESTION_WORDS) == set(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_vocabulary_is_large_and_clean(lang: str) -> None:
    v = VOCABS[lang]
    assert tuple(v.TOPIC_TERMS) == TOPICS and set(v.TOPIC_NAMES) == set(TOPICS)
    all_terms = [t for terms in v.TOPIC_TERMS.values() for t in terms] + list(v.GENERAL_TERMS)
    for terms in v.TOPIC_TERMS.values():
        assert len(terms) >= 120
    assert len(all_terms) == len(set(all_terms)), "a term listed twice skews the weighting"
    for term in all_terms:
        # Split by PostgreSQL exactly like by a split on non-word characters.
        assert not re.search(r"[-'./_]", term), term
        if lang == "ar":
            assert ARABIC.search(term) and not LATIN.search(term), term


@pytest.mark.parametrize("lang", LANGUAGES)
def test_templates_are_well_formed(lang: str) -> None:
    v = VOCABS[lang]
    for template in v.INTRO_TEMPLATES + v.BODY_TEMPLATES + v.CONCLUSION_TEMPLATES:
        assert not template.startswith("{N}"), template  # needs no run-time capitalisation
        assert "{N}" in template
    lg = language(lang)
    for pool in lg.pools:
        assert len(pool) == TABLE_SIZE
        for expanded in set(pool):
            assert not re.search(r"\{\w", expanded), expanded  # only {} noun slots remain
    for group in lg.natural:
        for template in group:
            fixed = words(re.sub(r"\{\w\}", " ", template))
            assert set(fixed) <= QUESTION_WORDS[lang], template


def test_question_words_are_function_words() -> None:
    assert {"how", "does", "what", "is", "the", "of", "about", "affect"} <= QUESTION_WORDS["en"]
    assert {"كيف", "ما", "هل"} <= QUESTION_WORDS["ar"]
    assert len(QUESTION_WORDS["en"]) < 80 and len(QUESTION_WORDS["ar"]) < 50


def test_every_language_has_a_vocabulary_for_each_topic_in_order() -> None:
    """core.documents.TOPICS fixes the topics' order (layouts draw by index): the vocabularies
    must list the same topics in the same order."""
    from ragseed.generate import vocab_ar, vocab_en

    assert tuple(vocab_en.TOPIC_TERMS) == TOPICS == tuple(vocab_ar.TOPIC_TERMS)
