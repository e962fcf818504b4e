import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeKeyPart, encodeKeyPart, escapeGlob } from '../../src/keys/key-encoding.js';

describe('keys built from untrusted input', () => {
  it('cannot escape the namespace, pick a hash tag, or act as a pattern', () => {
    for (const input of ['a:b', '{tag}', 'x*', 'x?', '[ab]', 'back\\slash', 'sp ace', '%41', 'ünïcode', '']) {
      const encoded = encodeKeyPart(input);
      assert.doesNotMatch(encoded, /[:{}*?[\]\\ ]/, `${JSON.stringify(input)} → ${encoded}`);
      assert.equal(decodeKeyPart(encoded), input, 'reversible');
    }
  });

  it('is injective and leaves common ids readable', () => {
    assert.equal(encodeKeyPart('user-42'), 'user-42');
    assert.equal(encodeKeyPart('192.168.0.1'), '192.168.0.1');
    assert.equal(encodeKeyPart(42), '42');
    assert.equal(encodeKeyPart('2001:db8::1'), '2001%3Adb8%3A%3A1');
    assert.notEqual(encodeKeyPart('%3A'), encodeKeyPart(':'), 'the escape character itself is escaped');
  });

  it('escapes glob characters for SCAN MATCH', () => {
    assert.equal(escapeGlob('app*[1]?:'), 'app\\*\\[1\\]\\?:');
  });
});
