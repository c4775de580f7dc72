"""ragseed: deterministic, realistic and fast seed data for multi-tenant RAG engine databases."""

__version__ = "0.1.0"
