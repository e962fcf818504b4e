import type { RequestHandler } from 'express';
import type { Metrics } from '../observability/prometheus/index.js';

/**
 * A handler answering with the Prometheus text exposition of `metrics` and
 * its content type: `app.get('/metrics', metricsHandler(createMetrics(redis)))`.
 * The metrics are yours: close them (or the client) when the app stops. A
 * failed collection goes to `next(err)`.
 */
export function metricsHandler(metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    metrics.exposition().then(
      (body) => {
        res.set('Content-Type', metrics.contentType).send(body);
      },
      (error: unknown) => next(error),
    );
  };
}
