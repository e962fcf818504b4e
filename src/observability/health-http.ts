import { isMemoryMode } from '../adapters/client-facts.js';
import { retryAfterSeconds, unavailableBody } from '../adapters/unavailable-response.js';
import type { RedisKit } from '../index.js';
import { CHECK_ROUTES, healthSummary } from './health.js';

/*
 * The health routes' answers, shared by the Fastify plugin and the Express
 * router: each adapter only maps a path to one of these and sends the result.
 */

/** Options of the health routes (Fastify `healthRoutes`, Express `redisHealthRouter`). */
export interface HealthRoutesOptions {
  /** Path prefix, e.g. `'/internal'` gives `/internal/health`. Default `''`. */
  prefix?: string;
  /**
   * Also register `{prefix}/debug/health/redis` (the full deep report) and
   * `{prefix}/debug/health/redis/{connectivity,performance,server-info,connection-pool,operational,sentinel,cluster-topology}`
   * (`sentinel` and `cluster-topology` answer `check: null` outside their mode).
   * They show the Redis host and port, its version, memory and clients: expose
   * them only on an internal network or behind authentication. Default `false`.
   */
  debug?: boolean;
  /**
   * `/health/live` answers 503 when the event loop was blocked longer than
   * this, ms, since the previous `/health/live` (a whole number, 1 to
   * 600,000). Default 1000.
   */
  liveMaxLagMs?: number;
}

export interface ResolvedHealthRoutes {
  prefix: string;
  debug: boolean;
  liveMaxLagMs: number;
}

/** A problem with one option, for the adapter to report its own way. */
export interface HealthRoutesIssue {
  name: string;
  received: string;
  expected: string;
}

/** Fills the defaults of `options` and lists what is wrong with it. */
export function resolveHealthRoutes(options: HealthRoutesOptions, issues: HealthRoutesIssue[], scope: string): ResolvedHealthRoutes {
  const { prefix = '', debug = false, liveMaxLagMs = 1000 } = options;
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/'))) {
    issues.push({ name: `${scope}.prefix`, received: String(prefix), expected: "'' or a path starting with '/'" });
  }
  if (typeof debug !== 'boolean') issues.push({ name: `${scope}.debug`, received: String(debug), expected: 'true or false' });
  if (!Number.isInteger(liveMaxLagMs) || liveMaxLagMs < 1 || liveMaxLagMs > 600_000) {
    issues.push({ name: `${scope}.liveMaxLagMs`, received: String(liveMaxLagMs), expected: 'a whole number of ms from 1 to 600,000' });
  }
  return { prefix: typeof prefix === 'string' ? prefix.replace(/\/+$/, '') : '', debug: debug === true, liveMaxLagMs };
}

/** What a route answers. */
export interface HealthResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * The event loop's responsiveness: the longest lateness of a 20 ms timer
 * since the last sample. A timer of its own rather than
 * `perf_hooks.monitorEventLoopDelay`: that histogram's `reset()` also forgets
 * the previous tick, so a block right after a sample went unseen. The timer
 * is unref'd: it never holds the process open.
 */
export class LoopLagMonitor {
  static readonly intervalMs = 20;
  #last = performance.now();
  #maxLagMs = 0;
  readonly #timer: NodeJS.Timeout;

  constructor() {
    this.#timer = setInterval(() => this.#tick(), LoopLagMonitor.intervalMs);
    this.#timer.unref();
  }

  /** The longest lag since the previous call, ms; starts a new window. */
  sampleMs(): number {
    this.#tick();
    const maxLagMs = this.#maxLagMs;
    this.#maxLagMs = 0;
    return maxLagMs;
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const now = performance.now();
    // A tick that comes late by more than its interval is time the loop could not run anything.
    this.#maxLagMs = Math.max(this.#maxLagMs, now - this.#last - LoopLagMonitor.intervalMs);
    this.#last = now;
  }
}

/** `/health`: the summary for monitors, 503 while Redis does not answer. No host, port or server facts. */
export async function summaryResponse(redis: RedisKit): Promise<HealthResponse> {
  const report = await redis.health();
  return { statusCode: report.status === 'unhealthy' ? 503 : 200, headers: NO_STORE, body: healthSummary(report) };
}

/** `/health/live`: the process runs and its event loop answers. Never touches Redis. */
export function liveResponse(monitor: LoopLagMonitor, maxLagMs: number): HealthResponse {
  const eventLoopLagMs = Math.round(monitor.sampleMs() * 10) / 10;
  if (eventLoopLagMs > maxLagMs) return { statusCode: 503, headers: NO_STORE, body: { status: 'unresponsive', eventLoopLagMs, maxLagMs } };
  return { statusCode: 200, headers: NO_STORE, body: { status: 'live', eventLoopLagMs } };
}

/** `/health/ready`: 503 while Redis is unavailable (breaker open); `memory://` is ready, that mode was chosen. */
export function readyResponse(redis: RedisKit): HealthResponse {
  if (isMemoryMode(redis)) return { statusCode: 200, headers: NO_STORE, body: { status: 'ready', mode: 'memory' } };
  if (redis.isUnavailable) {
    return { statusCode: 503, headers: { ...NO_STORE, 'retry-after': String(retryAfterSeconds(redis)) }, body: unavailableBody() };
  }
  return { statusCode: 200, headers: NO_STORE, body: { status: 'ready' } };
}

/** `/debug/health/redis[/<check>]`: the full deep report, or one check of it with its warnings. */
export async function debugResponse(redis: RedisKit, segment?: string): Promise<HealthResponse> {
  const report = await redis.health({ deep: true });
  if (segment === undefined) return { statusCode: 200, headers: NO_STORE, body: report };
  const name = CHECK_ROUTES[segment];
  if (name === undefined)
    return { statusCode: 404, headers: NO_STORE, body: { error: 'no such check', checks: Object.keys(CHECK_ROUTES) } };
  return {
    statusCode: 200,
    headers: NO_STORE,
    body: {
      status: report.status,
      timestamp: report.timestamp,
      check: report.checks[name] ?? null,
      warnings: report.warnings.filter((w) => w.check === name),
    },
  };
}

/** The check segments of the debug routes. */
export const DEBUG_CHECK_SEGMENTS: readonly string[] = Object.keys(CHECK_ROUTES);
