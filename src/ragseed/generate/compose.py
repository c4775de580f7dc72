"""Documents as the engine stores them: titles, markdown chunks composed from the language
tables (:class:`Piece`), boilerplate chunks, the document summary, and the reading back of a
chunk's sentences and section.

All randomness comes from the ``rng`` argument, so the same rng state yields byte-identical text
on every machine.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from ..core import rng as R
from ..core.tokens import estimate_tokens, words_of
from .language import Language, draw, language

_SECTION_STARTS = (0.15, 0.40, 0.85)  # where Overview, Technical Details, Conclusion begin
_SPREAD = 0.24  # accepted chunk size: chunk_tokens * (1 +- _SPREAD)
_ATTEMPTS = 8  # redraws of a chunk whose size falls outside the accepted range
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")


class Piece(NamedTuple):
    """A generated chunk with what went into it, so that later steps need not parse it back."""

    text: str
    tokens: int  # estimate_tokens(text)
    templates: tuple[str, ...]  # its sentences' expanded templates, in order
    nouns: tuple[str, ...]  # the terms filling their slots, in order


def text_piece(text: str) -> Piece:
    """A chunk of given text (a static document's) without a composition: what reads it
    (questions, answers, triplets) parses the text."""
    return Piece(text, estimate_tokens(text), (), ())


def document_title(rng: random.Random, topic: str, lang: str) -> str:
    """A document title made of two of the topic's terms, e.g. "Index Rebuild and ..."."""
    lg = language(lang)
    tp = lg.topic(topic)
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
    lg: Language, means: tuple[float, ...], spans: list[float], title_tokens: int
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
    lg = language(lang)
    tp = lg.topic(topic)
    key_terms = [t for _, _, t in lg.find_terms(words_of(title)) if t in tp.terms]
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
                drawn = draw(rng, lg.pools[sec], n)
                if n > 1 and len(set(map(family, drawn))) < n:  # checked in C; rarely true
                    _vary(rng, family, drawn, lg.pools[sec])
                templates += drawn
                if head:
                    parts.append(lg.headings[sec - 1])
                parts.append(" ".join(drawn))
            k = sum(map(slots, templates))
            nouns = draw(rng, tp.nouns, k)
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
            size += sum(glue_tokens(lg, t, s) for t, s in filled_templates(lg, templates, nouns))
        text = "\n\n".join(parts).format(*nouns)
        chunks.append(
            Piece(title_line + text if i == 0 else text, size, tuple(templates), tuple(nouns))
        )
    return chunks


def filled_templates(
    lg: Language, templates: Sequence[str], nouns: Sequence[str]
) -> Iterator[tuple[str, Sequence[str]]]:
    """Each sentence template with the nouns that fill its slots."""
    at = 0
    for t in templates:
        n = lg.slots[t]
        yield t, nouns[at : at + n]
        at += n


def glue_tokens(lg: Language, template: str, filled: Sequence[str]) -> int:
    """What words glued to a slot (Arabic "و{}") add to a sentence's template-plus-terms count:
    the joined word may cross the 8-character mark that makes a word count twice."""
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


def sentences(text: str) -> list[str]:
    """Sentences of the prose lines of a chunk (markdown headings skipped)."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.extend(s for s in _SENTENCE_END.split(line) if s)
    return out


def document_summary(title: str, topic: str, lang: str, pieces: Sequence[Piece]) -> str:
    """What the engine stores in chunk_context: one or two sentences about the whole document,
    the same for each of its chunks. Built from the title, the topic and the first terms the body
    uses, with no draws, so that it is a function of the document alone. A document without a
    composition (static text) is summed up by its title and first sentence."""
    lg = language(lang)
    terms: list[str] = []
    for piece in pieces:
        for noun in piece.nouns:
            if noun not in terms:
                terms.append(noun)
        if len(terms) >= 3:
            break
    if topic not in lg.topics or not terms:
        first = next((s for p in pieces for s in sentences(p.text)), "")
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


def boilerplate_text(rng: random.Random, lang: str) -> str:
    """A disclaimer / header / footer / copyright chunk of about 40-120 tokens."""
    v = language(lang).vocab
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
    templates: tuple[str, ...] = v.BOILERPLATE_SENTENCES
    for template in R.sample(rng, templates, len(templates)):
        sentence = template.format(**fields)
        tokens = estimate_tokens(sentence)
        if size + tokens <= 120:
            body.append(sentence)
            size += tokens
            if size >= target:
                break
    return "\n".join(part for part in (header, " ".join(body), footer) if part)
