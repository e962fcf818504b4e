import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RateLimitResult, rateLimitHeaders } from '../../src/rate-limit/index.js';

const base: RateLimitResult = { allowed: true, limit: 10, remaining: 7, resetMs: 1200, retryAfterMs: 0, source: 'redis' };

describe('rate limit headers', () => {
  it('allowed: limit, remaining and reset in seconds (rounded up), no Retry-After', () => {
    assert.deepEqual(rateLimitHeaders(base), { 'RateLimit-Limit': '10', 'RateLimit-Remaining': '7', 'RateLimit-Reset': '2' });
  });

  it('denied: Retry-After in whole seconds, at least 1', () => {
    assert.deepEqual(rateLimitHeaders({ ...base, allowed: false, remaining: 0, resetMs: 59_001, retryAfterMs: 300 }), {
      'RateLimit-Limit': '10',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '60',
      'Retry-After': '1',
    });
    assert.equal(rateLimitHeaders({ ...base, allowed: false, retryAfterMs: 2001 })['Retry-After'], '3');
    assert.equal(rateLimitHeaders({ ...base, allowed: false, retryAfterMs: 0 })['Retry-After'], '1');
  });

  it('a full quota resets in 0 seconds; remaining is never negative', () => {
    const headers = rateLimitHeaders({ ...base, remaining: -1, resetMs: 0 });
    assert.equal(headers['RateLimit-Reset'], '0');
    assert.equal(headers['RateLimit-Remaining'], '0');
  });
});
