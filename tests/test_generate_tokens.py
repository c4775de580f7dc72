"""Tests for ragseed.core.tokens: the token estimate and the word split."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ragseed.core.tokens import estimate_tokens, words_of

from .textutil import WORD


def test_estimate_tokens() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("Hello, world!") == 4
    assert estimate_tokens("internationalization works") == 3  # 20 characters count 2
    assert estimate_tokens("## Technical Details") == 5
    assert estimate_tokens("مرحبا، عالم.") == 4
    assert estimate_tokens("الاستيعابات") == 2  # 11 letters
    text = "Index rebuilding (HNSW) affects ingestion latency: see p95/p99."
    # The ASCII fast path and the general path agree.
    assert estimate_tokens(text + " é") == estimate_tokens(text) + 1
    assert estimate_tokens(text) == len(re.findall(r"\w+|[^\w\s]", text)) + len(
        re.findall(r"\w{9,}", text)
    )


@given(st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_estimate_tokens_matches_its_definition(text: str) -> None:
    expected = len(re.findall(r"\w+|[^\w\s]", text)) + len(re.findall(r"\w{9,}", text))
    assert estimate_tokens(text) == expected


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=80))
def test_ascii_words_match_the_regex(text: str) -> None:
    assert words_of(text) == WORD.findall(text.lower())
