import { type Response, Router } from 'express';
import { ConfigError, type RedisKit } from '../index.js';
import {
  DEBUG_CHECK_SEGMENTS,
  debugResponse,
  type HealthResponse,
  type HealthRoutesIssue,
  type HealthRoutesOptions,
  LoopLagMonitor,
  liveResponse,
  readyResponse,
  resolveHealthRoutes,
  summaryResponse,
} from '../observability/health-http.js';

/**
 * A router with `GET {prefix}/health` (summary: status and each check's
 * status, no host; 503 while Redis does not answer), `{prefix}/health/live`
 * (503 when the event loop was blocked longer than `liveMaxLagMs`),
 * `{prefix}/health/ready` (503 while Redis is unavailable, 200 with
 * `memory://`) and, with `debug: true`, `{prefix}/debug/health/redis[/<check>]`
 * (the full deep report: protect it). Mount it with `app.use(redisHealthRouter(redis))`.
 * Throws ConfigError for bad options.
 */
export function redisHealthRouter(redis: RedisKit, options: HealthRoutesOptions = {}): Router {
  const issues: HealthRoutesIssue[] = [];
  const resolved = resolveHealthRoutes(options, issues, 'express.healthRouter');
  if (issues.length > 0) throw new ConfigError(issues);
  const { prefix } = resolved;
  const monitor = new LoopLagMonitor();
  const router = Router();
  router.get(`${prefix}/health`, async (_req, res) => send(res, await summaryResponse(redis)));
  router.get(`${prefix}/health/live`, (_req, res) => send(res, liveResponse(monitor, resolved.liveMaxLagMs)));
  router.get(`${prefix}/health/ready`, (_req, res) => send(res, readyResponse(redis)));
  if (resolved.debug) {
    router.get(`${prefix}/debug/health/redis`, async (_req, res) => send(res, await debugResponse(redis)));
    for (const segment of DEBUG_CHECK_SEGMENTS) {
      router.get(`${prefix}/debug/health/redis/${segment}`, async (_req, res) => send(res, await debugResponse(redis, segment)));
    }
  }
  return router;
}

function send(res: Response, response: HealthResponse): void {
  res.status(response.statusCode).set(response.headers).json(response.body);
}
