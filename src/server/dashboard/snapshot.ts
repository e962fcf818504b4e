import type { CacheStats } from '../../cache/index.js';
import type { RedisKit } from '../../services/redis-kit.js';
import type { RateLimitDecisions } from '../service-state.js';

/** What the dashboard shows, sent once a second over `/dashboard/events`. */
export interface DashboardSnapshot {
  at: number;
  /** `redis` or `memory` (memory://, no Redis at all). */
  mode: string;
  /** True while the services answer from their in-memory fallbacks (memory://, or Redis unavailable). */
  onFallback: boolean;
  opsPerSec: number;
  commands: { total: number; errors: number; p50Ms: number; p99Ms: number };
  pool: { active: number; idle: number; waiting: number; max: number };
  lanes: { count: number; ready: number; inFlight: number; queued: number };
  breaker: { state: string; timesOpened: number; lastError: string | null };
  cache: { hitRate: number; hits: number; misses: number; fallbackHits: number; fallbackOps: number; usingFallback: boolean };
  rateLimit: RateLimitDecisions;
  health: { status: string; warnings: string[] };
}

/** The caches whose numbers the dashboard adds up. */
export interface SnapshotSources {
  redis: RedisKit;
  caches: readonly { stats(): CacheStats }[];
  decisions: RateLimitDecisions;
}

/**
 * Takes a snapshot every call; ops/s is the commands finished since the
 * previous call over the time between them.
 */
export class SnapshotTaker {
  readonly #sources: SnapshotSources;
  #lastTotal = 0;
  #lastAt = performance.now();
  #health: DashboardSnapshot['health'] = { status: 'unknown', warnings: [] };
  #healthPending = false;

  constructor(sources: SnapshotSources) {
    this.#sources = sources;
    this.#lastTotal = sources.redis.stats().commands.total;
  }

  take(): DashboardSnapshot {
    const { redis, caches, decisions } = this.#sources;
    this.#refreshHealth();
    const stats = redis.stats();
    const now = performance.now();
    const elapsed = (now - this.#lastAt) / 1000;
    const opsPerSec = elapsed > 0 ? Math.round((stats.commands.total - this.#lastTotal) / elapsed) : 0;
    this.#lastTotal = stats.commands.total;
    this.#lastAt = now;
    const cache = { hits: 0, misses: 0, fallbackHits: 0, fallbackOps: 0, usingFallback: false };
    for (const each of caches) {
      const s = each.stats();
      cache.hits += s.hits;
      cache.misses += s.misses;
      cache.fallbackHits += s.fallbackHits;
      cache.fallbackOps += s.fallbackOps;
      cache.usingFallback ||= s.usingFallback;
    }
    const reads = cache.hits + cache.misses;
    const memory = redis.options.mode === 'memory';
    return {
      at: Date.now(),
      mode: memory ? 'memory' : 'redis',
      onFallback: memory || redis.isUnavailable || cache.usingFallback,
      opsPerSec,
      commands: {
        total: stats.commands.total,
        errors: Object.values(stats.commands.errors).reduce((sum, n) => sum + n, 0),
        p50Ms: stats.commands.latency.p50Ms,
        p99Ms: stats.commands.latency.p99Ms,
      },
      pool: { active: stats.pool.active, idle: stats.pool.idle, waiting: stats.pool.waiting, max: stats.pool.max },
      lanes: { ...stats.lanes },
      breaker: { state: stats.breaker.state, timesOpened: stats.breaker.timesOpened, lastError: stats.breaker.lastError?.code ?? null },
      cache: { ...cache, hitRate: reads === 0 ? 0 : cache.hits / reads },
      rateLimit: { ...decisions },
      health: this.#health,
    };
  }

  /**
   * Health is a PING: against a paused server it takes up to a command
   * timeout, so it runs beside the snapshots (never two at once) and the
   * dashboard shows the latest finished report.
   */
  #refreshHealth(): void {
    if (this.#healthPending) return;
    this.#healthPending = true;
    this.#sources.redis
      .health()
      .then((report) => {
        this.#health = readHealth(report);
      })
      .catch((error: unknown) => {
        this.#health = { status: 'unknown', warnings: [`health() failed: ${error instanceof Error ? error.name : 'error'}`] };
      })
      .finally(() => {
        this.#healthPending = false;
      });
  }
}

/**
 * Reads a health report defensively: a status string and, when there is one,
 * an array of warnings (strings, or objects with a `message`). The report's
 * shape is growing (`healthy | degraded | unhealthy`, checks, warnings), and
 * the dashboard must show whichever version it gets.
 */
export function readHealth(report: unknown): DashboardSnapshot['health'] {
  if (typeof report !== 'object' || report === null) return { status: 'unknown', warnings: [] };
  const status = 'status' in report && typeof report.status === 'string' ? report.status : 'unknown';
  const raw = 'warnings' in report && Array.isArray(report.warnings) ? (report.warnings as unknown[]) : [];
  const warnings = raw.map(warningText).filter((text): text is string => text !== undefined);
  return { status, warnings };
}

function warningText(warning: unknown): string | undefined {
  if (typeof warning === 'string') return warning;
  if (typeof warning === 'object' && warning !== null && 'message' in warning && typeof warning.message === 'string') {
    return 'code' in warning && typeof warning.code === 'string' ? `${warning.code}: ${warning.message}` : warning.message;
  }
  return undefined;
}
