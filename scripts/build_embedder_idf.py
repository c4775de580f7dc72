"""Write src/ragseed/embedders/idf.tsv: the hash embedder's word weights, from the generator.

    python scripts/build_embedder_idf.py [--check]

Generates CHUNKS_PER_LANGUAGE body chunks per language over every topic (and the boilerplate
notices), counts in how many chunks each word occurs (as the hash embedder reads words), and
writes ``idf = ln(N / df)`` for every word in at least two chunks. ``--check`` exits 1 if the
table in the tree differs from what would be written (tests/test_embedders_hash.py runs it).
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

from ragseed.core import rng as R
from ragseed.core.documents import TOPICS
from ragseed.embedders.stopwords import STOP
from ragseed.embedders.words import tokens, words
from ragseed.generate import compose
from ragseed.generate.language import LANGUAGES

OUT = Path(__file__).resolve().parents[1] / "src/ragseed/embedders/idf.tsv"
SEED = 20240601
CHUNKS_PER_LANGUAGE = 6000
CHUNKS_PER_DOCUMENT = 10
BOILERPLATE = 40


def chunk_texts(lang: str) -> list[str]:
    texts: list[str] = []
    per_topic = CHUNKS_PER_LANGUAGE // len(TOPICS) // CHUNKS_PER_DOCUMENT
    for topic in TOPICS:
        for d in range(per_topic):
            rng = R.stream(SEED, "idf-text", lang, topic, d)
            title = compose.document_title(rng, topic, lang)
            pieces = compose.document_pieces(rng, topic, lang, title, CHUNKS_PER_DOCUMENT)
            texts += [p.text for p in pieces]
    texts += [
        compose.boilerplate_text(R.stream(SEED, "idf-boilerplate", lang, b), lang)
        for b in range(BOILERPLATE)
    ]
    return texts


def table() -> str:
    df: Counter[str] = Counter()
    n = 0
    for lang in LANGUAGES:
        texts = chunk_texts(lang)
        n = max(n, len(texts))
        for text in texts:
            df.update({w for t in tokens(text) for w in words(t) if w not in STOP})
    lines = [f"# chunks={n} default={round(math.log(n), 4)}"]
    for word, count in sorted(df.items()):
        if count >= 2:
            lines.append(f"{word}\t{round(math.log(n / count), 4)}")
    return "\n".join(lines) + "\n"


def main() -> int:
    text = table()
    if "--check" in sys.argv[1:]:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is stale: run python scripts/build_embedder_idf.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}: {text.count(chr(10)) - 1} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
