import type { ResolvedConfig } from '../config/options.js';
import { describeTarget } from '../config/redact.js';
import { Engine } from '../engine/engine.js';
import { createEngineClient, type EngineClientOptions } from '../engine/ioredis-client.js';

/**
 * Makes connections for one topology (standalone, cluster or sentinel). The
 * pool asks for "a lane" or "a lease" and never learns which it is talking to.
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
