import type { FastifyInstance } from 'fastify';
import type { RedisKit } from '../index.js';
import { createMetrics } from '../observability/prometheus/index.js';

/**
 * `GET {path}`: the Prometheus text exposition of the client's metrics. The
 * plugin creates the metrics, so it closes them with the app, whoever owns
 * the client.
 */
export function registerMetricsRoute(app: FastifyInstance, redis: RedisKit, path: string): void {
  const metrics = createMetrics(redis);
  app.get(path, async (_request, reply) => {
    const body = await metrics.exposition();
    return reply.type(metrics.contentType).send(body);
  });
  app.addHook('onClose', async () => {
    await metrics.close();
  });
}
