#!/usr/bin/env python3
"""The seed document's scripts/seed_factories.py: a few tenants made with ragseed.factories.

    DATABASE_URL=sqlite:///dev.db python scripts/seed_factories.py --users 3 --documents 5
    python scripts/seed_factories.py --users 2 --arabic --name demo

Users are keyed '<name>::user#<n>', so a rerun finds them and writes nothing; another --name gives
other users. DATABASE_URL and ENVIRONMENT are honoured, and production is refused, as in
`ragseed seed`. The factory definitions themselves live in ragseed.factories.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import text

from ragseed import factories as F
from ragseed.core.config import DEFAULT_SEED, build_config
from ragseed.core.errors import RagseedError
from ragseed.db.engine import transaction
from ragseed.db.target import inspect_target
from ragseed.run.identity import database_url


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", help="default: $DATABASE_URL, else ./ragseed.db")
    p.add_argument("--users", type=int, default=3)
    p.add_argument("--documents", type=int, default=5, help="documents per user")
    p.add_argument("--sessions", type=int, default=2, help="chat sessions per user")
    p.add_argument("--turns", type=int, default=3, help="turns per chat session")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--name", default="seed_factories", help="key scope: other names, other users")
    p.add_argument("--arabic", action="store_true", help="Arabic documents only")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        config = build_config({"database_url": args.database_url})  # env, safety checks
        url = database_url(config)
        settings = dict(documents=args.documents, sessions=args.sessions, turns=args.turns,
                        seed=args.seed, arabic=args.arabic)  # fmt: skip
        with transaction(url) as conn:
            inspect_target(conn)  # creates the tables in an empty database
            for n in range(args.users):
                key = f"{args.name}::user#{n}"
                wanted = F.UserFactory.build(key=key, **settings)
                exists = conn.execute(text("SELECT 1 FROM users WHERE id = :u"), {"u": wanted.id})
                if exists.first() is not None:
                    print(f"{wanted.email}  {wanted.api_key}  (already there)")
                    continue
                user = F.UserFactory.create(key=key, sqlalchemy_session=conn, **settings)
                chunks = sum(len(d.chunks) for d in user.documents)
                print(f"{user.email}  {user.api_key}  {len(user.documents)} documents, "
                      f"{chunks} chunks, {len(user.sessions)} chat sessions")  # fmt: skip
    except RagseedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
