"""Standalone verifier for Sunshine Draw audit bundles (docs/PROTOCOL.md, version 2).

An independent second implementation of the protocol: it uses only the Python
standard library, ``cryptography`` and ``rfc8785`` (``py_ecc`` optionally, for the
drand beacon's BLS signature), and never the service code. Run it as
``python -m verifier audit_logs/<event-id>``, or ``python -m verifier receipt FILE
--policy POLICY`` for a family's receipt (§14); see verifier/README.md.
"""

from verifier.errors import NotChecked, VerificationError

__all__ = ["NotChecked", "VerificationError"]
