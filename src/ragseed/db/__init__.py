"""Databases: URLs, engines and transactions, the schema, the target's shape and the migrations."""
