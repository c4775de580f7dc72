"""How fast are the embedders, per core, on generated ~96-token chunks?

    python bench/bench_embedders.py [--chunks 3000] [--wordllama]

CPU time of this process (time.process_time), so other load on a shared machine counts less;
the tokenizers library may use more than one thread for wordllama, whose figure is wall time.
Also prints a calibration (CPU microseconds of ``sum(range(1000))``: about 8-10 on a current
desktop core) to compare machines, and the mean cosine between unrelated English chunks without
the hash embedder's word weights (what the weights are for).
"""

from __future__ import annotations

import argparse
import math
import time

from ragseed.core import rng as R
from ragseed.core.documents import TOPICS
from ragseed.core.tokens import estimate_tokens
from ragseed.embedders import HashEmbedder, load
from ragseed.embedders.hash_embedder import word_hash
from ragseed.generate import compose


def chunks(lang: str, n: int) -> list[str]:
    texts: list[str] = []
    d = 0
    while len(texts) < n:
        rng = R.stream(9, "bench-embedders", lang, d)
        topic = TOPICS[d % len(TOPICS)]
        title = compose.document_title(rng, topic, lang)
        texts += [p.text for p in compose.document_pieces(rng, topic, lang, title, 10)]
        d += 1
    return texts[:n]


def rate(embed: object, texts: list[str], clock: object = time.process_time) -> float:
    start = clock()  # type: ignore[operator]
    embed(texts)  # type: ignore[operator]
    return len(texts) / (clock() - start)  # type: ignore[operator]


class Unweighted(HashEmbedder):
    """Naive feature hashing: every word, weight 1 (the baseline the weights improve on)."""

    def features(self, token: bytes) -> tuple[tuple[int, float], ...]:
        h = word_hash(token.decode("utf-8", "surrogatepass"))
        return (((h >> 1) % self.dim, -1.0 if h & 1 else 1.0),)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=3000)
    ap.add_argument("--wordllama", action="store_true")
    args = ap.parse_args()
    start = time.process_time()
    for _ in range(2000):
        sum(range(1000))
    print(
        f"calibration: {(time.process_time() - start) / 2000 * 1e6:.1f} us CPU per sum(range(1000))"
    )
    for lang in ("en", "ar"):
        texts = chunks(lang, args.chunks)
        tokens = sum(map(estimate_tokens, texts)) / len(texts)
        cold = rate(HashEmbedder().embed_array, texts)
        e = HashEmbedder()
        e.embed_array(texts)
        warm = max(rate(e.embed_array, texts) for _ in range(3))
        print(
            f"hash {lang}: {tokens:.0f} tokens/chunk, {cold:,.0f} chunks/s cold, {warm:,.0f} warm"
        )
    texts = chunks("en", 400)
    for name, emb in (("unweighted", Unweighted()), ("hash", HashEmbedder())):
        v = emb.embed_many(texts)
        pairs = [(i, (i * 7 + 101) % len(v)) for i in range(len(v))]
        cosines = [math.fsum(x * y for x, y in zip(v[i], v[j], strict=True)) for i, j in pairs]
        mean = sum(cosines) / len(cosines)
        print(f"{name}: mean cosine between arbitrary English chunks {mean:.2f}")
    if args.wordllama:
        texts = chunks("en", args.chunks)
        wl = load("wordllama")
        wl.embed_array(texts[:100])
        wall = time.perf_counter
        print(f"wordllama direct pooling: {rate(wl.embed_array, texts, wall):,.0f} chunks/s wall")
        from wordllama import WordLlama

        from ragseed.embedders.wordllama_embedder import package_dir

        ref = WordLlama.load(cache_dir=package_dir(), disable_download=True)
        theirs = rate(lambda t: ref.embed(t, norm=True), texts, wall)
        print(f"wordllama embed():        {theirs:,.0f} chunks/s wall")
        p = load("wordllama", dim=1536)
        up = rate(p.embed_array, texts[:500], wall)
        print(f"wordllama@1536:           {up:,.0f} chunks/s wall")


if __name__ == "__main__":
    main()
