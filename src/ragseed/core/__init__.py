"""The core: configuration, the plan and document layouts, randomness, row shapes, fingerprints
and errors. It imports nothing else of ragseed."""
