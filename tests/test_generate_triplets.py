"""Tests for ragseed.generate.triplets: facts of composed chunks and of parsed ones."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from ragseed.generate.compose import Piece, document_pieces, document_title, text_piece
from ragseed.generate.language import RELATIONS, language
from ragseed.generate.triplets import triplets_for

from .textutil import LANGS, SEEDS, SLOW, TOPIC, document


@given(SEEDS, LANGS, TOPIC, st.integers(min_value=0, max_value=6))
@SLOW
def test_parsed_triplets(seed: int, lang: str, topic: str, k: int) -> None:
    rng = random.Random(seed)
    for chunk in document(seed, lang, topic, 3):
        facts = triplets_for(rng, text_piece(chunk), lang, k)
        assert len(facts) <= k and len(set(facts)) == len(facts)
        for subject, relation, obj in facts:
            assert subject in chunk and obj in chunk and subject != obj
            assert relation in RELATIONS
            assert 0 < len(subject) <= 256 and 0 < len(obj) <= 256
    assert triplets_for(rng, text_piece(document(seed, lang, topic, 2)[1]), lang, 3)


@given(SEEDS, LANGS, TOPIC, st.integers(min_value=0, max_value=6))
@SLOW
def test_composed_triplets(seed: int, lang: str, topic: str, k: int) -> None:
    rng = random.Random(seed)
    title = document_title(rng, topic, lang)
    found = 0
    for piece in document_pieces(rng, topic, lang, title, 4):
        facts = triplets_for(rng, piece, lang, k)
        found += len(facts)
        assert len(facts) <= k and len(set(facts)) == len(facts)
        for subject, relation, obj in facts:
            assert subject in piece.text and obj in piece.text and subject != obj
            assert subject in piece.nouns and obj in piece.nouns
            assert relation in RELATIONS
    assert found or k == 0


def test_triplets_name_the_relation_between_the_slots() -> None:
    lg = language("en")
    template = next(t for t, rels in lg.relations.items() if "reduces" in rels)
    j = lg.relations[template].index("reduces")
    nouns = [f"term{i}" for i in range(lg.slots[template])]
    piece = Piece(template.format(*nouns), 0, (template,), tuple(nouns))
    facts = triplets_for(random.Random(0), piece, "en", 10)
    assert (nouns[j], "reduces", nouns[j + 1]) in facts
