"""The per-language tables the generator draws from, built once per language on first use.

Templates are expanded with every action verb into plain ``str.format`` patterns whose only
fields are ``{}`` noun slots, the token count of every template and term is precomputed, and each
topic gets a draw table in which a term appears as often as its weight (Zipf-like by rank: common
terms repeat across documents, rare ones make each chunk findable by keyword search). Composing a
chunk then costs two table draws (templates, nouns), a few C-level sums for its token count and
one ``str.format``; no regex, no per-word Python loop.
"""

from __future__ import annotations

import itertools
import random
import re
import sys
from array import array
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from types import ModuleType

from ..core import rng as R
from ..core.documents import TOPICS
from ..core.tokens import estimate_tokens, words_of
from . import vocab_ar, vocab_en

LANGUAGES: tuple[str, ...] = ("en", "ar")
QUESTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(vocab_en.QUESTION_WORDS),
    "ar": frozenset(vocab_ar.QUESTION_WORDS),
}
RELATIONS: tuple[str, ...] = (
    "depends_on", "improves", "reduces", "part_of", "configured_by", "monitors", "protects",
    "limits", "mentions", "related_to",
)  # fmt: skip

_VOCAB: dict[str, ModuleType] = {"en": vocab_en, "ar": vocab_ar}

# Tuning knobs (see tests/test_generate_questions.py for the keyword-search check they serve).
_ZIPF_EXPONENT = 0.8  # weight of the term of rank r is 1 / r**s
_GENERAL_SHARE = 0.2  # share of noun slots filled from the shared, non-topic pool

# Draw tables hold exactly 2**16 entries, each repeated in proportion to its weight, so that one
# rng.randbytes call read as 16-bit numbers picks all the entries a chunk needs, and itemgetter
# gathers them in C: several times faster than rng.choices. (About 0.5 MB per table.)
TABLE_SIZE = 1 << 16
_BIG_ENDIAN = sys.byteorder == "big"

_WORD = re.compile(r"\w+")
_MARKER = re.compile(r"\{\w*\}")
_GLUED_SLOT = re.compile(r"\w+\{\}")  # a prefix glued to a slot, e.g. Arabic "و{}"
_SLOT_PREFIX = re.compile(r"(\w*)\{\}")


def draw(rng: random.Random, table: tuple[str, ...], k: int) -> list[str]:
    """``k`` random entries of a draw table (``TABLE_SIZE`` entries: a template pool of
    :attr:`Language.pools` or the nouns of a :class:`Topic`)."""
    picks = array("H", R.randbytes(rng, 2 * k))
    if _BIG_ENDIAN:  # read the bytes as little-endian everywhere, for identical output
        picks.byteswap()
    return list(itemgetter(*picks)(table)) if k > 1 else [table[i] for i in picks]


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic's tables in one language: its title terms and the draw table of its nouns."""

    name: str
    terms: frozenset[str]
    title_terms: tuple[str, ...]
    title_weights: tuple[float, ...]  # cumulative
    nouns: tuple[str, ...]  # draw table of topic and general terms
    sentence_tokens: tuple[float, ...]  # mean size of a sentence, per section


@dataclass(frozen=True, slots=True)
class Language:
    """Everything generation needs of one language, precomputed: see :func:`language`."""

    code: str
    pools: tuple[tuple[str, ...], ...]  # expanded templates per section: intro .. conclusion
    headings: tuple[str, ...]  # "## Overview", ...
    heading_tokens: tuple[int, ...]
    base_tokens: dict[str, int]  # expanded template -> tokens of its fixed words
    slots: dict[str, int]  # expanded template -> number of noun slots
    glued: dict[str, tuple[int, ...]]  # template with a word glued to a slot -> prefix per slot
    first_word: dict[str, int]  # term -> length of its first word
    relations: dict[str, tuple[str | None, ...]]  # template -> relation between adjacent slots
    word_sets: dict[str, frozenset[str]]  # template (fixed words) or term -> its words
    action_hits: dict[str, frozenset[int]]  # template or term -> indexes of its `actions`
    term_words: dict[str, tuple[str, ...]]  # term -> its words, in order
    family: dict[str, int]  # expanded template -> the template it was expanded from
    term_tokens: dict[str, int]
    topics: dict[str, Topic]
    phrases: dict[tuple[str, ...], str]  # lowercase words of a term -> the term
    lengths: dict[str, tuple[int, ...]]  # first word -> word counts of its terms, longest first
    title_case: dict[str, str]
    term_weight: dict[str, float]  # mean share of noun slots a term fills
    word_weight: dict[str, float]  # summed weight of the terms containing a word
    word_terms: dict[str, frozenset[int]]  # word -> ids of the terms containing it
    keyword_weight: dict[str, float]  # word_weight of the words a keyword query may use
    template_words: frozenset[str]
    stop: frozenset[str]
    actions: tuple[str, ...]  # action forms usable in natural questions
    relation_words: dict[str, str]
    title_templates: tuple[str, ...]
    natural: tuple[tuple[str, ...], ...]  # one, two, action+one, action+two
    natural_fallback: str
    answer_prefixes: tuple[str, ...]
    prefix_tokens: dict[str, int]  # answer prefix -> its estimate_tokens
    vocab: ModuleType  # for the rarely used rest (boilerplate parts)

    def topic(self, name: str) -> Topic:
        """The tables of topic ``name``; ValueError for a topic not in ``TOPICS``."""
        if name not in self.topics:
            raise ValueError(f"unknown topic {name!r}; expected one of {TOPICS}")
        return self.topics[name]

    def find_terms(self, tokens: list[str]) -> list[tuple[int, int, str]]:
        """Vocabulary terms found as whole words in ``tokens`` (lowercase words, as
        :func:`~ragseed.core.tokens.words_of` gives): (start, end, term), longest first."""
        found = []
        i = 0
        while i < len(tokens):
            for size in self.lengths.get(tokens[i], ()):
                term = self.phrases.get(tuple(tokens[i : i + size]))
                if term is not None:
                    found.append((i, i + size, term))
                    i += size
                    break
            else:
                i += 1
        return found


def _expand(v: ModuleType, templates: tuple[str, ...], connectors: bool) -> tuple[str, ...]:
    """Every template once per action, with a second action, a number and an optional
    connector picked by a fixed rotation, so each variant is a plain format string."""
    actions: tuple[tuple[str, ...], ...] = v.ACTIONS
    numbers: tuple[str, ...] = v.NUMBERS
    joiners: tuple[str, ...] = v.CONNECTORS if connectors else ()
    out = []
    for t, template in enumerate(templates):
        for j, first in enumerate(actions):
            second = actions[(j * 7 + t * 3 + 1) % len(actions)]
            if second is first:
                second = actions[(j + 1) % len(actions)]
            s = template.replace("{P}", numbers[(j + t) % len(numbers)])
            for key, form in v.ACTION_FORMS.items():
                s = s.replace("{" + key + "2}", second[form]).replace("{" + key + "}", first[form])
            s = s.replace("{N}", "{}")
            s = s[0].upper() + s[1:]
            c = (j * 3 + t * 5) % (3 * len(joiners)) if joiners else len(joiners)
            if c < len(joiners):
                s = f"{joiners[c]} {s[0].lower()}{s[1:]}"
            out.append(s)
    return tuple(out)


def _first_word(term: str) -> int:
    m = _WORD.match(term)
    return len(m.group()) if m else 0


def _slot_relations(template: str, relations: dict[str, str]) -> tuple[str | None, ...]:
    """For each pair of adjacent slots, the relation named by the words between them, if any."""
    between = template.split("{}")[1:-1]
    return tuple(next((relations[w] for w in words_of(b) if w in relations), None) for b in between)


def _weights(terms: tuple[str, ...], share: float) -> dict[str, float]:
    zipf = [1.0 / (rank + 1) ** _ZIPF_EXPONENT for rank in range(len(terms))]
    total = sum(zipf)
    weights: dict[str, float] = {}
    for term, z in zip(terms, zipf, strict=True):
        weights[term] = weights.get(term, 0.0) + share * z / total
    return weights


def _counts(items: tuple[str, ...]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for item in items:
        counts[item] = counts.get(item, 0.0) + 1.0
    return counts


def _table(weights: dict[str, float]) -> tuple[str, ...]:
    """A draw table: each key repeated in proportion to its weight (largest remainder)."""
    total = sum(weights.values())
    exact = {key: w * TABLE_SIZE / total for key, w in weights.items()}
    copies = {key: int(x) for key, x in exact.items()}
    short = TABLE_SIZE - sum(copies.values())
    for key in sorted(exact, key=lambda key: copies[key] - exact[key])[:short]:
        copies[key] += 1
    return tuple(key for key, n in copies.items() for _ in range(n))


@cache
def language(code: str) -> Language:
    """The tables of language ``code`` (one of ``LANGUAGES``), built once, on first use."""
    if code not in _VOCAB:
        raise ValueError(f"unknown language {code!r}; expected one of {LANGUAGES}")
    v = _VOCAB[code]
    body = _expand(v, v.BODY_TEMPLATES, connectors=True)
    intro, conclusion = (_expand(v, t, False) for t in (v.INTRO_TEMPLATES, v.CONCLUSION_TEMPLATES))
    variants = (intro, body, body, conclusion)  # per section: overview and details share
    tables = {id(t): _table(_counts(t)) for t in variants}
    templates = [t for pool in variants for t in pool]
    base_tokens = {
        t: estimate_tokens(_GLUED_SLOT.sub("{}", t).replace("{}", " ")) for t in templates
    }
    slots = {t: t.count("{}") for t in templates}
    glued = {
        t: tuple(len(m.group(1)) for m in _SLOT_PREFIX.finditer(t))
        for t in templates
        if _GLUED_SLOT.search(t)
    }
    family: dict[str, int] = {}  # _expand emits len(ACTIONS) variants per template, in order
    for offset, pool in enumerate((intro, body, conclusion)):
        for i, t in enumerate(pool):
            family.setdefault(t, offset * 1000 + i // len(v.ACTIONS))

    general: tuple[str, ...] = v.GENERAL_TERMS
    all_terms = list(dict.fromkeys([*(t for ts in v.TOPIC_TERMS.values() for t in ts), *general]))
    term_tokens = {t: estimate_tokens(t) for t in all_terms}
    term_words = {t: tuple(words_of(t)) for t in all_terms}
    term_weight = dict.fromkeys(all_terms, 0.0)
    topics = {}
    for key, terms in v.TOPIC_TERMS.items():
        weights = _weights(terms, 1.0 - _GENERAL_SHARE)
        for term, w in _weights(general, _GENERAL_SHARE).items():
            weights[term] = weights.get(term, 0.0) + w
        for term, w in weights.items():
            term_weight[term] += w / len(v.TOPIC_TERMS)
        noun_tokens = sum((term_tokens[t] * w for t, w in weights.items()), 0.0) / sum(
            weights.values()
        )
        sentence = tuple(
            sum(base_tokens[t] + slots[t] * noun_tokens for t in pool) / len(pool)
            for pool in variants
        )
        title_weights = _weights(terms, 1.0)
        topics[key] = Topic(
            name=v.TOPIC_NAMES[key],
            terms=frozenset(terms),
            title_terms=tuple(title_weights),
            title_weights=tuple(itertools.accumulate(title_weights.values())),
            nouns=_table(weights),
            sentence_tokens=sentence,
        )

    phrases: dict[tuple[str, ...], str] = {}
    lengths: dict[str, set[int]] = {}
    word_weight: dict[str, float] = {}
    word_terms: dict[str, set[int]] = {}
    for i, term in enumerate(all_terms):
        words = tuple(words_of(term))
        phrases.setdefault(words, term)
        lengths.setdefault(words[0], set()).add(len(words))
        for word in dict.fromkeys(words):
            word_weight[word] = word_weight.get(word, 0.0) + term_weight[term]
            word_terms.setdefault(word, set()).add(i)

    # Words every topic's documents share (templates, titles, headings): useless as keywords.
    fixed_text = " ".join(
        [*v.INTRO_TEMPLATES, *v.BODY_TEMPLATES, *v.CONCLUSION_TEMPLATES, *v.CONNECTORS]
        + [*v.TITLE_TEMPLATES, *v.TOPIC_NAMES.values(), *v.HEADINGS]
        + [form for action in v.ACTIONS for form in action]
    )
    headings = tuple(f"## {h}" for h in v.HEADINGS)
    qform: int = v.QUESTION_ACTION_FORM
    small = frozenset(v.TITLE_SMALL_WORDS)
    template_words = frozenset(words_of(_MARKER.sub(" ", fixed_text)))
    stop = frozenset(v.STOP_WORDS) | QUESTION_WORDS[code]
    word_sets = {
        **{t: frozenset(words) for t, words in term_words.items()},
        **{t: frozenset(words_of(t.replace("{}", " "))) for t in templates},
    }
    actions = tuple(dict.fromkeys(action[qform] for action in v.ACTIONS))
    return Language(
        code=code,
        pools=tuple(tables[id(t)] for t in variants),
        headings=headings,
        heading_tokens=tuple(estimate_tokens(h) for h in headings),
        base_tokens=base_tokens,
        slots=slots,
        glued=glued,
        first_word={t: _first_word(t) for t in all_terms},
        relations={t: _slot_relations(t, v.RELATION_WORDS) for t in templates},
        term_words=term_words,
        word_sets=word_sets,
        action_hits={
            t: frozenset(i for i, x in enumerate(actions) if x in words)
            for t, words in word_sets.items()
        },
        family=family,
        term_tokens=term_tokens,
        topics=topics,
        phrases=phrases,
        lengths={w: tuple(sorted(sizes, reverse=True)) for w, sizes in lengths.items()},
        title_case={t: _title_case(t, small) for t in all_terms},
        term_weight=term_weight,
        word_weight=word_weight,
        word_terms={w: frozenset(ids) for w, ids in word_terms.items()},
        keyword_weight={
            w: weight
            for w, weight in word_weight.items()
            if w not in template_words and w not in stop and len(w) > 1 and not w.isdigit()
        },
        template_words=template_words,
        stop=stop,
        actions=actions,
        relation_words=v.RELATION_WORDS,
        title_templates=v.TITLE_TEMPLATES,
        natural=(v.NATURAL_ONE, v.NATURAL_TWO, v.NATURAL_ACTION_ONE, v.NATURAL_ACTION_TWO),
        natural_fallback=v.NATURAL_FALLBACK,
        answer_prefixes=v.ANSWER_PREFIXES,
        prefix_tokens={p: estimate_tokens(p) for p in v.ANSWER_PREFIXES},
        vocab=v,
    )


def _title_case(term: str, small: frozenset[str]) -> str:
    words = term.split()
    return " ".join(
        w if w.isupper() or (i and w in small) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )
