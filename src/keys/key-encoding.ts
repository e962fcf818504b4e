/**
 * Building keys from input a caller does not control (an IP, a user id, a
 * session id, a cache key). Such input must not be able to:
 *
 * - escape its namespace (`:` is the separator, so it is encoded),
 * - pick a cluster hash slot (`{` and `}` are encoded, so no hash tag forms),
 * - act as a pattern if a key ever meets SCAN MATCH (`*`, `?`, `[`, `]`, `\`).
 *
 * Percent-encoding of everything outside a small safe set is injective
 * (two inputs never share a key) and reversible, and leaves common ids
 * readable in `redis-cli`.
 */
const SAFE = /^[A-Za-z0-9._~@!$&'()+,;=-]*$/;

/** Encodes one untrusted part of a key. */
export function encodeKeyPart(input: string | number): string {
  const text = String(input);
  if (SAFE.test(text)) return text;
  let out = '';
  for (const char of text) {
    if (SAFE.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Reverses {@link encodeKeyPart}. */
export function decodeKeyPart(encoded: string): string {
  return decodeURIComponent(encoded);
}

/** Escapes a literal for use inside a SCAN MATCH / KEYS pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
