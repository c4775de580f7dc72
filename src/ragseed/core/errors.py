"""Errors the library raises. The CLI turns them into one-line messages; nothing else does."""


class RagseedError(Exception):
    """Base class: a problem the user can fix. The message says what is wrong and how to fix it."""


class ConfigError(RagseedError):
    """A flag, environment variable, config file or static file is invalid."""


class SafetyError(RagseedError):
    """The run would touch a database that must not be seeded (production)."""


class DatabaseError(RagseedError):
    """The database cannot be reached or does not accept what we write."""


class SchemaError(RagseedError):
    """The existing tables do not match what ragseed needs."""


class LedgerError(RagseedError):
    """The database was seeded with something this run cannot reconcile with."""


class ConflictError(DatabaseError):
    """The rows to write collide with rows already in the database."""
