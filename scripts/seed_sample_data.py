#!/usr/bin/env python3
"""The seed document's entry point, as a thin wrapper over ragseed.

    python scripts/seed_sample_data.py --env development
    python scripts/seed_sample_data.py --num-users 50 --num-docs 200
    python scripts/seed_sample_data.py --reset

DATABASE_URL and ENVIRONMENT are honoured; --num-docs means documents per user. Every other
`ragseed seed` flag works too (see `ragseed seed --help`).
"""

from __future__ import annotations

import sys

from ragseed.cli import main

if __name__ == "__main__":
    main(["seed", *sys.argv[1:]])
