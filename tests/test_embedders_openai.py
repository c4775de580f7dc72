"""openai:MODEL against a stand-in server on 127.0.0.1: the real API is paid and needs a key, so
what is tested here is our side of it (batching, retries with backoff, concurrency, the
persistent cache, error lines), with the request and answer shapes of the API's documented
``POST /v1/embeddings``. Not tested: the real service, its rate limits, real models' sizes."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ragseed.core.errors import ConfigError
from ragseed.embedders import load
from ragseed.embedders.cache import EmbeddingCache
from ragseed.embedders.openai_embedder import OpenAIEmbedder

DIM = 8


def fake_vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [(b - 127.5) / 50 for b in digest[:DIM]]


class StandIn:
    """A scripted embeddings endpoint: ``statuses`` are answered first, in order, then 200s."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.batches: list[list[str]] = []
        self.auth: list[str] = []
        self.delay = 0.0
        self.in_flight = self.max_in_flight = 0
        self.lock = threading.Lock()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = json.loads(request.rfile.read(int(request.headers["Content-Length"])))
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.auth.append(request.headers["Authorization"])
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            if status != 200:
                payload = json.dumps({"error": {"message": f"stand-in {status}"}}).encode()
                request.send_response(status)
                if status == 429:
                    request.send_header("Retry-After", "0.25")
            else:
                with self.lock:
                    self.batches.append(body["input"])
                data = [
                    {"object": "embedding", "index": i, "embedding": fake_vector(t)}
                    for i, t in reversed(list(enumerate(body["input"])))  # any order: by index
                ]
                payload = json.dumps({"object": "list", "data": data, "model": body["model"]})
                payload = payload.encode()
                request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        finally:
            with self.lock:
                self.in_flight -= 1


@pytest.fixture
def server() -> Iterator[tuple[StandIn, str]]:
    stand_in = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            assert self.path == "/v1/embeddings"
            stand_in.handle(self)

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _embedder(url: str, tmp_path: Path, **options: Any) -> OpenAIEmbedder:
    sleeps: list[float] = options.pop("sleeps", [])
    e = load(
        "openai:stand-in", api_key="sk-test", base_url=url, cache=tmp_path / "cache.sqlite",
        sleep=sleeps.append, **options,
    )  # fmt: skip
    assert isinstance(e, OpenAIEmbedder)
    return e


def test_texts_go_in_batches_and_come_back_normalised_in_order(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stand_in, url = server
    e = _embedder(url, tmp_path, batch_size=4, concurrency=1)
    assert e.dim == DIM and e.name == "openai:stand-in"
    assert stand_in.batches == [["dimension probe"]]  # an unknown model's size: one probe
    texts = [f"text {i}" for i in range(10)] + ["text 3", ""]  # a repeat is paid for once
    vectors = e.embed_many(texts)
    assert [len(b) for b in stand_in.batches[1:]] == [4, 4, 3]
    assert stand_in.batches[-1][-1] == " ", "the API refuses empty strings"
    assert set(stand_in.auth) == {"Bearer sk-test"}
    for text, v in zip(texts[:-1], vectors, strict=False):
        raw = fake_vector(text)
        norm = math.sqrt(math.fsum(x * x for x in raw))
        assert v == pytest.approx([x / norm for x in raw], abs=1e-7)


def test_429_and_5xx_are_retried_with_exponential_backoff(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stand_in, url = server
    sleeps: list[float] = []
    e = _embedder(url, tmp_path, sleeps=sleeps, backoff=0.5)
    stand_in.statuses = [429, 500, 503, 502]
    before = e.requests
    e.embed_many(["a", "b"])
    assert e.requests - before == 5
    # 429 says Retry-After: 0.25; the others wait 0.5 * 2**attempt
    assert sleeps == [0.25, 1.0, 2.0, 4.0]


def test_retries_give_up_with_one_line(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stand_in, url = server
    e = _embedder(url, tmp_path, max_retries=2)
    stand_in.statuses = [500, 500, 500]
    with pytest.raises(ConfigError) as info:
        e.embed_many(["a"])
    assert str(info.value).startswith("--embedder openai:stand-in: the API still answered 500")
    assert "after 2 retries" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("status", "says"), [(401, "API key was rejected"), (400, "answered 400")])
def test_client_errors_are_not_retried(server, tmp_path, status, says) -> None:  # type: ignore[no-untyped-def]
    stand_in, url = server
    e = _embedder(url, tmp_path)
    stand_in.statuses = [status]
    before = e.requests
    with pytest.raises(ConfigError, match=says):
        e.embed_many(["a"])
    assert e.requests - before == 1


def test_concurrency_is_limited(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stand_in, url = server
    e = _embedder(url, tmp_path, batch_size=1, concurrency=3)
    stand_in.delay = 0.05
    e.embed_many([f"t{i}" for i in range(12)])
    assert stand_in.max_in_flight == 3


def test_a_rerun_never_pays_twice(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stand_in, url = server
    texts = [f"chunk {i}" for i in range(7)]
    first = _embedder(url, tmp_path, batch_size=3).embed_array(texts)
    paid = len(stand_in.batches)
    again = _embedder(url, tmp_path, batch_size=3)  # a new process would open the same file
    assert again.embed_array(texts) == first
    assert again.requests == 0 and len(stand_in.batches) == paid
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    assert cache.count("stand-in") == 8  # 7 chunks and the probe
    assert cache.count("another-model") == 0
    # keyed by the text's sha256: a changed text is paid for
    again.embed_one("chunk 7")
    assert again.requests == 1


def test_an_unreachable_server_is_one_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=r"cannot be reached .*OPENAI_BASE_URL"):
        _embedder("http://127.0.0.1:9/v1", tmp_path, max_retries=1)
