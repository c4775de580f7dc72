"""Pure generation: a plan and an index in, rows out."""

#: Bumped whenever the same config starts to give different rows (the golden tests say when). It
#: is part of the ledger's identity of a seed, so rows of an older generator are never topped up
#: with rows of a newer one.
GENERATOR = 3
