import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/errors.js';
import { resolveSessionOptions, type SessionStoreOptions } from '../../src/session/options.js';
import { jsonSessionSerializer } from '../../src/session/types.js';

/** The issues of the ConfigError `resolve` throws. */
function issuesOf(resolve: () => unknown): readonly ConfigIssue[] {
  try {
    resolve();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `ConfigError, got ${String(error)}`);
    assert.equal(error.code, 'ERR_REDIS_CONFIG');
    return error.issues;
  }
  assert.fail('the options were accepted');
}

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

  it('rejects unknown options, naming the one meant ("did you mean")', () => {
    assert.deepEqual(
      issuesOf(() => resolveSessionOptions({ ttl: 5 } as unknown as SessionStoreOptions)),
      [{ name: 'sessions.ttl', received: '5', expected: 'a known option (did you mean ttlMs?)' }],
    );
    const [issue] = issuesOf(() => resolveSessionOptions({ fallbakc: 'memory' } as unknown as SessionStoreOptions));
    assert.equal(issue?.expected, 'a known option (did you mean fallback?)');
  });

  it('reports every problem at once: each option, the value it got, what it accepts', () => {
    const issues = issuesOf(() =>
      resolveSessionOptions({ prefix: '', ttlMs: 0, fallbackMaxSessions: 1.5, recoverAfterMs: -1, fallback: 'disk' as 'memory' }),
    );
    assert.deepEqual(issues, [
      { name: 'sessions.prefix', received: '""', expected: 'a string of 1 to 128 characters' },
      { name: 'sessions.ttlMs', received: '0', expected: 'an integer from 1 to 315,360,000,000' },
      { name: 'sessions.fallback', received: '"disk"', expected: "one of 'none', 'memory'" },
      { name: 'sessions.fallbackMaxSessions', received: '1.5', expected: 'an integer from 1 to 10,000,000' },
      { name: 'sessions.recoverAfterMs', received: '-1', expected: 'an integer from 0 to 600,000' },
    ]);
  });

  it('rejects a serializer without both functions, and callbacks that are not functions', () => {
    const issues = issuesOf(() =>
      resolveSessionOptions({
        serializer: { stringify: JSON.stringify } as unknown as typeof jsonSessionSerializer,
        onFallback: 'log' as unknown as () => void,
      }),
    );
    assert.deepEqual(
      issues.map((i) => [i.name, i.expected]),
      [
        ['sessions.serializer', 'an object with stringify() and parse()'],
        ['sessions.onFallback', 'a function'],
      ],
    );
  });

  it('accepts a prefix with glob characters (they are escaped for SCAN)', () => {
    assert.equal(resolveSessionOptions({ prefix: 'app[1]*:' }).prefix, 'app[1]*:');
  });
});
