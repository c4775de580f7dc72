"""The hash embedder's word weights: a fixed inverse-document-frequency table (``idf.tsv``).

``idf(w) = ln(N / df(w))`` over N generated chunks per language (scripts/build_embedder_idf.py
writes the table from ragseed's generator; tests/test_embedders_hash.py checks it is current).
Words the table lacks are rarer than any it holds and get its default, ``ln N``: an unknown word
is the most telling kind. Weights are decimal text, so every machine reads the same doubles.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

TABLE = "idf.tsv"


def parse(text: str) -> tuple[dict[str, float], float]:
    """(word -> idf, the default idf) of a table's text."""
    lines = text.splitlines()
    header = dict(part.split("=", 1) for part in lines[0].lstrip("# ").split())
    table: dict[str, float] = {}
    for line in lines[1:]:
        word, weight = line.split("\t")
        table[word] = float(weight)
    return table, float(header["default"])


@cache
def idf_table() -> tuple[dict[str, float], float]:
    """(word -> idf, the default idf for words not in the table); words as
    :func:`~.words.normalize` gives them."""
    return parse(files(__package__).joinpath(TABLE).read_text(encoding="utf-8"))
