"""Default keys for factory calls: stable per test, never a process-wide sequence.

A factory object is a pure function of (seed, key, parameters). When a call gives no key, the key
is '<scope>::<kind>#<n>': scope is the innermost `key_scope()` or else the running test's node id
(pytest's PYTEST_CURRENT_TEST), and n counts that kind's key-less calls within the scope. So a
test gets the same objects whatever runs before it, in any order and on any xdist worker.

This module imports only the standard library: the pytest plugin resets scopes through it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

DEFAULT_SCOPE = "default"

_scopes: list[str] = []
_counters: dict[tuple[str, str], int] = {}


def current_scope() -> str:
    if _scopes:
        return _scopes[-1]
    test = os.environ.get("PYTEST_CURRENT_TEST")
    if test:
        return test.rsplit(" (", 1)[0]  # drop the phase: setup and call share one scope
    return DEFAULT_SCOPE


def next_key(kind: str) -> str:
    scope = current_scope()
    n = _counters.get((scope, kind), 0)
    _counters[(scope, kind)] = n + 1
    return f"{scope}::{kind}#{n}"


def reset_scope(scope: str) -> None:
    """Start the scope's counters again from zero (a rerun of a test gets the same keys)."""
    for k in [k for k in _counters if k[0] == scope]:
        del _counters[k]


@contextmanager
def key_scope(name: str) -> Iterator[str]:
    """Key-less factory calls inside get keys '<name>::<kind>#<n>', counted from zero."""
    reset_scope(name)
    _scopes.append(name)
    try:
        yield name
    finally:
        _scopes.pop()
