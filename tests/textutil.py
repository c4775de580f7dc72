"""Shared by the text generator tests: words as PostgreSQL splits them, sample documents, and one
of every generated text for the determinism tests."""

from __future__ import annotations

import random
import re

from hypothesis import settings
from hypothesis import strategies as st

from ragseed.core.documents import TOPICS
from ragseed.generate import vocab_ar, vocab_en
from ragseed.generate.compose import (
    Piece,
    boilerplate_text,
    document_pieces,
    document_title,
    text_piece,
)
from ragseed.generate.language import LANGUAGES
from ragseed.generate.questions import answer_for, question_for
from ragseed.generate.triplets import triplets_for

VOCABS = {"en": vocab_en, "ar": vocab_ar}
WORD = re.compile(r"\w+")
LATIN = re.compile(r"[A-Za-z]")
ARABIC = re.compile(r"[\u0600-\u06FF]")
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
LANGS = st.sampled_from(LANGUAGES)
TOPIC = st.sampled_from(TOPICS)
SLOW = settings(max_examples=60, deadline=None)


def words(text: str) -> list[str]:
    """Tokenize like PostgreSQL's 'simple' configuration: lowercase, split on non-word chars."""
    return WORD.findall(text.lower())


def split_sentences(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [s for line in lines for s in re.split(r"(?<=[.!?؟])\s+", line.strip())]


def document(seed: int, lang: str, topic: str, n: int, chunk_tokens: int = 96) -> list[str]:
    rng = random.Random(seed)
    title = document_title(rng, topic, lang)
    return [p.text for p in document_pieces(rng, topic, lang, title, n, chunk_tokens)]


def parsed(texts: list[str]) -> list[Piece]:
    """The chunks as pieces without a composition: questions, answers and triplets parse them."""
    return [text_piece(t) for t in texts]


def sample_outputs(seed: int) -> list[object]:
    """One of everything, for the determinism tests; questions, answers and triplets of parsed
    chunks (those of composed chunks are in the seed's golden fingerprint)."""
    out: list[object] = []
    for lang in LANGUAGES:
        rng = random.Random(seed)
        topic = TOPICS[seed % len(TOPICS)]
        title = document_title(rng, topic, lang)
        chunks = [p.text for p in document_pieces(rng, topic, lang, title, 5)]
        pieces = parsed(chunks)
        natural = question_for(rng, pieces[1:3], lang, "natural")
        out += [title, chunks, boilerplate_text(rng, lang), natural]
        out += [question_for(rng, pieces[:1], lang, "keyword")]
        out += [
            answer_for(rng, natural, pieces[1:3], lang)[0],
            triplets_for(rng, pieces[2], lang, 3),
        ]
    return out
