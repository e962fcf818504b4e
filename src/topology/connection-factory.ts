import type { ResolvedConfig } from '../config/options.js';
import { describeTarget } from '../config/redact.js';
import { Engine } from '../engine/engine.js';
import type { EngineSeam } from '../engine/engine-seam.js';
import { createEngineClient, type EngineClientOptions } from '../engine/ioredis-client.js';
import { createRespEngine } from '../engine/resp-engine-factory.js';

/** Roles whose connections go through the engine seam only (so may be on the own engine). */
type SeamRole = 'lane' | 'lease';

/**
 * Makes connections for one topology (standalone, cluster or sentinel). The
 * pool asks for "a lane" or "a lease" and never learns which it is talking to.
 *
 * Which engine: lanes and leases are on redis-kit's own RESP engine when
 * `engine: 'resp'` and the mode is standalone; everything else (Cluster,
 * Sentinel, the subscriber, the invalidation connection, which need
 * ioredis's pub/sub delivery) is on ioredis.
 */
export class ConnectionFactory {
  readonly #config: ResolvedConfig;
  readonly #tls: EngineClientOptions['tls'];
  /** Where connections go, for messages: host:port and mode, never credentials. */
  readonly target: string;

  constructor(config: ResolvedConfig, tls?: EngineClientOptions['tls']) {
    this.#config = config;
    this.#tls = tls;
    this.target = describeTarget(config);
  }

  /** Which engine lanes and leases get: `resp` only where the own engine is supported (standalone). */
  get seamEngine(): 'ioredis' | 'resp' {
    return this.#config.engine === 'resp' && this.#config.mode === 'standalone' ? 'resp' : 'ioredis';
  }

  /** A lane or a lease: on the engine {@link seamEngine} names. */
  createSeam(role: SeamRole, retryStrategy: EngineClientOptions['retryStrategy']): EngineSeam {
    if (this.seamEngine === 'resp') return createRespEngine(this.#config, { role, retryStrategy, tls: this.#tls }, this.target);
    return this.create(role, retryStrategy);
  }

  /** A connection on ioredis (the subscriber and the invalidation connection need its pub/sub delivery). */
  create(role: EngineClientOptions['role'], retryStrategy: EngineClientOptions['retryStrategy']): Engine {
    const client = createEngineClient(this.#config, {
      role,
      retryStrategy,
      autoPipelining: role === 'lane',
      tls: this.#tls,
    });
    return new Engine(client, this.target);
  }
}
