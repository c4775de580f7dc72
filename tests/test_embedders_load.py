"""load(spec, dim=): every spec, its .name (which loads the same embedder again), the --dim
projection, and one-line errors that name the flag."""

from __future__ import annotations

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragseed.core.errors import ConfigError
from ragseed.embedders import Embedder, HashEmbedder, Projected, le_bytes, load
from ragseed.embedders.projection import project

TEXTS = [
    "How do I rotate the API key?",
    "The reindexing job rebuilds the HNSW graph after every schema change.",
    "Billing runs on the first day of the month; invoices list every seat.",
    "يعتمد كل من التضمينات وأفضل النتائج على تضمين المقطع.",
    "",
]


def _cos(a: list[float], b: list[float]) -> float:
    return math.fsum(x * y for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize(
    ("spec", "dim", "name", "size"),
    [("hash", None, "hash:256", 256), ("hash:384", None, "hash:384", 384),
     ("hash", 1024, "hash:1024", 1024), ("hash:64", 64, "hash:64", 64),
     ("hash@128", None, "hash:128", 128), (" hash ", None, "hash:256", 256)],
)  # fmt: skip
def test_hash_specs(spec: str, dim: int | None, name: str, size: int) -> None:
    e = load(spec, dim=dim)
    assert isinstance(e, HashEmbedder)
    assert (e.name, e.dim) == (name, size)
    assert le_bytes(load(e.name).embed_array(TEXTS)) == le_bytes(e.embed_array(TEXTS))


@pytest.mark.parametrize(
    ("spec", "dim", "flag"),
    [("bert", None, "--embedder 'bert' is unknown"), ("hash:x", None, "--embedder hash:x"),
     ("hash:1", None, "--embedder hash:1"), ("hash:64", 128, "--dim 128 disagree"),
     ("hash", 1, "--dim 1"), ("hash@9", 10, "--dim 10 disagree"), ("hash@", None, "after @"),
     ("openai", None, "openai:MODEL"),
     ("sentence-transformers", None, "sentence-transformers:MODEL"),
     ("wordllama:big", None, "wordllama takes no model name")],
)  # fmt: skip
def test_bad_specs_say_which_flag_and_how_to_fix_it(spec: str, dim: int | None, flag: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(spec, dim=dim)
    message = str(info.value)
    assert flag in message
    assert "\n" not in message


def test_openai_without_a_key_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="needs an API key: set OPENAI_API_KEY"):
        load("openai:text-embedding-3-small")


def test_sentence_transformers_without_the_package_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    with pytest.raises(ConfigError, match=r"pip install 'ragseed\[sentence-transformers\]'"):
        load("sentence-transformers:sentence-transformers/all-MiniLM-L6-v2")


def test_wordllama_without_the_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ConfigError, match=r"pip install 'ragseed\[wordllama\]'"):
        load("wordllama")


@settings(max_examples=25, deadline=None)
@given(
    st.sampled_from([16, 64, 256]),
    st.integers(0, 1500),
)
def test_projecting_up_keeps_cosines(d_in: int, extra: int) -> None:
    inner = HashEmbedder(d_in)
    up = Projected(inner, d_in + extra)
    before, after = inner.embed_many(TEXTS), up.embed_many(TEXTS)
    for i in range(len(TEXTS)):
        assert abs(_cos(after[i], after[i]) - 1.0) < 1e-6
        for j in range(i):
            assert abs(_cos(before[i], before[j]) - _cos(after[i], after[j])) < 1e-5


def test_the_projection_is_deterministic_and_mixes_every_coordinate() -> None:
    a = le_bytes(load("hash:64@384").embed_array(TEXTS))
    project.__globals__["plan"].cache_clear()  # rebuilt from its seed, not remembered
    assert le_bytes(load("hash:64@384").embed_array(TEXTS)) == a
    v = load("hash:64@384").embed_one(TEXTS[1])
    assert sum(x != 0.0 for x in v) > 300, "not a zero-padded copy"
    assert load("hash:64@384").embed_one(TEXTS[1]) != load("hash:64@385").embed_one(TEXTS[1])[:384]


def test_projecting_down_roughly_keeps_cosines() -> None:
    """Down is a random subspace: cosines move, but related texts stay related."""
    inner, down = HashEmbedder(1024), Projected(HashEmbedder(1024), 512)
    a, b = inner.embed_many(TEXTS[:3]), down.embed_many(TEXTS[:3])
    for i in range(3):
        assert abs(_cos(b[i], b[i]) - 1.0) < 1e-6
        for j in range(i):
            assert abs(_cos(a[i], a[j]) - _cos(b[i], b[j])) < 0.2


def test_a_projected_name_loads_the_same_embedder() -> None:
    e = Projected(HashEmbedder(32), 100)
    assert e.name == "hash:32@100"
    again = load(e.name)
    assert isinstance(again, Embedder) and again.dim == 100
    assert le_bytes(again.embed_array(TEXTS)) == le_bytes(e.embed_array(TEXTS))


def test_the_docs_examples_run() -> None:
    """docs/embedders.md shows how the engine embeds questions: its examples run as written."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs/embedders.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, "docs/embedders.md", "exec"), {"__name__": "docs"})
