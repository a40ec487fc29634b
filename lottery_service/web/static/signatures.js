// Sunshine Draw: the two signature algorithms the in-browser checkers verify
// (docs/PROTOCOL.md §12.2 log signatures and §12.3 cosignatures).
//
// Ed25519 (RFC 8032; signed-note type 0x01 and cosignature type 0x04) runs on
// WebCrypto where the browser has it. Chromium shipped WebCrypto Ed25519 by default
// only in version 137 (2025; earlier behind "Experimental Web Platform features"),
// so older Chromium and the Android System WebViews and in-app browsers built on it
// have none: there the check falls back to @noble/curves' ed25519 (audited, from
// npm, bundled by `make` into ./vendor/ and served from this site, never a CDN),
// loaded only when needed. Both paths verify strictly (RFC 8032 / FIPS 186-5: no
// ZIP 215 leniency), so a signature is valid on one exactly when on the other.
//
// ML-DSA-44 (FIPS 204, pure, empty context; cosignature type 0x06) has no WebCrypto
// in any browser yet: @noble/post-quantum's ml_dsa44, vendored the same way and also
// loaded only when a policy lists such a key. Where a module cannot load, the
// signature is *not checked* (§12.3), never counted as valid.

const subtle = globalThis.crypto.subtle;

/** Which Ed25519 implementation ran: WebCrypto, or the vendored fallback. */
export const Backend = Object.freeze({ WEBCRYPTO: "webcrypto", NOBLE: "noble" });

let nobleEd25519 = null;
let nobleMlDsa = null;

async function loadNobleEd25519() {
  nobleEd25519 ??= (await import("./vendor/noble-curves-ed25519.js")).ed25519;
  return nobleEd25519;
}

/**
 * An Ed25519 verifier over `webcrypto` (a SubtleCrypto, or null for none): an async
 * function (publicKey, signature, message) → boolean, with `.backend()` telling which
 * implementation answered last. Exported so tests can force the fallback.
 */
export function ed25519Verifier(webcrypto = subtle) {
  let supported = webcrypto ? null : false; // null: not probed yet
  let used = null;
  const verify = async (publicKey, signature, message) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    if (supported !== false) {
      let key;
      try {
        key = await webcrypto.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
        supported = true;
      } catch (e) {
        // NotSupportedError: this WebCrypto has no Ed25519, so fall back (and remember);
        // any other error is a key WebCrypto refuses, i.e. an invalid signature.
        if (e?.name !== "NotSupportedError") return false;
        supported = false;
      }
      if (supported) {
        used = Backend.WEBCRYPTO;
        try {
          return await webcrypto.verify({ name: "Ed25519" }, key, signature, message);
        } catch {
          return false;
        }
      }
    }
    used = Backend.NOBLE;
    const ed = await loadNobleEd25519();
    try {
      return ed.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  };
  verify.backend = () => used;
  return verify;
}

/** The page's Ed25519 verifier: WebCrypto, else the vendored @noble/curves. */
export const verifyEd25519 = ed25519Verifier();

/** The ML-DSA-44 verifier, or null where the vendored module cannot load (not checked). */
export async function mlDsa44() {
  if (nobleMlDsa === null) {
    try {
      nobleMlDsa = (await import("./vendor/noble-ml-dsa.js")).ml_dsa44;
    } catch {
      return null;
    }
  }
  return nobleMlDsa;
}

/** FIPS 204 ML-DSA-44 verification, pure, empty context; null when it cannot run here. */
export async function verifyMlDsa44(publicKey, signature, message) {
  const ml = await mlDsa44();
  if (ml === null) return null;
  if (publicKey.length !== 1312 || signature.length !== 2420) return false;
  try {
    return ml.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
