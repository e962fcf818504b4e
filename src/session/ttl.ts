import type { SessionData } from './types.js';

/**
 * How long a session should live from `nowMs`, in milliseconds: until its
 * cookie expires (`cookie.expires`, a Date or an ISO string), else for the
 * cookie's `maxAge`, else `defaultTtlMs` (browser-session cookies, or no
 * cookie at all). Zero or less means the session has already expired.
 */
export function sessionTtlMs(session: SessionData, defaultTtlMs: number, nowMs: number): number {
  const cookie = session.cookie;
  if (cookie === undefined || cookie === null || typeof cookie !== 'object') return defaultTtlMs;
  const expires = cookie.expires;
  if (expires instanceof Date || typeof expires === 'string') {
    const at = new Date(expires).getTime();
    // An unparsable date says nothing about the lifetime: fall through rather than expire at once.
    if (Number.isFinite(at)) return Math.ceil(at - nowMs);
  }
  const maxAge = cookie.maxAge;
  if (typeof maxAge === 'number' && Number.isFinite(maxAge)) return Math.ceil(maxAge);
  return defaultTtlMs;
}
