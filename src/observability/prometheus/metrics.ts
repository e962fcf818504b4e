import { Registry } from 'prom-client';
import type { RedisClient } from '../../client/client.js';
import { kOwnResource } from '../../client/internal.js';
import { ConfigError, type ConfigIssue } from '../../errors.js';
import { Lifecycle } from '../../lifecycle/lifecycle.js';
import { createChannelInstruments } from './instruments.js';
import { createStatsGauges, oncePerScrape } from './stats-gauges.js';
import { subscribeInstruments } from './subscriptions.js';

export interface MetricsOptions {
  /**
   * The prom-client registry to register on, e.g. prom-client's global
   * `register` beside `collectDefaultMetrics()`. Default: a new registry of
   * its own. A registry takes each metric name once: a second
   * `createMetrics` on the same registry needs another `prefix`.
   */
  registry?: Registry;
  /**
   * Put before every metric name, e.g. `'myapp_'`. Letters, digits, `_` and
   * `:`, not starting with a digit. Default `''`.
   */
  prefix?: string;
}

const PREFIX = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;
const KNOWN = new Set(['registry', 'prefix']);

function resolveOptions(options: MetricsOptions): { registry: Registry; prefix: string } {
  const issues: ConfigIssue[] = [];
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) issues.push({ name: `metrics.${name}`, received: 'an unknown option', expected: 'registry or prefix' });
  }
  const { registry = new Registry(), prefix = '' } = options;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    issues.push({
      name: 'metrics.prefix',
      received: String(prefix),
      expected: "'' or letters, digits, _ and :, not starting with a digit",
    });
  }
  if (!(registry instanceof Registry)) {
    issues.push({ name: 'metrics.registry', received: typeof registry, expected: 'a prom-client Registry' });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { registry, prefix };
}

/**
 * Prometheus metrics of a client and its services, through prom-client. The
 * core imports no metrics library: the counters and histograms subscribe to
 * redis-kit's diagnostics channels, and the pool, lane and breaker gauges are
 * read from `redis.stats()` at scrape time.
 *
 * The channels are process-wide: the channel-fed metrics count every client
 * of the process, the scrape-time gauges show the client given here.
 *
 * Lifecycle as every service: `close()` (or `destroy()`, or the client
 * closing) unsubscribes from the channels and stops reading stats; the
 * registry keeps the metrics with their last values, so a scrape during
 * shutdown still answers.
 */
export class Metrics extends Lifecycle {
  /** The registry the metrics are on: `await registry.metrics()` is the text exposition, `registry.contentType` its type. */
  readonly registry: Registry;
  readonly #unsubscribe: () => void;
  readonly #unregister: () => void;

  /** @internal Use {@link createMetrics}. */
  constructor(redis: RedisClient, options: MetricsOptions = {}) {
    super();
    const { registry, prefix } = resolveOptions(options);
    this.registry = registry;
    const stats = oncePerScrape(() => redis.stats());
    createStatsGauges(registry, prefix, () => (this.closed ? undefined : stats()));
    this.#unsubscribe = subscribeInstruments(createChannelInstruments(registry, prefix));
    // Last: the client closes the metrics with itself; closed first, they unregister.
    this.#unregister = redis[kOwnResource](this);
  }

  /** The text exposition (Prometheus format 0.0.4), as a `/metrics` route answers it. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  /** The exposition's content type, for the response header. */
  get contentType(): string {
    return this.registry.contentType;
  }

  protected async onClose(): Promise<void> {
    this.#release();
  }

  protected onDestroy(): void {
    this.#release();
  }

  #release(): void {
    this.#unsubscribe();
    this.#unregister();
  }
}

/**
 * Prometheus metrics for `redis` and its services; see {@link Metrics} and the
 * README's "Metrics" section for every metric.
 *
 * ```ts
 * const metrics = createMetrics(redis);
 * app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.exposition()));
 * ```
 */
export function createMetrics(redis: RedisClient, options: MetricsOptions = {}): Metrics {
  return new Metrics(redis, options);
}
