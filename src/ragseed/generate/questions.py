"""Questions a user would ask of generated chunks, the reference answers, and the content
words both are judged by (:func:`keywords_of`).

A question or answer is read from how its chunks were composed (:class:`~.compose.Piece`): the
terms and templates give its words without parsing the text. The text of chunks without a
composition (static documents) is parsed instead.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ..core import rng as R
from ..core.tokens import estimate_tokens, words_of
from .compose import Piece, filled_templates, glue_tokens, sentences
from .language import Language, language


def keywords_of(text: str, lang: str) -> list[str]:
    """Content words of ``text``: lowercase, without stop and question words, deduplicated."""
    stop = language(lang).stop
    return [
        w for w in dict.fromkeys(words_of(text)) if w not in stop and len(w) > 1 and not w.isdigit()
    ]


def question_for(rng: random.Random, pieces: list[Piece], lang: str, form: str) -> str:
    """A question answered by ``pieces``: ``form="keyword"`` gives 2-4 distinctive words of the
    first piece, ``form="natural"`` a typed question whose content words all occur in them."""
    if not pieces:
        raise ValueError("pieces must not be empty")
    if form not in ("keyword", "natural"):
        raise ValueError(f"unknown question form {form!r}; expected 'natural' or 'keyword'")
    lg = language(lang)
    if not all(p.templates for p in pieces):  # static text: parse it
        if form == "keyword":
            return _keyword_question(rng, lg, pieces[0].text)
        return _natural_question(rng, lg, [p.text for p in pieces])
    if form == "keyword":  # the distinctive words are the terms': no need to parse the text
        terms = lg.term_words.__getitem__
        ordered = [w for noun in _whole_word_nouns(lg, pieces[0]) for w in terms(noun)]
        return _keyword_question(rng, lg, pieces[0].text, list(dict.fromkeys(ordered)))
    found: dict[str, int] = {}
    # Which action verbs occur, from what each template and term holds (rarely any), instead of
    # gathering every word of the pieces into one set.
    hits: set[int] = set()
    action_hits = lg.action_hits
    for p in pieces:
        for noun in _whole_word_nouns(lg, p):
            found.setdefault(noun, len(found))
            hits.update(action_hits[noun])
        for t in p.templates:
            hits.update(action_hits[t])
    if not found:
        return _natural_question(rng, lg, [p.text for p in pieces])
    return _natural_choice(rng, lg, found, [lg.actions[i] for i in sorted(hits)])


def _keyword_question(
    rng: random.Random, lg: Language, text: str, tokens: list[str] | None = None
) -> str:
    """tokens: the text's distinct words in order, when the caller knows them without parsing."""
    # Rarest vocabulary words first; a word sharing a term with one already chosen adds little
    # filtering power (the two always appear together), so it waits.
    if tokens is None:
        tokens = list(dict.fromkeys(words_of(text)))
    weight = lg.keyword_weight
    ranked = sorted((weight[w], pos, w) for pos, w in enumerate(tokens) if w in weight)
    want = R.choice(rng, (2, 3, 3, 4))
    chosen: list[str] = []
    covered: frozenset[int] = frozenset()
    for _, _, w in ranked:
        if not covered & lg.word_terms[w]:
            chosen.append(w)
            covered |= lg.word_terms[w]
            if len(chosen) == want:
                break
    if len(chosen) < want:  # rarely: too few vocabulary words, so any content word will do
        tokens = list(dict.fromkeys(words_of(text)))  # the caller's tokens may be terms only
        for w in [w for _, _, w in ranked] + keywords_of(text, lg.code):
            if len(chosen) >= want:
                break
            if w not in chosen:
                chosen.append(w)
    return " ".join(sorted(chosen, key=tokens.index))


def _whole_word_nouns(lg: Language, piece: Piece) -> list[str]:
    """The piece's nouns that stand as whole words: a search for "X" does not find Arabic "وX"."""
    if not lg.glued:
        return list(piece.nouns)
    out: list[str] = []
    for t, filled in filled_templates(lg, piece.templates, piece.nouns):
        prefixes = lg.glued.get(t) or [0] * len(filled)
        out += [w for w, p in zip(filled, prefixes, strict=True) if not p]
    return out


def _natural_question(rng: random.Random, lg: Language, chunk_texts: list[str]) -> str:
    found: dict[str, int] = {}  # term -> order of first appearance
    words: set[str] = set()
    for text in chunk_texts:
        tokens = words_of(text)
        words.update(tokens)
        for _, _, term in lg.find_terms(tokens):
            found.setdefault(term, len(found))
    if not found:
        terms = [w for w in keywords_of(" ".join(chunk_texts), lg.code) if not w.isdigit()][:5]
        if not terms:
            return lg.natural_fallback
        found = {t: i for i, t in enumerate(terms)}
        return _natural_choice(rng, lg, found, _actions_in(lg, words), ranked=terms)
    return _natural_choice(rng, lg, found, _actions_in(lg, words))


def _actions_in(lg: Language, words: set[str]) -> list[str]:
    return [x for x in lg.actions if x in words]


def _natural_choice(
    rng: random.Random, lg: Language, found: dict[str, int], actions: list[str],
    ranked: list[str] | None = None,
) -> str:  # fmt: skip
    """actions: the action verbs that occur in the text, in ``lg.actions`` order."""
    # The most distinctive terms make the most useful questions.
    terms = ranked or sorted(found, key=lambda t: (lg.term_weight[t], found[t]))
    a = R.choice(rng, terms[:4])
    others = [t for t in terms[:6] if t != a]
    b = R.choice(rng, others) if others else None
    # Two terms whenever the sources have them: one alone is too vague to have one answer.
    if actions and rng.random() < 0.5:
        group = lg.natural[3] if b is not None and rng.random() < 0.5 else lg.natural[2]
    else:
        group = lg.natural[1] if b is not None else lg.natural[0]
    question = R.choice(rng, group).replace("{A}", a).replace("{B}", b or "")
    return question.replace("{X}", R.choice(rng, actions)) if "{X}" in question else question


def answer_for(
    rng: random.Random, question: str, pieces: list[Piece], lang: str
) -> tuple[str, int]:
    """(A reference answer of 2-5 sentences taken from the pieces, those sharing the most words
    with the question first, kept in document order; its ``estimate_tokens``). Of composed
    pieces, the size is counted from how the sentences were composed (as
    :func:`~.compose.document_pieces` counts a chunk) instead of scanning the text."""
    if not all(p.templates for p in pieces):  # static text: parse it
        text = _parsed_answer(rng, question, [p.text for p in pieces], lang)
        return text, estimate_tokens(text)
    lg = language(lang)
    filled = [s for p in pieces for s in filled_templates(lg, p.templates, p.nouns)]
    sets = lg.word_sets
    asked = set(keywords_of(question, lang))
    # A sentence's words are its template's and its terms': count the asked words found in any
    # of them, without building their union.
    counts = []
    for t, nouns in filled:
        fixed = sets[t]
        n = 0
        for w in asked:
            if w in fixed or any(w in sets[noun] for noun in nouns):
                n += 1
        counts.append(n)
    # Only the picked sentences are written out.
    text, picked, prefix = _answer(rng, lambda i: filled[i][0].format(*filled[i][1]), lang, counts)
    # The sentences are joined by spaces and the prefix ends with one, so their counts add up;
    # lowercasing the first letter changes no word.
    base, term_tokens = lg.base_tokens, lg.term_tokens
    size = lg.prefix_tokens[prefix] if prefix else 0
    for i in picked:
        t, nouns = filled[i]
        size += base[t] + sum(map(term_tokens.__getitem__, nouns))
        if lg.glued:
            size += glue_tokens(lg, t, nouns)
    return text, size


def _parsed_answer(rng: random.Random, question: str, chunk_texts: list[str], lang: str) -> str:
    """:func:`answer_for` of chunks known only by their text."""
    found = [s for text in chunk_texts for s in sentences(text)]
    if not found:
        return " ".join(t.strip().lstrip("#").strip() for t in chunk_texts)
    words = [frozenset(words_of(s)) for s in found]
    asked = set(keywords_of(question, lang))
    counts = [len(asked.intersection(w)) for w in words]
    return _answer(rng, found.__getitem__, lang, counts)[0]


def _answer(
    rng: random.Random, sentence: Callable[[int], str], lang: str, counts: list[int]
) -> tuple[str, list[int], str]:
    """(answer, the candidates it is made of, its prefix or ""). sentence(i): the i-th
    candidate sentence; counts[i]: how many of the question's keywords it holds."""
    lg = language(lang)
    # sorted() is stable: sentences sharing as many words keep their order
    ranked = sorted(range(len(counts)), key=lambda i: -counts[i])
    order = sorted(ranked[: R.randint(rng, 2, 5)])
    picked = [sentence(i) for i in order]
    prefix = ""
    if rng.random() < 0.6:
        first = picked[0]
        if not first.split(" ", 1)[0].isupper():  # keep acronyms as they are
            first = first[:1].lower() + first[1:]
        prefix = R.choice(rng, lg.answer_prefixes)
        picked[0] = prefix + first
    return " ".join(picked), order, prefix
