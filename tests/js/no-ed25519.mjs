// Preload (node --import) that makes this Node's WebCrypto look like an old Chromium
// WebView's: importKey of Ed25519 throws NotSupportedError, so signatures.js must fall
// back to the vendored @noble/curves (tests/js/signatures.test.mjs runs the receipt
// vectors under it).
const subtle = globalThis.crypto.subtle;
const importKey = subtle.importKey.bind(subtle);
subtle.importKey = async (format, data, algorithm, ...rest) => {
  const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
  if (String(name).toLowerCase() === "ed25519") {
    throw new DOMException("Algorithm: Unrecognized name", "NotSupportedError");
  }
  return importKey(format, data, algorithm, ...rest);
};
