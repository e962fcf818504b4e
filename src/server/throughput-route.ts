import type { FastifyInstance } from 'fastify';
import { runThroughputProbe as runProbe } from '../probe/throughput-probe.js';
import type { RedisKit } from '../services/redis-kit.js';

/** Operations a probe runs when `n` is not given. */
export const PROBE_DEFAULT_OPERATIONS = 10_000;
/** The most operations one probe may run over HTTP: a probe is a check, not a load test. */
export const PROBE_MAX_OPERATIONS = 100_000;
/** Commands in flight at once: enough to fill the lanes' pipelines. */
const CONCURRENCY = 64;

/** What `GET /api/v1/test/redis` answers. */
export interface ProbeResult {
  operations: number;
  mix: { get: number; set: number };
  errors: number;
  durationMs: number;
  opsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
}

/** Runs `operations` commands, half SET half GET, through the same probe as `redis-kit bench`. */
export async function runThroughputProbe(redis: RedisKit, operations: number): Promise<ProbeResult> {
  const report = await runProbe(redis, { operations, concurrency: Math.min(CONCURRENCY, operations) });
  return {
    operations: report.operations,
    mix: { get: report.gets, set: report.sets },
    errors: report.errors,
    durationMs: report.durationMs,
    opsPerSec: Math.round(report.opsPerSecond),
    latencyMs: { p50: report.latency.p50Ms, p99: report.latency.p99Ms, max: report.latency.maxMs },
  };
}

/**
 * `GET /api/v1/test/redis?n=10000`: the throughput probe. `n` is a whole
 * number from 1 to {@link PROBE_MAX_OPERATIONS}; anything else is a 400, so
 * one request cannot turn the service into a load generator. One probe at a
 * time: a second while one runs gets 409.
 */
export function registerThroughputRoute(app: FastifyInstance): void {
  let running = false;
  app.get<{ Querystring: { n?: string } }>('/api/v1/test/redis', async (request, reply) => {
    const raw = request.query.n;
    const operations = raw === undefined ? PROBE_DEFAULT_OPERATIONS : Number(raw);
    if (!Number.isInteger(operations) || operations < 1 || operations > PROBE_MAX_OPERATIONS) {
      return reply.code(400).send({
        error: {
          code: 'BAD_PROBE_SIZE',
          message: `n: a whole number from 1 to ${PROBE_MAX_OPERATIONS} (default ${PROBE_DEFAULT_OPERATIONS})`,
        },
      });
    }
    if (running) return reply.code(409).send({ error: { code: 'PROBE_RUNNING', message: 'a probe is already running' } });
    running = true;
    try {
      return await runThroughputProbe(request.redis(), operations);
    } finally {
      running = false;
    }
  });
}
