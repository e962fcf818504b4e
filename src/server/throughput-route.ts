import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RedisKit } from '../services/redis-kit.js';

/** Operations a probe runs when `n` is not given. */
export const PROBE_DEFAULT_OPERATIONS = 10_000;
/** The most operations one probe may run: a probe is a check, not a load test. */
export const PROBE_MAX_OPERATIONS = 100_000;
/** Commands in flight at once: enough to fill the lanes' pipelines. */
const CONCURRENCY = 64;
/** Keys the probe cycles through, under its own run id, each with a short TTL. */
const KEYS = 100;
const KEY_TTL_SECONDS = 60;

/** What `GET /api/v1/test/redis` answers. */
export interface ProbeResult {
  operations: number;
  mix: { get: number; set: number };
  errors: number;
  durationMs: number;
  opsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
}

/** Runs `operations` commands, half SET half GET, `CONCURRENCY` at a time. */
export async function runThroughputProbe(redis: RedisKit, operations: number): Promise<ProbeResult> {
  const run = randomBytes(6).toString('hex');
  const latencies = new Float64Array(operations);
  let next = 0;
  let errors = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < operations; i = next++) {
      const key = `probe:${run}:${i % KEYS}`;
      const started = performance.now();
      try {
        if (i % 2 === 0) await redis.set(key, 'x', 'EX', KEY_TTL_SECONDS);
        else await redis.get(key);
      } catch (error) {
        errors++;
        // The first failure ends the probe: a hundred thousand timeouts would only say the same thing slower.
        if (errors === 1) throw error;
      }
      latencies[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, operations) }, worker));
  const durationMs = performance.now() - started;
  latencies.sort();
  const at = (q: number): number => round(latencies[Math.min(operations - 1, Math.floor(q * operations))] ?? 0);
  return {
    operations,
    mix: { get: Math.floor(operations / 2), set: Math.ceil(operations / 2) },
    errors,
    durationMs: round(durationMs),
    opsPerSec: Math.round(operations / (durationMs / 1000)),
    latencyMs: { p50: at(0.5), p99: at(0.99), max: round(latencies[operations - 1] ?? 0) },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
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
