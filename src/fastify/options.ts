import { type ConfigIssue, ConfigError, type CreateRedisOptions, type RedisKit } from '../index.js';
import { type HealthRoutesOptions, type ResolvedHealthRoutes, resolveHealthRoutes } from '../observability/health-http.js';

export type { HealthRoutesOptions } from '../observability/health-http.js';

/** Where the metrics route goes. */
export interface MetricsRouteOptions {
  /** The route's path, starting with '/'. Default `'/metrics'`. */
  path?: string;
}

/** The plugin's own options; see {@link RedisKitPluginOptions}. */
export interface RedisKitPluginOwnOptions {
  /**
   * A client you made. The plugin uses it and never closes it (you do, after
   * `app.close()`): the @fastify/redis rule, close what you created, not what
   * you were handed. With `client`, no client options may be given.
   */
  client?: RedisKit;
  /**
   * Drain deadline, in ms, for closing the client the plugin created when the
   * app closes (`onClose`): work still unfinished then is failed and the
   * connections dropped, so a paused or unreachable Redis cannot hold
   * shutdown. Whole number, 0 to 600,000. Default 5000. Ignored with `client`.
   */
  closeDeadlineMs?: number;
  /**
   * Registers `GET {prefix}/health` (summary: status and each check's
   * status, no host; 503 while Redis does not answer), `{prefix}/health/live`
   * (503 when the event loop was blocked longer than `liveMaxLagMs`) and
   * `{prefix}/health/ready` (503 while Redis is unavailable; 200 with
   * `memory://`); with `{ debug: true }` also `{prefix}/debug/health/redis`
   * and its per-check routes (server facts: protect them). Default `false`.
   */
  healthRoutes?: boolean | HealthRoutesOptions;
  /**
   * Registers `GET /metrics` (or `{ path }`): the Prometheus text exposition
   * of `createMetrics(redis)` (redis-kit/metrics), with its content type. The
   * plugin closes those metrics when the app closes. Default `false`.
   */
  metrics?: boolean | MetricsRouteOptions;
}

/**
 * Options of `app.register(redisKit, options)`: the client's options (the
 * environment fills the rest; `createRedis` rejects unknown ones), or
 * `{ client }` to use one you made, plus the plugin's own options.
 *
 * Fastify's own register options (`prefix`, `logLevel`, `logSerializers`) are
 * ignored: the plugin is not encapsulated; use `healthRoutes.prefix`.
 */
export type RedisKitPluginOptions =
  | (CreateRedisOptions & Omit<RedisKitPluginOwnOptions, 'client'> & { client?: undefined })
  | (Omit<RedisKitPluginOwnOptions, 'client'> & { client: RedisKit } & { [K in keyof CreateRedisOptions]?: never });

export interface ResolvedPluginOptions {
  client: RedisKit | undefined;
  clientOptions: CreateRedisOptions;
  closeDeadlineMs: number;
  health: ResolvedHealthRoutes | undefined;
  metricsPath: string | undefined;
}

const REGISTER_OPTIONS = new Set(['prefix', 'logLevel', 'logSerializers']);

/** Splits the plugin's options from the client's and checks the plugin's own. */
export function resolvePluginOptions(options: RedisKitPluginOptions): ResolvedPluginOptions {
  const { client, closeDeadlineMs = 5000, healthRoutes = false, metrics = false, ...rest } = options;
  const issues: ConfigIssue[] = [];
  const clientOptions: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (!REGISTER_OPTIONS.has(name)) clientOptions[name] = value;
  }
  if (client !== undefined && Object.keys(clientOptions).length > 0) {
    issues.push({
      name: 'fastify.client',
      received: `a client and client options (${Object.keys(clientOptions).join(', ')})`,
      expected: 'either { client } or client options, not both',
    });
  }
  if (!Number.isInteger(closeDeadlineMs) || closeDeadlineMs < 0 || closeDeadlineMs > 600_000) {
    issues.push({ name: 'fastify.closeDeadlineMs', received: String(closeDeadlineMs), expected: 'a whole number of ms from 0 to 600,000' });
  }
  const health =
    healthRoutes === false ? undefined : resolveHealthRoutes(healthRoutes === true ? {} : healthRoutes, issues, 'fastify.healthRoutes');
  const metricsPath = resolveMetricsPath(metrics, issues);
  if (issues.length > 0) throw new ConfigError(issues);
  return { client, clientOptions: clientOptions as CreateRedisOptions, closeDeadlineMs, health, metricsPath };
}

function resolveMetricsPath(metrics: boolean | MetricsRouteOptions, issues: ConfigIssue[]): string | undefined {
  if (metrics === false) return undefined;
  if (metrics === true) return '/metrics';
  const path = metrics.path ?? '/metrics';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    issues.push({ name: 'fastify.metrics.path', received: String(path), expected: "a path starting with '/'" });
    return undefined;
  }
  return path;
}
