"""wordllama: the direct pooling equals WordLlama's own embed(), byte-identical in any batch,
and Arabic is refused rather than embedded into one shared vector."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragseed.core import rng as R
from ragseed.core.documents import TOPICS
from ragseed.core.errors import ConfigError
from ragseed.embedders import le_bytes, load
from ragseed.generate import compose

np = pytest.importorskip("numpy")
pytest.importorskip("wordllama")


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    return load("wordllama")


def _chunks(lang: str, n_docs: int = 12) -> list[str]:
    out = []
    for d in range(n_docs):
        rng = R.stream(5, "wordllama-test", lang, d)
        topic = TOPICS[d % len(TOPICS)]
        title = compose.document_title(rng, topic, lang)
        out += [p.text for p in compose.document_pieces(rng, topic, lang, title, 8)]
    return out


def test_loading_reads_the_wheel_without_importing_wordllama() -> None:
    """wordllama's inference module calls logging.basicConfig(INFO) when imported, which would
    make the library print: loading reads the wheel's files instead (in a fresh process)."""
    code = (
        "import logging, sys\n"
        "from ragseed.embedders import load\n"
        "e = load('wordllama')\n"
        "assert (e.dim, e.name) == (256, 'wordllama'), (e.dim, e.name)\n"
        "assert 'wordllama' not in sys.modules\n"
        "assert not logging.getLogger().handlers\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""


def test_direct_pooling_equals_wordllamas_embed(embedder) -> None:  # type: ignore[no-untyped-def]
    from wordllama import WordLlama

    from ragseed.embedders.wordllama_embedder import package_dir

    # cache_dir: the wheel's own directory, where its tokenizer is (WordLlama.load looks for it
    # under "tokenizer/", the wheel has "tokenizers/", and would download it otherwise)
    reference = WordLlama.load(cache_dir=package_dir(), disable_download=True)
    texts = [*_chunks("en"), "How do I rotate the API key?", "x"]
    mine = np.frombuffer(le_bytes(embedder.embed_array(texts)), dtype="<f4").reshape(len(texts), -1)
    theirs = reference.embed(texts, norm=True)
    assert np.abs(mine - theirs).max() < 1e-6


@settings(max_examples=10, deadline=None)
@given(st.data())
def test_a_texts_vector_is_its_own_whatever_the_batch(embedder, data) -> None:  # type: ignore[no-untyped-def]
    texts = _chunks("en", 3)
    size = data.draw(st.integers(1, len(texts)))
    batched = b"".join(
        le_bytes(embedder.embed_array(texts[i : i + size])) for i in range(0, len(texts), size)
    )
    assert batched == le_bytes(embedder.embed_array(texts))


def test_numpy_adds_rows_in_order(embedder) -> None:  # type: ignore[no-untyped-def]
    """The pooling relies on sum(axis=0) adding whole rows in order; checked bit for bit
    against an explicit loop on real token rows."""
    for text in _chunks("en", 2):
        rows = embedder.weights64[embedder.token_ids([text])[0]]
        total = np.zeros(rows.shape[1])
        for row in rows:
            total = total + row
        assert rows.sum(axis=0).tobytes() == total.tobytes()


def test_arabic_is_refused_with_the_flag_and_a_way_out(embedder) -> None:  # type: ignore[no-untyped-def]
    arabic = _chunks("ar", 1)
    # Why: the tokenizer reads Arabic as single letters, so the vectors are near-identical.
    ids = embedder.token_ids(arabic[:1])[0]
    assert len(set(ids)) < 60
    with pytest.raises(ConfigError, match=r"--embedder wordllama cannot embed Arabic.*hash"):
        embedder.embed_many(["An English chunk.", arabic[0]])
    # A few Arabic words in English text are fine.
    assert len(embedder.embed_one("The tenant named it بحث in the UI, then indexed it.")) == 256
