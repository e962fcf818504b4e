import { InvalidArgumentError } from '../errors.js';
import { jsonSessionSerializer, type SessionSerializer } from './types.js';

/** What the store does when Redis cannot be reached. */
export type SessionFallback = 'none' | 'memory';

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

const KNOWN = new Set<string>(['prefix', 'ttlMs', 'serializer', 'fallback', 'fallbackMaxSessions', 'recoverAfterMs', 'onFallback', 'now']);

const ALIASES: Readonly<Record<string, string>> = { ttl: 'ttlMs', keyPrefix: 'prefix', namespace: 'prefix', serialiser: 'serializer' };

const MAX_TTL_MS = 315_360_000_000;

function defaultOnFallback(error: Error): void {
  process.emitWarning(`redis-kit sessions are served from process memory: ${error.message}`, { code: 'REDIS_KIT_SESSION_FALLBACK' });
}

/** Applies defaults and checks bounds; every problem is named in one `InvalidArgumentError`. */
export function resolveSessionOptions(options: SessionStoreOptions = {}): ResolvedSessionOptions {
  const problems: string[] = [];
  for (const name of Object.keys(options)) {
    if (KNOWN.has(name)) continue;
    const alias = ALIASES[name];
    problems.push(`unknown option '${name}'${alias === undefined ? '' : ` (did you mean '${alias}'?)`}`);
  }
  const prefix = options.prefix ?? 'sess:';
  if (typeof prefix !== 'string' || prefix.length < 1 || prefix.length > 128) {
    problems.push(`prefix must be a string of 1 to 128 characters, got ${describe(prefix)}`);
  }
  const ttlMs = checkInteger(options.ttlMs, 86_400_000, 1, MAX_TTL_MS, 'ttlMs', problems);
  const fallbackMaxSessions = checkInteger(options.fallbackMaxSessions, 10_000, 1, 10_000_000, 'fallbackMaxSessions', problems);
  const recoverAfterMs = checkInteger(options.recoverAfterMs, 5000, 0, 600_000, 'recoverAfterMs', problems);
  const fallback = options.fallback ?? 'none';
  if (fallback !== 'none' && fallback !== 'memory') problems.push(`fallback must be 'none' or 'memory', got ${describe(fallback)}`);
  const serializer = options.serializer ?? jsonSessionSerializer;
  if (typeof serializer?.stringify !== 'function' || typeof serializer.parse !== 'function') {
    problems.push('serializer must have stringify(session) and parse(text) functions');
  }
  for (const name of ['onFallback', 'now'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') problems.push(`${name} must be a function`);
  }
  if (problems.length > 0) throw new InvalidArgumentError(`invalid session store options: ${problems.join('; ')}`);
  return {
    prefix,
    ttlMs,
    serializer,
    fallback,
    fallbackMaxSessions,
    recoverAfterMs,
    onFallback: options.onFallback ?? defaultOnFallback,
    now: options.now ?? Date.now,
  };
}

function checkInteger(value: unknown, fallback: number, min: number, max: number, name: string, problems: string[]): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got ${describe(value)}`);
    return fallback;
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return `a ${typeof value}`;
}
