"""Standalone verifier for Sunshine Draw audit bundles (docs/PROTOCOL.md).

An independent second implementation of the protocol: it uses only the Python
standard library, ``cryptography`` and ``rfc8785``, and never the service code.
Run it as ``python -m verifier audit_logs/<event-id>``.
"""

from verifier.errors import VerificationError

__all__ = ["VerificationError"]
