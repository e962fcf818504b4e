import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError } from '../../src/errors.js';
import { KeyLayout } from '../../src/cache/key-layout.js';
import { decodeKeyPart, encodeKeyPart } from '../../src/keys/key-encoding.js';

/** Any UTF-16 code unit, so lone surrogates (high or low, anywhere) are as likely as any other unit. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
/** Strings of arbitrary code units: well-formed or not. */
const utf16 = fc.string({ unit: codeUnit, maxLength: 40 });
/** Strings of arbitrary code points, lone surrogate halves included. */
const binary = fc.string({ unit: 'binary', maxLength: 40 });
/**
 * A few units chosen to collide if the encoding were lossy: lone surrogates of
 * both kinds, the pair they form, U+FFFD (what a lossy UTF-8 encoder makes of
 * a lone surrogate), and the characters of the escapes themselves.
 */
const tricky = fc.string({
  unit: fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', '\uDE00', '\uFFFD', '%', 'E', 'D', 'A', '0', ':'),
  maxLength: 8,
});
const anyString = fc.oneof(utf16, binary, tricky);

/** Only safe characters and upper-case `%XX` escapes. */
const ENCODED = /^(?:[A-Za-z0-9._~@!$&'()+,;=-]|%[0-9A-F]{2})*$/;
/** What must never appear in a key part: the separator, hash-tag braces, glob characters. */
const FORBIDDEN = /[:{}*?[\]\\]/;
/** A lone surrogate (in `u` mode a pair is one astral code point, not two Cs). */
const LONE_SURROGATE = /\p{Cs}/u;

/** The encoding before lone surrogates got their own escape: every stored key of a well-formed string was made by this. */
function legacyEncode(text: string): string {
  if (/^[A-Za-z0-9._~@!$&'()+,;=-]*$/.test(text)) return text;
  let out = '';
  for (const char of text) {
    if (/^[A-Za-z0-9._~@!$&'()+,;=-]$/.test(char)) out += char;
    else for (const byte of Buffer.from(char, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

describe('encodeKeyPart over every JavaScript string (property-based)', () => {
  it('decodeKeyPart(encodeKeyPart(s)) === s, lone surrogates included', () => {
    fc.assert(
      fc.property(anyString, (s) => decodeKeyPart(encodeKeyPart(s)) === s),
      { numRuns: 2000 },
    );
  });

  it('is injective: encodeKeyPart(a) === encodeKeyPart(b) only if a === b', () => {
    fc.assert(
      fc.property(anyString, anyString, (a, b) => (encodeKeyPart(a) === encodeKeyPart(b)) === (a === b)),
      { numRuns: 5000 },
    );
    // The collision that was reported: two different lone surrogates, one key.
    assert.notEqual(encodeKeyPart('\uD800'), encodeKeyPart('\uDBFF'));
    assert.notEqual(encodeKeyPart('\uD800'), encodeKeyPart('\uFFFD'));
  });

  it('emits only the safe set and %XX, never a separator, brace, glob character or backslash', () => {
    fc.assert(
      fc.property(anyString, (s) => {
        const encoded = encodeKeyPart(s);
        return ENCODED.test(encoded) && !FORBIDDEN.test(encoded);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves the encoding of well-formed strings as it was, so stored keys are still found after an upgrade', () => {
    fc.assert(
      fc.property(anyString, (s) => LONE_SURROGATE.test(s) || encodeKeyPart(s) === legacyEncode(s)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => encodeKeyPart(s) === legacyEncode(s)),
      { numRuns: 1000 },
    );
  });

  it('gives a lone surrogate an escape no well-formed string produces (the 3-byte form UTF-8 reserves)', () => {
    assert.equal(encodeKeyPart('\uD800'), '%ED%A0%80');
    assert.equal(encodeKeyPart('\uDBFF'), '%ED%AF%BF');
    assert.equal(encodeKeyPart('\uDC00'), '%ED%B0%80');
    assert.equal(encodeKeyPart('a\uDFFFb'), 'a%ED%BF%BFb');
    // A pair is one code point, encoded as before.
    assert.equal(encodeKeyPart('\uD83D\uDE00'), '%F0%9F%98%80');
    // A high half followed by a low half that is not its pair cannot happen: they would be a pair.
    assert.equal(encodeKeyPart('\uDE00\uD83D'), '%ED%B8%80%ED%A0%BD');
  });

  it("round-trips through the cache's key layout (the near-cache's invalidation events name the caller's key)", () => {
    fc.assert(
      fc.property(anyString, anyString, (namespace, key) => {
        const layout = new KeyLayout(namespace);
        const dataKey = layout.data(key);
        return layout.callerKey(dataKey) === key && dataKey.startsWith(layout.dataPrefix);
      }),
      { numRuns: 1000 },
    );
  });

  it('decodeKeyPart rejects what encodeKeyPart cannot produce with a typed error that does not echo the input', () => {
    for (const bad of ['%', '%4', '%G0', '%FF', '%C0%80', '%E0%80%80', '%ED%A0', '%E2%82', '%ED%A0%BD%ED%B8%80', '%F4%90%80%80']) {
      const secret = `s3cr3t-session-id${bad}`;
      assert.throws(
        () => decodeKeyPart(secret),
        (error: unknown) => error instanceof InvalidArgumentError && !error.message.includes('s3cr3t'),
        bad,
      );
    }
  });
});
