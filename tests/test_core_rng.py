"""ragseed.core.rng: streams keyed by (seed, kind, index), draws that match random.Random's."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragseed.core import rng as R


def test_streams_depend_only_on_their_key() -> None:
    assert R.stream(7, "turn", 1, 2).random() == R.stream(7, "turn", 1, 2).random()
    assert R.stream(7, "turn", 1, 2).random() != R.stream(7, "turn", 2, 1).random()
    assert R.stream(7, "turn", 1, 2).random() != R.stream(8, "turn", 1, 2).random()


@given(
    st.integers(0, 2**64), st.text(max_size=8),
    st.lists(st.one_of(st.integers(-(2**70), 2**70), st.text(max_size=6)), max_size=5),
)  # fmt: skip
def test_keys_are_the_joined_index(seed: int, kind: str, index: list[int | str]) -> None:
    """stream_key formats short indexes directly: the same bytes as joining every part."""
    joined = f"{seed}|{kind}|{'/'.join(map(str, index))}".encode()
    assert R.stream_key(seed, kind, tuple(index)) == joined


@given(st.integers(0, 2**64), st.sampled_from(["turn", "doc", "text"]), st.integers(0, 10**6))
def test_a_stream_is_random_random_of_its_key(seed: int, kind: str, index: int) -> None:
    """stream() builds the Random without random.py's __init__: the same class and state as
    random.Random(derive(...)), the Gaussian spare included, and it keeps drawing alike."""
    fast, plain = R.stream(seed, kind, index), random.Random(R.derive(seed, kind, index))
    assert type(fast) is random.Random
    assert fast.getstate() == plain.getstate()
    assert fast.gauss_next is None  # type: ignore[attr-defined]
    assert [R.gauss(fast, 0, 1) for _ in range(3)] == [plain.gauss(0, 1) for _ in range(3)]
    assert fast.getrandbits(100) == plain.getrandbits(100)


# (helper, the random.Random method call it stands for, an argument strategy)
_SEQ = st.lists(st.integers(), min_size=1, max_size=40)
_CASES: list[tuple[str, Callable[..., Any], Callable[..., Any], st.SearchStrategy[Any]]] = [
    ("below", R.below, lambda r, n: r.randrange(n), st.integers(1, 2**70)),
    ("choice", R.choice, lambda r, s: r.choice(s), _SEQ),
    ("randint", R.randint, lambda r, a, b: r.randint(a, b),
     st.tuples(st.integers(-1000, 1000), st.integers(0, 10**6)).map(lambda t: (t[0], t[0] + t[1]))),
    ("weighted", R.weighted, lambda r, p, c: r.choices(p, cum_weights=c)[0],
     st.lists(st.floats(0.01, 100), min_size=1, max_size=12).map(
         lambda ws: (list(range(len(ws))), [sum(ws[: i + 1]) for i in range(len(ws))]))),
    ("gauss", R.gauss, lambda r, mu, s: r.gauss(mu, s),
     st.tuples(st.floats(-5, 5), st.floats(0.01, 3))),
    ("expovariate", R.expovariate, lambda r, lam: r.expovariate(lam), st.floats(0.001, 50)),
    ("sample", R.sample, lambda r, p, k: r.sample(p, k),
     st.tuples(st.integers(0, 300), st.integers(0, 60)).map(
         lambda t: (range(t[0]), min(t[0], t[1])))),
    ("randbytes", R.randbytes, lambda r, n: r.randbytes(n), st.integers(0, 300)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "helper", "method", "args"), _CASES, ids=[c[0] for c in _CASES])
@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**64), data=st.data())
def test_draws_match_the_random_methods(
    name: str, helper: Callable[..., Any], method: Callable[..., Any],
    args: st.SearchStrategy[Any], seed: int, data: st.DataObject,
) -> None:  # fmt: skip
    arg = data.draw(args)
    arg = arg if isinstance(arg, tuple) else (arg,)
    mine, theirs = random.Random(seed), random.Random(seed)
    for _ in range(3):  # repeated: gauss keeps a spare value between calls
        assert helper(mine, *arg) == method(theirs, *arg)
    assert mine.getstate() == theirs.getstate()  # the stream goes on identically


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**64), items=st.lists(st.integers(), max_size=50))
def test_shuffle_matches_random_shuffle(seed: int, items: list[int]) -> None:
    mine, theirs = list(items), list(items)
    a, b = random.Random(seed), random.Random(seed)
    R.shuffle(a, mine)
    b.shuffle(theirs)
    assert mine == theirs
    assert a.getstate() == b.getstate()


def test_lognormal_int_shares_gauss_state_with_the_method() -> None:
    """lognormal_int draws through R.gauss; mixing it with rng.gauss must not skip a value."""
    a, b = random.Random(3), random.Random(3)
    R.lognormal_int(a, 100, 0.5)
    b.gauss(0.0, 0.5)
    assert a.gauss(0.0, 1.0) == b.gauss(0.0, 1.0)


def test_empty_draws_fail_like_the_methods() -> None:
    r = random.Random(1)
    with pytest.raises(ValueError, match="empty range"):
        R.below(r, 0)
    with pytest.raises(IndexError):
        R.choice(r, [])
    with pytest.raises(ValueError, match="empty range"):
        R.randint(r, 5, 4)


_METHOD_CALL = re.compile(
    r"\b\w*rng\.(choice|choices|randrange|randint|shuffle|sample|gauss|expovariate|randbytes"
    r"|uniform|triangular|normalvariate|lognormvariate|betavariate|paretovariate"
    r"|weibullvariate|vonmisesvariate|gammavariate|binomialvariate)\("
)


def test_generators_draw_only_through_ragseed_rng() -> None:
    """What rng.py promises: rows depend on random() and getrandbits() of the streams, never on
    random.Random's other methods, whose algorithms Python may change."""
    src = Path(R.__file__).resolve().parent.parent  # ragseed/
    files = [*src.glob("generate/*.py"), *src.glob("factories/*.py"), *src.glob("core/*.py")]
    files = [f for f in files if f.name != "rng.py"]
    assert len(files) > 5
    calls = [
        f"{path.name}: {m.group()}"
        for path in files
        for m in _METHOD_CALL.finditer(path.read_text())
    ]
    assert calls == []
