import { Backoff } from './backoff.js';

/** First reconnect delay ceiling: a blip is recovered from in tens of milliseconds. */
export const RECONNECT_BASE_MS = 50;

export interface ReconnectStrategyOptions {
  /** First delay ceiling, ms. Default {@link RECONNECT_BASE_MS}. */
  baseMs?: number;
  /** No delay exceeds this (REDIS_RETRY_MAX_DELAY). */
  capMs: number;
  /** Shortest delay while the breaker is open (REDIS_BREAKER_PROBE_INTERVAL); `capMs` wins if smaller. */
  probeIntervalMs: number;
  /** The connection is not wanted any more: stop reconnecting. */
  isClosed: () => boolean;
  /** Redis is considered down (breaker open): reconnects become the breaker's probes, paced. */
  isBreakerOpen: () => boolean;
  /** The last attempt's credentials were refused; {@link ReconnectStrategy.next} may be told instead. */
  authRefused?: () => boolean;
  /** Source of randomness in [0, 1); injectable so tests can pin it. */
  random?: () => number;
}

/**
 * The one reconnect policy of every long-lived connection (lanes, the
 * subscriber, the near-cache's invalidation connection): exponential backoff
 * with full jitter; no faster than the probe interval while the breaker is
 * open; slowly (at the cap) while the credentials are refused, since retrying
 * will not fix them; `null` (stop) once the connection is closed.
 */
export class ReconnectStrategy {
  readonly #options: ReconnectStrategyOptions;
  readonly #backoff: Backoff;

  constructor(options: ReconnectStrategyOptions) {
    this.#options = options;
    this.#backoff = new Backoff({ baseMs: options.baseMs ?? RECONNECT_BASE_MS, capMs: options.capMs, random: options.random });
  }

  /** Failures in a row since the last {@link reset}. */
  get attempt(): number {
    return this.#backoff.attempt;
  }

  /**
   * The delay before the next attempt, or null when there must be none.
   * Counts as a failure. `authRefused` defaults to the option's answer.
   */
  next(authRefused = this.#options.authRefused?.() ?? false): number | null {
    const { capMs, probeIntervalMs } = this.#options;
    if (this.#options.isClosed()) return null;
    if (authRefused) return capMs;
    const delay = this.#backoff.next();
    if (!this.#options.isBreakerOpen()) return delay;
    return Math.min(capMs, Math.max(delay, probeIntervalMs));
  }

  /** The connection is up: the next failure starts from the first ceiling again. */
  reset(): void {
    this.#backoff.reset();
  }

  /** As an ioredis-style retry strategy (the attempt number it passes is ignored: this counts its own). */
  readonly retryStrategy = (): number | null => this.next();
}
