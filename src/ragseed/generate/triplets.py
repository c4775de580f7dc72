"""Facts the engine's graph extraction would find in a chunk: (subject, relation, object)
triplets linking the terms of one sentence."""

from __future__ import annotations

import itertools
import random

from ..core import rng as R
from ..core.tokens import words_of
from .compose import Piece, filled_templates, sentences
from .language import Language, language

_FALLBACK_RELATIONS = ("related_to", "part_of", "depends_on", "mentions", "configured_by")


def triplets_for(rng: random.Random, piece: Piece, lang: str, k: int) -> list[tuple[str, str, str]]:
    """Up to ``k`` distinct (subject, relation, object) facts linking the terms of adjacent slots
    of one sentence, read from how the piece was composed; subject and object occur verbatim in
    its text. A piece without a composition (static text) is parsed: consecutive terms of a
    sentence are linked."""
    lg = language(lang)
    if not piece.templates:
        return _parsed_triplets(rng, piece.text, lg, k)
    out: list[tuple[str, str, str]] = []
    if k <= 0:
        return out
    for t, nouns in filled_templates(lg, piece.templates, piece.nouns):
        pairs = itertools.pairwise(nouns)
        for (subject, obj), relation in zip(pairs, lg.relations[t], strict=True):
            if subject == obj:
                continue
            fact = (subject[:256], relation or R.choice(rng, _FALLBACK_RELATIONS), obj[:256])
            if fact not in out:
                out.append(fact)
                if len(out) >= k:
                    return out
    return out


def _parsed_triplets(
    rng: random.Random, chunk_text: str, lg: Language, k: int
) -> list[tuple[str, str, str]]:
    """:func:`triplets_for` of a chunk known only by its text."""
    out: list[tuple[str, str, str]] = []
    for sentence in sentences(chunk_text):
        tokens = words_of(sentence)
        found = [f for f in lg.find_terms(tokens) if f[2] in chunk_text]
        for (_, end, subject), (start, _, obj) in itertools.pairwise(found):
            if len(out) >= k:
                return out
            if subject == obj:
                continue
            between = (lg.relation_words.get(t) for t in tokens[end:start])
            relation = next((r for r in between if r), None) or R.choice(rng, _FALLBACK_RELATIONS)
            fact = (subject[:256], relation, obj[:256])
            if fact not in out:
                out.append(fact)
    return out
