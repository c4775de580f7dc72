"""How text splits into words and how many tokens it counts as: the two measures every part of
the generator shares (vocabulary tables, chunk sizes, keywords, prompt and answer tokens)."""

from __future__ import annotations

import re

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


def estimate_tokens(text: str) -> int:
    """Tokenizer-like size: words plus punctuation marks; a word over 8 characters counts 2."""
    if text.isascii():  # bytes methods are several times faster than str.translate or regex
        raw = text.encode()
        parts: list[bytes] | list[str] = raw.translate(_ASCII_PUNCT_TO_SPACE).split()
        punctuation = len(raw) - len(raw.translate(None, _ASCII_PUNCT))
    else:
        spaced, punctuation = _NON_WORD.subn(" ", text)
        parts = spaced.split()
    return len(parts) + punctuation + sum(map(_LONGER_THAN_8, map(len, parts)))


def words_of(text: str) -> list[str]:
    """Lowercase words split on non-word characters, like PostgreSQL's 'simple' configuration."""
    if text.isascii():  # same split, without the regex engine: several times faster
        return text.lower().encode().translate(_ASCII_PUNCT_TO_SPACE).decode().split()
    return _WORD.findall(text.lower())
