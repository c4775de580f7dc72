"""How the hash embedder reads text: raw tokens, then normalised words.

A text is cut into raw tokens at ASCII spaces and punctuation (and the Arabic comma, semicolon
and question mark) on its UTF-8 bytes, which costs a few C calls. Each distinct raw token is then
read once per embedder (and cached) by :func:`words`: lowercase; Arabic letter variants folded
(alef forms, alef maqsura, ta marbuta), harakat and tatweel removed, and the article or
conjunction glued to a word (ال, وال, بال, لل, ولل, و) stripped, since the generator and real Arabic
text glue them to the nouns a question names without them. Questions and chunks are read the
same way, or their vectors would not meet.
"""

from __future__ import annotations

import re

# ASCII punctuation and spaces -> space, A-Z -> a-z: the split words_of does (PostgreSQL's
# 'simple' parser), on bytes. UTF-8 multibyte sequences hold no ASCII byte, so they pass intact.
_SPACE = bytes(c for c in range(128) if chr(c).isspace())
_PUNCT = bytes(c for c in range(128) if not (chr(c).isalnum() or c == 95 or c in _SPACE))
_UPPER = bytes(range(65, 91))
_TABLE = bytes.maketrans(
    _PUNCT + _SPACE + _UPPER, b" " * (len(_PUNCT) + len(_SPACE)) + _UPPER.lower()
)
_ARABIC_PUNCT = tuple(c.encode() for c in "،؛؟")
# Alef forms -> bare alef, alef maqsura -> ya, ta marbuta -> ha, tatweel dropped: the folding
# Arabic search engines apply, since spelling varies by writer.
_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه", "ـ": None})
_MARKS = re.compile(r"[\u064B-\u0652\u0670]")  # harakat and superscript alef
# Longest first: "وال" must not be read as "و" + "ال...". A prefix is only stripped when what
# remains is long enough to be a word (roots are three letters), so "ولد" keeps its و.
_ARTICLES = ("ولل", "وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC = re.compile(r"[\u0600-\u06FF]")
_WORD = re.compile(r"\w+")


def has_arabic(text: str) -> bool:
    """Whether ``text`` holds Arabic letters."""
    return not text.isascii() and _ARABIC.search(text) is not None


def arabic_share(text: str) -> float:
    """Share of the letters of ``text`` that are Arabic (0 for ASCII text)."""
    if text.isascii():
        return 0.0
    letters = sum(map(str.isalpha, text))
    return len(_ARABIC.findall(text)) / letters if letters else 0.0


def tokens(text: str) -> list[bytes]:
    """The raw tokens of ``text``, each to be read by :func:`words`."""
    # surrogatepass: text read from a database may hold lone surrogates; they stay in the word
    raw = text.encode("utf-8", "surrogatepass")
    if not text.isascii():
        for mark in _ARABIC_PUNCT:
            if mark in raw:
                raw = raw.replace(mark, b" ")
    return raw.translate(_TABLE).split()


def words(token: bytes) -> list[str]:
    """The normalised words of a raw token: usually one; none or several when it holds
    non-ASCII punctuation."""
    if token.isascii():
        return [token.decode()]
    text = token.decode("utf-8", "surrogatepass").lower()
    if _MARKS.search(text) is not None:
        text = _MARKS.sub("", text)  # harakat are not word characters: they would cut words
    return [normalize(w) for w in _WORD.findall(text)]


def normalize(word: str) -> str:
    """A lowercase word (no punctuation) as it is hashed and weighed: Arabic letters folded, a
    glued article or conjunction stripped. Stop words and table words are in this form."""
    if word.isascii():
        return word
    word = word.translate(_FOLD)
    for prefix in _ARTICLES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix) :]
    if word.startswith("و") and len(word) >= 4:
        return word[1:]
    return word
