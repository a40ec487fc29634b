"""BLS12-381 for verifier.beacon, by py_ecc (the optional `beacon` extra).

Importing this module fails with ImportError when py_ecc is absent; the caller
then reports the signature as not checked. Points are decoded with the ZCash
compressed encoding (flags, x < p, on the curve) and must lie in the
prime-order subgroup and not be the identity (RFC 9380 / BLS signature KeyValidate).
"""

from __future__ import annotations

import hashlib
import sys

# py_ecc raises the interpreter's recursion limit to 100,000 when imported; the
# strict JSON parser relies on the default limit to refuse deeply nested input
# (a RecursionError, not a C stack overflow), so the limit is put back.
_LIMIT = sys.getrecursionlimit()
from py_ecc.bls.g2_primitives import subgroup_check  # noqa: E402
from py_ecc.bls.hash_to_curve import hash_to_G1  # noqa: E402
from py_ecc.bls.point_compression import decompress_G1, decompress_G2  # noqa: E402
from py_ecc.bls.typing import G1Compressed, G1Uncompressed, G2Compressed  # noqa: E402
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12  # noqa: E402
from py_ecc.optimized_bls12_381.optimized_curve import G2, is_inf, neg  # noqa: E402
from py_ecc.optimized_bls12_381.optimized_pairing import final_exponentiate, pairing  # noqa: E402

sys.setrecursionlimit(_LIMIT)

Point = G1Uncompressed


def g1_signature(data: bytes) -> Point | None:
    """A 48-byte compressed G1 point of the subgroup, not the identity; else None."""
    try:
        point = decompress_G1(G1Compressed(int.from_bytes(data, "big")))
    except ValueError:
        return None
    if is_inf(point) or not subgroup_check(point):
        return None
    return point


def valid_g2(data: bytes) -> bool:
    """Whether 96 bytes are a compressed G2 point of the subgroup, not the identity."""
    try:
        point = decompress_G2(G2Compressed((int.from_bytes(data[:48], "big"),
                                            int.from_bytes(data[48:], "big"))))
    except ValueError:
        return False
    return not is_inf(point) and subgroup_check(point)


def verify(signature: Point, message: bytes, dst: bytes, public_key: bytes) -> bool:
    """e(σ, g2) · e(−H(m), pk) = 1, one final exponentiation for both Miller loops."""
    pk = decompress_G2(G2Compressed((int.from_bytes(public_key[:48], "big"),
                                     int.from_bytes(public_key[48:], "big"))))
    # py_ecc annotates the hash as _hashlib.HASH but calls it as a constructor, as here
    hashed = hash_to_G1(message, dst, hashlib.sha256)  # type: ignore[arg-type]
    product = (pairing(G2, signature, final_exponentiate=False)
               * pairing(pk, neg(hashed), final_exponentiate=False))
    return bool(final_exponentiate(product) == FQ12.one())
