"""Storage at the edge: SQLModel tables, engine and migrations.

The audit log (`LogEntryTable`) is the source of truth for everything public;
other tables hold private data (names, birth dates, phones) that never leave
the service, or caches that can be rebuilt from the log.
"""
