"""Running a seed: its identity, the decisions (fresh, nothing, top-up, shard), the atomic,
sharded and parallel runs, and their ledger."""
