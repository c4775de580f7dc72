"""Side-by-side text generation speed: Faker, Mimesis (if installed) and ragseed's engine.

    PYTHONPATH=src python bench/bench_text.py [--rounds 5] [--chunks 20000]

One "chunk" is one paragraph: Faker ``paragraph(nb_sentences=5)``, Mimesis
``Text.text(quantity=5)``, or one chunk of ``ragseed.generate.compose.document_pieces`` with
chunk_tokens=96 (documents of 1-12 chunks, a title each, topics in rotation, as the seeder does).
The engines run in turns within every round, so load from other processes hits them alike; the
table shows the median of the rounds, by wall clock and by CPU time of this process.
Mimesis is measured only if importable; it is not a dependency of ragseed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from ragseed.core.documents import TOPICS
from ragseed.generate import compose

Engine = Callable[[int], int]  # produce about n chunks, return how many were made


def faker_engine() -> Engine:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(0)

    def run(n: int) -> int:
        for _ in range(n):
            fake.paragraph(nb_sentences=5)
        return n

    return run


def mimesis_engine() -> Engine | None:
    try:
        from mimesis import Locale, Text
    except ImportError:
        return None
    text = Text(locale=Locale.EN, seed=0)

    def run(n: int) -> int:
        for _ in range(n):
            text.text(quantity=5)
        return n

    return run


def ragseed_engine(lang: str) -> Engine:
    rng = random.Random(0)
    sizes = random.Random(1)  # document sizes, independent of the text stream
    compose.document_pieces(rng, TOPICS[0], lang, "warm up", 1)  # build the language tables

    def run(n: int) -> int:
        made = 0
        while made < n:
            topic = TOPICS[made % len(TOPICS)]
            title = compose.document_title(rng, topic, lang)
            made += len(compose.document_pieces(rng, topic, lang, title, sizes.randint(1, 12), 96))
        return made

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--chunks", type=int, default=20000, help="chunks per engine and round")
    args = parser.parse_args()

    engines: dict[str, Engine] = {"faker paragraph(5)": faker_engine()}
    mimesis = mimesis_engine()
    if mimesis is not None:
        engines["mimesis text(5)"] = mimesis
    engines["ragseed en"] = ragseed_engine("en")
    engines["ragseed ar"] = ragseed_engine("ar")

    wall: dict[str, list[float]] = {name: [] for name in engines}
    cpu: dict[str, list[float]] = {name: [] for name in engines}
    for _ in range(args.rounds):
        for name, run in engines.items():
            w0, c0 = time.perf_counter(), time.process_time()
            made = run(args.chunks)
            wall[name].append(made / (time.perf_counter() - w0))
            cpu[name].append(made / max(time.process_time() - c0, 1e-9))

    faker_wall = statistics.median(wall["faker paragraph(5)"])
    faker_cpu = statistics.median(cpu["faker paragraph(5)"])
    print(f"median of {args.rounds} rounds, {args.chunks} chunks per engine and round")
    print(f"{'engine':<20} {'chunks/s (wall)':>16} {'chunks/s (cpu)':>15} {'x faker':>8}")
    for name in engines:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        print(f"{name:<20} {w:>16,.0f} {c:>15,.0f} {c / faker_cpu:>8.2f}")
    ours = statistics.median(cpu["ragseed en"])
    print(
        f"\nragseed en / faker: {statistics.median(wall['ragseed en']) / faker_wall:.2f}x wall, "
        f"{ours / faker_cpu:.2f}x cpu; target >= 40,000 chunks/s: "
        f"{'met' if ours >= 40_000 else 'NOT met'} ({ours:,.0f} by cpu time)"
    )


if __name__ == "__main__":
    main()
