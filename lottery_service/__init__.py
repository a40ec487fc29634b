"""Sunshine Draw: auditable private-school lottery and sunshine class grouping.

`lottery_service.core` is the pure implementation of docs/PROTOCOL.md (no I/O);
storage, the HTTP API and the CLI live beside it and call into it.
"""

__version__ = "0.1.0"
