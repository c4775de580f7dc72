"""Deterministic, realistic technical text for seeding a RAG engine.

All randomness comes from the ``rng`` argument, so the same rng state yields byte-identical text
on every machine. The text is built from sentence templates filled with topic vocabulary that is
weighted by rank (Zipf-like): common terms repeat across documents, rare ones make each chunk
findable by keyword search.

Speed comes from work done once per language (lazily, on first use): templates are expanded with
every action verb into plain ``str.format`` patterns whose only fields are ``{}`` noun slots, the
token count of every template and term is precomputed, and each topic gets a draw table in which a
term appears as often as its weight. A chunk then costs two table draws (templates, nouns), a few
C-level sums for its token count and one ``str.format``; no regex, no per-word Python loop.
"""

from __future__ import annotations

import itertools
import math
import random
import re
import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from types import ModuleType
from typing import NamedTuple

from .. import rng as R
from . import vocab_ar, vocab_en

LANGUAGES: tuple[str, ...] = ("en", "ar")
TOPICS: tuple[str, ...] = tuple(vocab_en.TOPIC_TERMS)
QUESTION_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(vocab_en.QUESTION_WORDS),
    "ar": frozenset(vocab_ar.QUESTION_WORDS),
}
RELATIONS: tuple[str, ...] = (
    "depends_on", "improves", "reduces", "part_of", "configured_by", "monitors", "protects",
    "limits", "mentions", "related_to",
)  # fmt: skip

_VOCAB: dict[str, ModuleType] = {"en": vocab_en, "ar": vocab_ar}

# Tuning knobs (see tests/test_generate_text.py for the keyword-search check they serve).
_ZIPF_EXPONENT = 0.8  # weight of the term of rank r is 1 / r**s
_GENERAL_SHARE = 0.2  # share of noun slots filled from the shared, non-topic pool
_SECTION_STARTS = (0.15, 0.40, 0.85)  # where Overview, Technical Details, Conclusion begin
_SPREAD = 0.24  # accepted chunk size: chunk_tokens * (1 +- _SPREAD)
_ATTEMPTS = 8  # redraws of a chunk whose size falls outside the accepted range
_FALLBACK_RELATIONS = ("related_to", "part_of", "depends_on", "mentions", "configured_by")

# Draw tables hold exactly 2**16 entries, each repeated in proportion to its weight, so that one
# rng.randbytes call read as 16-bit numbers picks all the entries a chunk needs, and itemgetter
# gathers them in C: several times faster than rng.choices. (About 0.5 MB per table.)
_TABLE_SIZE = 1 << 16
_BIG_ENDIAN = sys.byteorder == "big"

# Punctuation for estimate_tokens: any character that is neither a word character nor a space.
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())  # more than bytes.split() knows
_ASCII_PUNCT = bytes(
    c for c in range(128) if not (chr(c).isalnum() or chr(c) == "_" or c in _ASCII_SPACE)
)
_ASCII_PUNCT_TO_SPACE = bytes.maketrans(
    _ASCII_PUNCT + _ASCII_SPACE, b" " * (len(_ASCII_PUNCT) + len(_ASCII_SPACE))
)
_NON_WORD = re.compile(r"[^\w\s]")
_LONGER_THAN_8 = (8).__lt__
_WORD = re.compile(r"\w+")
_MARKER = re.compile(r"\{\w*\}")
_GLUED_SLOT = re.compile(r"\w+\{\}")  # a prefix glued to a slot, e.g. Arabic "و{}"
_SLOT_PREFIX = re.compile(r"(\w*)\{\}")
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


def estimate_tokens(text: str) -> int:
    """Tokenizer-like size: words plus punctuation marks; a word over 8 characters counts 2."""
    if text.isascii():  # bytes methods are several times faster than str.translate or regex
        raw = text.encode()
        words: list[bytes] | list[str] = raw.translate(_ASCII_PUNCT_TO_SPACE).split()
        punctuation = len(raw) - len(raw.translate(None, _ASCII_PUNCT))
    else:
        spaced, punctuation = _NON_WORD.subn(" ", text)
        words = spaced.split()
    return len(words) + punctuation + sum(map(_LONGER_THAN_8, map(len, words)))


def _draw(rng: random.Random, table: tuple[str, ...], k: int) -> list[str]:
    """``k`` random entries of a ``_TABLE_SIZE`` table."""
    picks = array("H", R.randbytes(rng, 2 * k))
    if _BIG_ENDIAN:  # read the bytes as little-endian everywhere, for identical output
        picks.byteswap()
    return list(itemgetter(*picks)(table)) if k > 1 else [table[i] for i in picks]


def _words(text: str) -> list[str]:
    """Lowercase words split on non-word characters, like PostgreSQL's 'simple' configuration."""
    if text.isascii():  # same split, without the regex engine: several times faster
        return text.lower().encode().translate(_ASCII_PUNCT_TO_SPACE).decode().split()
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class _Topic:
    name: str
    terms: frozenset[str]
    title_terms: tuple[str, ...]
    title_weights: tuple[float, ...]  # cumulative
    nouns: tuple[str, ...]  # draw table of topic and general terms
    sentence_tokens: tuple[float, ...]  # mean size of a sentence, per section


@dataclass(frozen=True, slots=True)
class _Lang:
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
    topics: dict[str, _Topic]
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


def _slot_relations(template: str, words: dict[str, str]) -> tuple[str | None, ...]:
    """For each pair of adjacent slots, the relation named by the words between them, if any."""
    between = template.split("{}")[1:-1]
    return tuple(next((words[w] for w in _words(b) if w in words), None) for b in between)


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
    exact = {key: w * _TABLE_SIZE / total for key, w in weights.items()}
    copies = {key: int(x) for key, x in exact.items()}
    short = _TABLE_SIZE - sum(copies.values())
    for key in sorted(exact, key=lambda key: copies[key] - exact[key])[:short]:
        copies[key] += 1
    return tuple(key for key, n in copies.items() for _ in range(n))


@cache
def _lang(code: str) -> _Lang:
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
    term_words = {t: tuple(_words(t)) for t in all_terms}
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
        topics[key] = _Topic(
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
        words = tuple(_words(term))
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
    template_words = frozenset(_words(_MARKER.sub(" ", fixed_text)))
    stop = frozenset(v.STOP_WORDS) | QUESTION_WORDS[code]
    word_sets = {
        **{t: frozenset(words) for t, words in term_words.items()},
        **{t: frozenset(_words(t.replace("{}", " "))) for t in templates},
    }
    actions = tuple(dict.fromkeys(action[qform] for action in v.ACTIONS))
    return _Lang(
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


def _topic(lang: _Lang, topic: str) -> _Topic:
    if topic not in lang.topics:
        raise ValueError(f"unknown topic {topic!r}; expected one of {TOPICS}")
    return lang.topics[topic]


def _scan(lang: _Lang, tokens: list[str]) -> list[tuple[int, int, str]]:
    """Vocabulary terms found as whole words in ``tokens``: (start, end, term), longest first."""
    found = []
    i = 0
    while i < len(tokens):
        for size in lang.lengths.get(tokens[i], ()):
            term = lang.phrases.get(tuple(tokens[i : i + size]))
            if term is not None:
                found.append((i, i + size, term))
                i += size
                break
        else:
            i += 1
    return found


def _title_case(term: str, small: frozenset[str]) -> str:
    words = term.split()
    return " ".join(
        w if w.isupper() or (i and w in small) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def document_title(rng: random.Random, topic: str, lang: str) -> str:
    """A document title made of two of the topic's terms, e.g. "Index Rebuild and ..."."""
    lg = _lang(lang)
    tp = _topic(lg, topic)
    template = R.choice(rng, lg.title_templates)
    a = R.weighted(rng, tp.title_terms, tp.title_weights)
    b = R.weighted(rng, tp.title_terms, tp.title_weights)
    while b == a:
        b = R.weighted(rng, tp.title_terms, tp.title_weights)
    return (
        template.replace("{A}", lg.title_case[a])
        .replace("{B}", lg.title_case[b])
        .replace("{T}", tp.name)
    )


def _runs(
    lg: _Lang, means: tuple[float, ...], spans: list[float], title_tokens: int
) -> list[list[tuple[int, int, bool]]]:
    """Per chunk, runs of sentences of one section: (section, sentences, starts with heading).

    Headings sit at fixed fractions of the document's token budget; each chunk fills its span
    with as many sentences as the section's mean sentence size allows. A heading that would
    land at the very end of a chunk opens the next one instead."""
    total = sum(spans)
    marks = [where * total for where in _SECTION_STARTS] + [math.inf]
    sec = 0  # current section: intro, overview, details, conclusion
    pos = 0.0  # token position of the chunk's start
    plan = []
    for i, span in enumerate(spans):
        end = pos + span
        at = pos + (title_tokens if i == 0 else 0)
        runs: list[tuple[int, int, bool]] = []
        while True:
            head = marks[sec] <= at
            if head:
                sec += 1
                at += lg.heading_tokens[sec - 1]
            stop = min(marks[sec], end)
            n = round((stop - at) / means[sec])
            if head or (i == 0 and not runs):  # every section gets a sentence
                n = max(n, 1)
            if n > 0:
                runs.append((sec, n, head))
            if stop >= end or (end - stop < means[sec + 1] / 2 and i + 1 < len(spans)):
                break
            at = stop
        if not runs:
            runs.append((sec, 1, False))
        plan.append(runs)
        pos = end
    return plan


def _vary(
    rng: random.Random, family: Callable[[str], int], drawn: list[str], pool: tuple[str, ...]
) -> None:
    """Redraw (at most twice) a sentence whose template already occurs in the run: the same
    sentence pattern twice in a paragraph reads robotic."""
    seen: set[int] = set()
    for i, template in enumerate(drawn):
        for _ in range(2):
            if family(template) not in seen:
                break
            template = pool[rng.getrandbits(16)]
        drawn[i] = template
        seen.add(family(template))


class Piece(NamedTuple):
    """A generated chunk with what went into it, so that later steps need not parse it back."""

    text: str
    tokens: int  # estimate_tokens(text)
    templates: tuple[str, ...]  # its sentences' expanded templates, in order
    nouns: tuple[str, ...]  # the terms filling their slots, in order


def document_chunks(
    rng: random.Random, topic: str, lang: str, title: str, n_chunks: int, chunk_tokens: int = 96
) -> list[str]:
    """The texts of :func:`document_pieces`."""
    return [p.text for p in document_pieces(rng, topic, lang, title, n_chunks, chunk_tokens)]


def document_pieces(
    rng: random.Random, topic: str, lang: str, title: str, n_chunks: int, chunk_tokens: int = 96
) -> list[Piece]:
    """``n_chunks`` texts that read in order as one markdown document: ``# title``, an intro,
    ``## Overview``, ``## Technical Details`` and ``## Conclusion`` spread proportionally.

    Each chunk holds about ``chunk_tokens`` (``estimate_tokens``) within +-25%, provided the
    document has room for its title, three headings and four sentences (about 80 tokens in all);
    otherwise the first chunk is as small as that allows."""
    if n_chunks < 1 or chunk_tokens < 1:
        raise ValueError("n_chunks and chunk_tokens must be >= 1")
    lg = _lang(lang)
    tp = _topic(lg, topic)
    key_terms = [t for _, _, t in _scan(lg, _words(title)) if t in tp.terms]
    title_line = f"# {title}\n\n"
    title_tokens = estimate_tokens(title_line)
    rand = rng.random
    # A size target close to chunk_tokens; sentence lengths supply the natural spread.
    spans = [chunk_tokens * (0.95 + 0.1 * rand()) for _ in range(n_chunks)]
    plan = _runs(lg, tp.sentence_tokens, spans, title_tokens)

    base = lg.base_tokens.__getitem__
    slots = lg.slots.__getitem__
    family = lg.family.__getitem__
    term_tokens = lg.term_tokens.__getitem__
    low, high = chunk_tokens * (1 - _SPREAD), chunk_tokens * (1 + _SPREAD)
    chunks = []
    for i, runs in enumerate(plan):
        extra = title_tokens if i == 0 else 0
        extra += sum(lg.heading_tokens[sec - 1] for sec, _, head in runs if head)
        best: tuple[float, list[str], list[str], list[str], int] | None = None
        for _ in range(_ATTEMPTS):
            parts: list[str] = []
            templates: list[str] = []
            for sec, n, head in runs:
                drawn = _draw(rng, lg.pools[sec], n)
                if n > 1 and len(set(map(family, drawn))) < n:  # checked in C; rarely true
                    _vary(rng, family, drawn, lg.pools[sec])
                templates += drawn
                if head:
                    parts.append(lg.headings[sec - 1])
                parts.append(" ".join(drawn))
            k = sum(map(slots, templates))
            nouns = _draw(rng, tp.nouns, k)
            if key_terms and k:  # refer back to the title
                nouns[int(rand() * k)] = key_terms[int(rand() * len(key_terms))]
            size = extra + sum(map(base, templates)) + sum(map(term_tokens, nouns))
            miss = max(low - size, size - high, 0)
            if best is None or miss < best[0]:
                best = (miss, parts, nouns, templates, size)
            if not miss:
                break
        assert best is not None
        _, parts, nouns, templates, size = best
        if lg.glued:
            size += _glue_tokens(lg, templates, nouns)
        text = "\n\n".join(parts).format(*nouns)
        chunks.append(
            Piece(title_line + text if i == 0 else text, size, tuple(templates), tuple(nouns))
        )
    return chunks


def _sentences_of(
    lg: _Lang, templates: Sequence[str], nouns: Sequence[str]
) -> Iterator[tuple[str, Sequence[str]]]:
    """Each sentence template with the nouns that fill its slots."""
    at = 0
    for t in templates:
        n = lg.slots[t]
        yield t, nouns[at : at + n]
        at += n


def _glue_tokens(lg: _Lang, templates: list[str], nouns: list[str]) -> int:
    """What words glued to a slot (Arabic "و{}") add to the template-plus-terms count: the joined
    word may cross the 8-character mark that makes a word count twice."""
    return sum(_glue_of(lg, t, filled) for t, filled in _sentences_of(lg, templates, nouns))


def _glue_of(lg: _Lang, template: str, filled: Sequence[str]) -> int:
    """:func:`_glue_tokens` of one sentence."""
    prefixes = lg.glued.get(template)
    if prefixes is None:  # nothing glued in this sentence
        return 0
    extra = 0
    for p, noun in zip(prefixes, filled, strict=True):
        if p:
            first = lg.first_word[noun]
            extra += (p + first > 8) - (first > 8)
    return extra


def section_of(chunk_text: str) -> str | None:
    """Text of the last ``## `` heading in the chunk, or None."""
    heading = None
    for line in chunk_text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
    return heading


def boilerplate_text(rng: random.Random, lang: str) -> str:
    """A disclaimer / header / footer / copyright chunk of about 40-120 tokens."""
    v = _lang(lang).vocab
    year = R.randint(rng, 2012, 2025)
    pages = R.randint(rng, 2, 60)
    date = v.DATE_FORMAT.format(M=R.choice(rng, v.MONTHS), d=R.randint(rng, 1, 28), y=year)
    number = str(R.randint(rng, 1000, 9999))
    fields = {
        "C": f"{R.choice(rng, v.COMPANY_PREFIXES)} {R.choice(rng, v.COMPANY_SUFFIXES)}"
        + R.choice(rng, v.COMPANY_FORMS),
        "Y": str(year),
        "Y2": str(year + R.randint(rng, 1, 5)),
        "D": R.choice(rng, v.DEPARTMENTS),
        "I": f"{R.choice(rng, v.DOC_ID_PREFIXES)}-{number}" if v.DOC_ID_PREFIXES else number,
        "R": f"{R.randint(rng, 1, 9)}.{R.randint(rng, 0, 12)}",
        "DATE": date,
        "P": str(R.randint(rng, 1, pages)),
        "Q": str(pages),
        "N": str(R.randint(rng, 3, 10)),
    }
    header = R.choice(rng, v.BOILERPLATE_HEADERS).format(**fields) if rng.random() < 0.6 else ""
    footer = R.choice(rng, v.BOILERPLATE_FOOTERS).format(**fields) if rng.random() < 0.6 else ""
    size = estimate_tokens(header) + estimate_tokens(footer)
    target = R.randint(rng, 45, 105)
    body: list[str] = []
    sentences: tuple[str, ...] = v.BOILERPLATE_SENTENCES
    for template in R.sample(rng, sentences, len(sentences)):
        sentence = template.format(**fields)
        tokens = estimate_tokens(sentence)
        if size + tokens <= 120:
            body.append(sentence)
            size += tokens
            if size >= target:
                break
    return "\n".join(part for part in (header, " ".join(body), footer) if part)


def keywords_of(text: str, lang: str) -> list[str]:
    """Content words of ``text``: lowercase, without stop and question words, deduplicated."""
    stop = _lang(lang).stop
    return [
        w for w in dict.fromkeys(_words(text)) if w not in stop and len(w) > 1 and not w.isdigit()
    ]


def question_for(rng: random.Random, chunk_texts: list[str], lang: str, form: str) -> str:
    """A question answered by ``chunk_texts``: ``form="keyword"`` gives 2-4 distinctive words of
    the first chunk, ``form="natural"`` a typed question whose content words all occur in them."""
    if not chunk_texts:
        raise ValueError("chunk_texts must not be empty")
    lg = _lang(lang)
    if form == "keyword":
        return _keyword_question(rng, lg, chunk_texts[0])
    if form == "natural":
        return _natural_question(rng, lg, chunk_texts)
    raise ValueError(f"unknown question form {form!r}; expected 'natural' or 'keyword'")


def piece_question(rng: random.Random, pieces: list[Piece], lang: str, form: str) -> str:
    """:func:`question_for` of generated pieces; a natural question reads the terms and verbs
    from how the pieces were composed instead of parsing their text."""
    if not pieces:
        raise ValueError("pieces must not be empty")
    if not all(p.templates for p in pieces):  # static text: parse it
        return question_for(rng, [p.text for p in pieces], lang, form)
    lg = _lang(lang)
    if form == "keyword":  # the distinctive words are the terms': no need to parse the text
        terms = lg.term_words.__getitem__
        ordered = [w for noun in _whole_word_nouns(lg, pieces[0]) for w in terms(noun)]
        return _keyword_question(rng, lg, pieces[0].text, list(dict.fromkeys(ordered)))
    if form != "natural":
        return question_for(rng, [p.text for p in pieces], lang, form)
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
    rng: random.Random, lg: _Lang, text: str, tokens: list[str] | None = None
) -> str:
    """tokens: the text's distinct words in order, when the caller knows them without parsing."""
    # Rarest vocabulary words first; a word sharing a term with one already chosen adds little
    # filtering power (the two always appear together), so it waits.
    if tokens is None:
        tokens = list(dict.fromkeys(_words(text)))
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
        tokens = list(dict.fromkeys(_words(text)))  # the caller's tokens may be terms only
        for w in [w for _, _, w in ranked] + keywords_of(text, lg.code):
            if len(chosen) >= want:
                break
            if w not in chosen:
                chosen.append(w)
    return " ".join(sorted(chosen, key=tokens.index))


def _whole_word_nouns(lg: _Lang, piece: Piece) -> list[str]:
    """The piece's nouns that stand as whole words: a search for "X" does not find Arabic "وX"."""
    if not lg.glued:
        return list(piece.nouns)
    out: list[str] = []
    for t, filled in _sentences_of(lg, piece.templates, piece.nouns):
        prefixes = lg.glued.get(t) or [0] * len(filled)
        out += [w for w, p in zip(filled, prefixes, strict=True) if not p]
    return out


def _natural_question(rng: random.Random, lg: _Lang, chunk_texts: list[str]) -> str:
    found: dict[str, int] = {}  # term -> order of first appearance
    words: set[str] = set()
    for text in chunk_texts:
        tokens = _words(text)
        words.update(tokens)
        for _, _, term in _scan(lg, tokens):
            found.setdefault(term, len(found))
    if not found:
        terms = [w for w in keywords_of(" ".join(chunk_texts), lg.code) if not w.isdigit()][:5]
        if not terms:
            return lg.natural_fallback
        found = {t: i for i, t in enumerate(terms)}
        return _natural_choice(rng, lg, found, _actions_in(lg, words), ranked=terms)
    return _natural_choice(rng, lg, found, _actions_in(lg, words))


def _actions_in(lg: _Lang, words: set[str]) -> list[str]:
    return [x for x in lg.actions if x in words]


def _natural_choice(
    rng: random.Random, lg: _Lang, found: dict[str, int], actions: list[str],
    ranked: list[str] | None = None,
) -> str:  # fmt: skip
    """actions: the action verbs that occur in the text, in ``lg.actions`` order."""
    # The most distinctive terms make the most useful questions.
    terms = ranked or sorted(found, key=lambda t: (lg.term_weight[t], found[t]))
    a = R.choice(rng, terms[:4])
    others = [t for t in terms[:6] if t != a]
    b = R.choice(rng, others) if others else None
    if actions and rng.random() < 0.5:
        group = lg.natural[3] if b is not None and rng.random() < 0.5 else lg.natural[2]
    else:
        group = lg.natural[1] if b is not None and rng.random() < 0.6 else lg.natural[0]
    question = R.choice(rng, group).replace("{A}", a).replace("{B}", b or "")
    return question.replace("{X}", R.choice(rng, actions)) if "{X}" in question else question


def document_summary(title: str, topic: str, lang: str, pieces: Sequence[Piece]) -> str:
    """What the engine stores in chunk_context: one or two sentences about the whole document,
    the same for each of its chunks. Built from the title, the topic and the first terms the body
    uses, with no draws, so that it is a function of the document alone. A document without a
    composition (static text) is summed up by its title and first sentence."""
    lg = _lang(lang)
    terms: list[str] = []
    for piece in pieces:
        for noun in piece.nouns:
            if noun not in terms:
                terms.append(noun)
        if len(terms) >= 3:
            break
    if topic not in lg.topics or not terms:
        first = next((s for p in pieces for s in _sentences(p.text)), "")
        if lang == "ar":
            return f"المستند «{title}»." + (f" {first}" if first else "")
        return f"The document '{title}'." + (f" {first}" if first else "")
    name = lg.topics[topic].name
    terms = terms[:3]
    if lang == "ar":
        listed = " و".join(terms)
        return f"«{title}» مستند في {name}. يتناول {listed}."
    listed = terms[0] if len(terms) == 1 else ", ".join(terms[:-1]) + f" and {terms[-1]}"
    return f"'{title}' is a {name} document. It covers {listed}."


def _sentences(text: str) -> list[str]:
    """Sentences of the prose lines of a chunk (markdown headings skipped)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.extend(s for s in _SENTENCE_END.split(line) if s)
    return out


def answer_for(rng: random.Random, question: str, chunk_texts: list[str], lang: str) -> str:
    """A reference answer of 2-5 sentences taken from the chunks, those sharing the most words
    with the question first, kept in document order."""
    sentences = [s for text in chunk_texts for s in _sentences(text)]
    if not sentences:
        return " ".join(t.strip().lstrip("#").strip() for t in chunk_texts)
    words = [frozenset(_words(s)) for s in sentences]
    asked = set(keywords_of(question, lang))
    counts = [len(asked.intersection(w)) for w in words]
    return _answer(rng, sentences.__getitem__, lang, counts)[0]


def piece_answer(rng: random.Random, question: str, pieces: list[Piece], lang: str) -> str:
    """:func:`answer_for` of generated pieces: their sentences are their filled templates."""
    return piece_answer_sized(rng, question, pieces, lang)[0]


def piece_answer_sized(
    rng: random.Random, question: str, pieces: list[Piece], lang: str
) -> tuple[str, int]:
    """:func:`piece_answer` and its ``estimate_tokens``, counted from how its sentences were
    composed (as :func:`document_pieces` counts a chunk) instead of scanning the text."""
    if not all(p.templates for p in pieces):  # static text: parse it
        text = answer_for(rng, question, [p.text for p in pieces], lang)
        return text, estimate_tokens(text)
    lg = _lang(lang)
    filled = [s for p in pieces for s in _sentences_of(lg, p.templates, p.nouns)]
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
            size += _glue_of(lg, t, nouns)
    return text, size


def _answer(
    rng: random.Random, sentence: Callable[[int], str], lang: str, counts: list[int]
) -> tuple[str, list[int], str]:
    """(answer, the candidates it is made of, its prefix or ""). sentence(i): the i-th
    candidate sentence; counts[i]: how many of the question's keywords it holds."""
    lg = _lang(lang)
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


def piece_triplets(
    rng: random.Random, piece: Piece, lang: str, k: int
) -> list[tuple[str, str, str]]:
    """What :func:`triplets_for` finds, read from how the piece was composed instead of parsing
    its text: facts link the terms of adjacent slots of one sentence. A piece without a
    composition (static text) is parsed."""
    if not piece.templates:
        return triplets_for(rng, piece.text, lang, k)
    lg = _lang(lang)
    out: list[tuple[str, str, str]] = []
    if k <= 0:
        return out
    for t, nouns in _sentences_of(lg, piece.templates, piece.nouns):
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


def triplets_for(
    rng: random.Random, chunk_text: str, lang: str, k: int
) -> list[tuple[str, str, str]]:
    """Up to ``k`` (subject, relation, object) facts linking consecutive terms of a sentence;
    subject and object occur verbatim in ``chunk_text``."""
    lg = _lang(lang)
    out: list[tuple[str, str, str]] = []
    for sentence in _sentences(chunk_text):
        tokens = _words(sentence)
        found = [f for f in _scan(lg, tokens) if f[2] in chunk_text]
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
