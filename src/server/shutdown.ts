import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RedisKit } from '../services/redis-kit.js';
import type { ServiceState } from './service-state.js';

/** Options of {@link shutdown}. */
export interface ShutdownOptions {
  app: FastifyInstance;
  state: ServiceState;
  redis: RedisKit;
  log: Logger;
  signal: NodeJS.Signals;
  /**
   * How long the service keeps accepting and serving after it turned
   * not-ready, in ms: the time a load balancer needs to notice
   * `/health/ready` answering 503 and stop sending. Default 1000.
   */
  drainMs?: number;
  /**
   * The most the HTTP server may take to finish its in-flight requests once
   * it stopped accepting, and then the client to drain, each in ms; what is
   * left then is cut off. Default 3000.
   */
  deadlineMs?: number;
}

/**
 * The stop sequence on SIGTERM / SIGINT: not-ready → drain window (still
 * serving) → stop accepting and finish in-flight requests (event streams are
 * ended) → close the client within a deadline → one final log line. Resolves
 * with the exit code, 0: a requested stop that went to plan, even when a
 * deadline had to cut something off (that is logged as a warning).
 */
export async function shutdown(options: ShutdownOptions): Promise<number> {
  const { app, state, redis, log, signal } = options;
  const drainMs = options.drainMs ?? 1000;
  const deadlineMs = options.deadlineMs ?? 3000;
  const started = performance.now();
  log.info({ signal, drainMs }, 'shutting down');
  state.ready = false;
  await delay(drainMs);

  const closed = app.close().then(() => true);
  const inTime = await Promise.race([closed, delay(deadlineMs, false, { ref: false })]);
  if (!inTime) {
    log.warn({ deadlineMs }, 'in-flight requests still running at the deadline; closing their connections');
    app.server.closeAllConnections();
  }
  await redis.close({ deadlineMs });
  log.info({ signal, durationMs: Math.round(performance.now() - started) }, 'stopped: HTTP server and Redis client closed');
  return 0;
}
