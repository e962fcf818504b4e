import { z } from 'zod';
import { fn, integer, oneOf, resolveOptions, text, withMethods } from '../config/resolve-options.js';
import { jsonSessionSerializer, type SessionSerializer } from './types.js';

/** What the store does when Redis cannot be reached. */
export type SessionFallback = (typeof FALLBACKS)[number];

const FALLBACKS = ['none', 'memory'] as const;

/** Options of `createSessionStore`. Unknown options are rejected, so a misspelt name never silently keeps a default. */
export interface SessionStoreOptions {
  /**
   * Namespace of the store's keys, in front of each (encoded) session id:
   * a session lives at `<client keyPrefix><prefix><id>`. Default `'sess:'`.
   *
   * Must not be empty (1 to 128 characters): `all()`, `length()` and
   * `clear()` work on every key under it, and an empty namespace would be
   * the whole keyspace. End it with `:` — two stores whose prefixes are
   * `sess:` and `sess:admin:` stay apart (encoded ids never contain `:`),
   * but `sess` and `sessx` would not.
   */
  prefix?: string;

  /**
   * Lifetime of a session whose cookie sets none (a browser-session cookie,
   * or a session stored without a cookie), in milliseconds.
   * Default 86 400 000 (1 day); 1 to 315 360 000 000 (10 years).
   *
   * A session whose cookie has `expires` (or `maxAge`) lives exactly that
   * long instead; its Redis TTL is set from it on every `set` and `touch`.
   */
  ttlMs?: number;

  /**
   * Turns sessions into strings and back. Default JSON, which is what
   * express-session, @fastify/session and connect-redis store, so the data
   * is readable with `redis-cli` and stays compatible with them.
   *
   * Changing it makes every stored session unreadable: `get()` then rejects
   * with `SessionDecodeError` and the adapters start fresh sessions.
   */
  serializer?: SessionSerializer;

  /**
   * What happens when Redis cannot be reached. Default `'none'`: every
   * operation rejects (`RedisUnavailableError`, `CommandTimeoutError` …) and
   * the adapters answer HTTP 503 — sessions must not silently fork between
   * processes. So does every operation when `REDIS_URL=memory://`.
   *
   * `'memory'` is for development: sessions are kept in this process (an LRU
   * with the same TTLs) while Redis is unreachable, and with `memory://`.
   * Pitfalls: each process has its own sessions, they are lost on restart,
   * and sessions created during an outage are not copied to Redis when it
   * comes back (those users log in again).
   */
  fallback?: SessionFallback;

  /**
   * Most sessions the memory fallback keeps; the least recently used go
   * first. Default 10 000; 1 to 10 000 000. Only with `fallback: 'memory'`.
   */
  fallbackMaxSessions?: number;

  /**
   * How long Redis must stay reachable before the store leaves the memory
   * fallback, in milliseconds. Default 5000; 0 to 600 000. Avoids flapping
   * between Redis and memory while a server restarts. Only with
   * `fallback: 'memory'`.
   */
  recoverAfterMs?: number;

  /**
   * Told once each time the store starts serving from memory (once per
   * outage, and once with `memory://`), with the error that caused it.
   * Default: `process.emitWarning` with code `REDIS_KIT_SESSION_FALLBACK`.
   * Only with `fallback: 'memory'`.
   */
  onFallback?: (error: Error) => void;

  /** @internal Clock in epoch ms for TTLs and the memory fallback; tests inject one. Default `Date.now`. */
  now?: () => number;
}

export interface ResolvedSessionOptions {
  prefix: string;
  ttlMs: number;
  serializer: SessionSerializer;
  fallback: SessionFallback;
  fallbackMaxSessions: number;
  recoverAfterMs: number;
  onFallback: (error: Error) => void;
  now: () => number;
}

const ALIASES: Readonly<Record<string, string>> = { ttl: 'ttlMs', keyPrefix: 'prefix', namespace: 'prefix', serialiser: 'serializer' };

const MAX_TTL_MS = 315_360_000_000;

function defaultOnFallback(error: Error): void {
  process.emitWarning(`redis-kit sessions are served from process memory: ${error.message}`, { code: 'REDIS_KIT_SESSION_FALLBACK' });
}

/** The store's options as one zod schema: bounds and defaults are written here once. */
const sessionSchema = z.strictObject({
  prefix: text(1, 128).default('sess:'),
  ttlMs: integer(1, MAX_TTL_MS).default(86_400_000),
  serializer: withMethods<SessionSerializer>('an object', 'stringify', 'parse').optional(),
  fallback: oneOf(FALLBACKS).default('none'),
  fallbackMaxSessions: integer(1, 10_000_000).default(10_000),
  recoverAfterMs: integer(0, 600_000).default(5000),
  onFallback: fn<(error: Error) => void>().default(() => defaultOnFallback),
  now: fn<() => number>().default(() => Date.now),
});

/**
 * Applies defaults and checks bounds.
 *
 * @throws {ConfigError} naming every problem at once (`sessions.ttlMs`, what it got, what it accepts), unknown options with a "did you mean".
 */
export function resolveSessionOptions(options: SessionStoreOptions = {}): ResolvedSessionOptions {
  const resolved = resolveOptions('sessions', sessionSchema, options, ALIASES);
  // Not a zod default: zod copies default objects, and the serializer is compared by identity.
  return { ...resolved, serializer: resolved.serializer ?? jsonSessionSerializer };
}
