import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { resolveSessionOptions, type SessionStoreOptions } from '../../src/session/options.js';
import { jsonSessionSerializer } from '../../src/session/types.js';

describe('session store options', () => {
  it('defaults: sess: namespace, one day, JSON, no fallback', () => {
    const options = resolveSessionOptions();
    assert.equal(options.prefix, 'sess:');
    assert.equal(options.ttlMs, 86_400_000);
    assert.equal(options.serializer, jsonSessionSerializer);
    assert.equal(options.fallback, 'none');
    assert.equal(options.fallbackMaxSessions, 10_000);
    assert.equal(options.recoverAfterMs, 5000);
  });

  it('rejects unknown options, naming the one meant', () => {
    assert.throws(
      () => resolveSessionOptions({ ttl: 5 } as unknown as SessionStoreOptions),
      (error: unknown) => error instanceof InvalidArgumentError && /unknown option 'ttl' \(did you mean 'ttlMs'\?\)/.test(error.message),
    );
  });

  it('rejects every out-of-bounds value in one error', () => {
    const error = (() => {
      try {
        resolveSessionOptions({ prefix: '', ttlMs: 0, fallbackMaxSessions: 1.5, recoverAfterMs: -1, fallback: 'disk' as 'memory' });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof InvalidArgumentError);
    assert.equal(error.code, 'ERR_REDIS_INVALID_ARGUMENT');
    for (const part of [
      /prefix must be .* got ""/,
      /ttlMs must be .* got 0/,
      /fallbackMaxSessions .* got 1\.5/,
      /recoverAfterMs .* got -1/,
      /fallback must be/,
    ]) {
      assert.match(error.message, part);
    }
  });

  it('rejects a serializer without both functions', () => {
    assert.throws(
      () => resolveSessionOptions({ serializer: { stringify: JSON.stringify } as unknown as typeof jsonSessionSerializer }),
      /serializer must have stringify\(session\) and parse\(text\)/,
    );
  });

  it('accepts a prefix with glob characters (they are escaped for SCAN)', () => {
    assert.equal(resolveSessionOptions({ prefix: 'app[1]*:' }).prefix, 'app[1]*:');
  });
});
