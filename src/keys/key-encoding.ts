import { InvalidArgumentError } from '../errors.js';

/**
 * Building keys from input a caller does not control (an IP, a user id, a
 * session id, a cache key). Such input must not be able to:
 *
 * - escape its namespace (`:` is the separator, so it is encoded),
 * - pick a cluster hash slot (`{` and `}` are encoded, so no hash tag forms),
 * - act as a pattern if a key ever meets SCAN MATCH (`*`, `?`, `[`, `]`, `\`),
 * - share a key with other input (the encoding is injective over every
 *   JavaScript string, not only well-formed ones).
 *
 * Everything outside a small safe set is percent-encoded as the bytes of its
 * UTF-8 form, which leaves common ids readable in `redis-cli`. A lone
 * surrogate (a UTF-16 code unit D800–DFFF without its other half, which
 * `JSON.parse('"\\ud800"')` readily produces from a request) has no UTF-8
 * form; `Buffer.from(…, 'utf8')` would turn every one of them into U+FFFD, so
 * all of them would share one key. It is encoded as the 3 bytes UTF-8 would
 * give the code point if it were allowed (ED A0–BF 80–BF, as WTF-8 does):
 * UTF-8 reserves exactly those sequences, so no well-formed string produces
 * them, and well-formed strings encode exactly as they always did.
 */
const SAFE = /^[A-Za-z0-9._~@!$&'()+,;=-]*$/;
const SAFE_CHAR = /^[A-Za-z0-9._~@!$&'()+,;=-]$/;
const HEX = '0123456789ABCDEF';

/** Encodes one untrusted part of a key. */
export function encodeKeyPart(input: string | number): string {
  const text = String(input);
  if (SAFE.test(text)) return text;
  let out = '';
  // for…of walks code points: a pair is one astral code point, a lone surrogate is itself.
  for (const char of text) {
    if (SAFE_CHAR.test(char)) out += char;
    else out += escapeCodePoint(char.codePointAt(0) as number);
  }
  return out;
}

function escapeCodePoint(cp: number): string {
  if (cp < 0x80) return byte(cp);
  if (cp < 0x800) return byte(0xc0 | (cp >> 6)) + byte(0x80 | (cp & 0x3f));
  // Lone surrogates (D800–DFFF) land here too: ED A0–BF 80–BF.
  if (cp < 0x10000) return byte(0xe0 | (cp >> 12)) + byte(0x80 | ((cp >> 6) & 0x3f)) + byte(0x80 | (cp & 0x3f));
  return byte(0xf0 | (cp >> 18)) + byte(0x80 | ((cp >> 12) & 0x3f)) + byte(0x80 | ((cp >> 6) & 0x3f)) + byte(0x80 | (cp & 0x3f));
}

function byte(value: number): string {
  return `%${HEX[value >> 4]}${HEX[value & 0xf]}`;
}

/**
 * Reverses {@link encodeKeyPart}: `decodeKeyPart(encodeKeyPart(s)) === s` for
 * every string `s`, lone surrogates included. Accepts what
 * `decodeURIComponent` accepted before (either case of hex digits, any
 * literal character) plus the lone-surrogate escapes. Throws an
 * {@link InvalidArgumentError} for text no encoder could have produced:
 * a broken `%` escape, bytes that are not UTF-8 (overlong forms, code points
 * above U+10FFFF), or a surrogate pair spelled as two escapes (encodeKeyPart
 * always writes a pair as its 4-byte code point). The message never repeats
 * the input: a key part can be a session id.
 */
export function decodeKeyPart(encoded: string): string {
  if (!encoded.includes('%')) return encoded;
  let out = '';
  let i = 0;
  // Whether the last unit written was a high surrogate that came from an escape.
  let afterHighEscape = false;
  while (i < encoded.length) {
    if (encoded[i] !== '%') {
      out += encoded[i];
      afterHighEscape = false;
      i++;
      continue;
    }
    const lead = hexByte(encoded, i);
    const length = sequenceLength(lead);
    if (length === 0) throw malformed(i, 'a byte that cannot start a UTF-8 sequence');
    let cp = length === 1 ? lead : lead & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = hexByte(encoded, i + 3 * k);
      if ((next & 0xc0) !== 0x80) throw malformed(i, 'a truncated UTF-8 sequence');
      cp = (cp << 6) | (next & 0x3f);
    }
    // The shortest form only, and nothing past U+10FFFF.
    const minimum = [0, 0, 0x80, 0x800, 0x10000][length] as number;
    if (cp < minimum || cp > 0x10ffff) throw malformed(i, 'an overlong or out-of-range UTF-8 sequence');
    const isLow = cp >= 0xdc00 && cp <= 0xdfff;
    if (isLow && afterHighEscape) throw malformed(i, 'a surrogate pair written as two escapes');
    out += String.fromCodePoint(cp);
    afterHighEscape = cp >= 0xd800 && cp <= 0xdbff;
    i += 3 * length;
  }
  return out;
}

/** How many bytes a UTF-8 sequence starting with `lead` has; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The byte of the `%XX` escape at `at`. */
function hexByte(text: string, at: number): number {
  if (text[at] !== '%') throw malformed(at, "a UTF-8 sequence cut short (expected '%')");
  const high = hexDigit(text.charCodeAt(at + 1));
  const low = hexDigit(text.charCodeAt(at + 2));
  if (high < 0 || low < 0) throw malformed(at, "'%' not followed by two hex digits");
  return (high << 4) | low;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

function malformed(at: number, what: string): InvalidArgumentError {
  return new InvalidArgumentError(`not an encoded key part: ${what} at offset ${at}`);
}

/**
 * The id a key part stands for when `encodeKeyPart` could have written it,
 * else undefined: an empty part, a malformed escape, or a non-canonical
 * spelling (e.g. a raw `:`, which encoded ids never hold) belong to another
 * writer sharing the prefix. For the scans that map keys back to ids.
 */
export function canonicalKeyPartId(part: string): string | undefined {
  if (part === '') return undefined;
  let id: string;
  try {
    id = decodeKeyPart(part);
  } catch {
    // Malformed percent-escapes: no encoder wrote this.
    return undefined;
  }
  return encodeKeyPart(id) === part ? id : undefined;
}

/** Escapes a literal for use inside a SCAN MATCH / KEYS pattern. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}
