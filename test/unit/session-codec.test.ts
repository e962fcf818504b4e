import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandTimeoutError, InvalidArgumentError, RedisKitError, RedisUnavailableError } from '../../src/errors.js';
import { decodeSession, encodeSession } from '../../src/session/codec.js';
import { SessionDecodeError, SessionEncodeError, SessionUnavailableError, sessionErrorStatus } from '../../src/session/errors.js';
import { sessionTtlMs } from '../../src/session/ttl.js';
import { jsonSessionSerializer } from '../../src/session/types.js';

const NOW = Date.UTC(2030, 0, 1);
const DAY = 86_400_000;

describe('session TTL from the cookie', () => {
  it('uses cookie.expires, as a Date (live session) or an ISO string (stored session)', () => {
    assert.equal(sessionTtlMs({ cookie: { expires: new Date(NOW + 60_000) } }, DAY, NOW), 60_000);
    assert.equal(sessionTtlMs({ cookie: { expires: new Date(NOW + 1500).toISOString() } }, DAY, NOW), 1500);
  });

  it('prefers expires over maxAge, then maxAge, then the default', () => {
    assert.equal(sessionTtlMs({ cookie: { expires: new Date(NOW + 10), maxAge: 99 } }, DAY, NOW), 10);
    assert.equal(sessionTtlMs({ cookie: { expires: null, maxAge: 2500.2 } }, DAY, NOW), 2501, 'rounded up, never to 0');
    assert.equal(sessionTtlMs({ cookie: { expires: null, originalMaxAge: null } }, DAY, NOW), DAY, 'browser-session cookie');
    assert.equal(sessionTtlMs({ user: 'ada' }, DAY, NOW), DAY, 'no cookie at all');
    assert.equal(sessionTtlMs({ cookie: { expires: 'not a date' } }, DAY, NOW), DAY, 'unparsable date');
  });

  it('says an expired cookie has no time left', () => {
    assert.ok(sessionTtlMs({ cookie: { expires: new Date(NOW - 1) } }, DAY, NOW) <= 0);
  });
});

describe('session blobs of the wrong shape', () => {
  const decode = (text: string) => decodeSession(jsonSessionSerializer, text, 'sess:');

  it('decodes an object session', () => {
    assert.deepEqual(decode('{"cookie":{"expires":null},"user":"ada"}'), { cookie: { expires: null }, user: 'ada' });
  });

  for (const [text, kind] of [
    ['[1,2]', /decodes to an array, not an object/],
    ['42', /decodes to a number/],
    ['"text"', /decodes to a string/],
    ['null', /decodes to null/],
    ['{"cookie":[]}', /its cookie is an array/],
    ['{"cookie":"x"}', /its cookie is a string/],
    ['{"user": "secret-token"', /the serializer threw a SyntaxError/],
  ] as const) {
    it(`${text} is a typed SessionDecodeError that quotes nothing`, () => {
      assert.throws(
        () => decode(text),
        (error: unknown) => {
          assert.ok(error instanceof SessionDecodeError && error instanceof RedisKitError);
          assert.equal(error.code, 'ERR_REDIS_SESSION_DECODE');
          assert.match(error.message, kind);
          assert.match(error.message, /under 'sess:'/);
          assert.doesNotMatch(error.message, /secret-token/, 'session contents stay out of the message');
          return true;
        },
      );
    });
  }

  it('keeps the serializer error as cause', () => {
    const error = (() => {
      try {
        decode('{');
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    assert.ok(error instanceof SessionDecodeError);
    assert.ok(error.cause instanceof SyntaxError);
  });

  it('an unencodable session is a SessionEncodeError, and a serializer returning a non-string too', () => {
    assert.throws(
      () => encodeSession(jsonSessionSerializer, { n: 1n }),
      (e: unknown) => e instanceof SessionEncodeError && e.cause instanceof TypeError,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => encodeSession(jsonSessionSerializer, cyclic), SessionEncodeError);
    const broken = { stringify: () => undefined as unknown as string, parse: JSON.parse };
    assert.throws(() => encodeSession(broken, {}), /returned undefined, not a string/);
  });
});

describe('sessionErrorStatus', () => {
  it('is 503 for errors meaning Redis cannot be reached, also as a cause', () => {
    const down = new RedisUnavailableError('breaker open');
    assert.equal(sessionErrorStatus(down), 503);
    assert.equal(sessionErrorStatus(new CommandTimeoutError('get', 100)), 503);
    assert.equal(sessionErrorStatus(new SessionUnavailableError({ cause: down })), 503);
    assert.equal(sessionErrorStatus(new Error('wrapped', { cause: down })), 503);
  });

  it('is undefined for everything else', () => {
    assert.equal(sessionErrorStatus(new InvalidArgumentError('bad id')), undefined);
    assert.equal(sessionErrorStatus(new Error('boom')), undefined);
    assert.equal(sessionErrorStatus('a string'), undefined);
    const cyclic = new Error('a');
    (cyclic as { cause?: unknown }).cause = cyclic;
    assert.equal(sessionErrorStatus(cyclic), undefined, 'a cyclic cause chain ends');
  });

  it('SessionUnavailableError carries statusCode 503 and a message fit for clients', () => {
    const error = new SessionUnavailableError({ cause: new RedisUnavailableError('127.0.0.1:6379 refused') });
    assert.equal(error.statusCode, 503);
    assert.equal(error.code, 'ERR_REDIS_SESSION_UNAVAILABLE');
    assert.doesNotMatch(error.message, /127\.0\.0\.1/);
  });
});
