import type { ResolvedConfig } from '../config/options.js';
import type { EngineClientOptions } from './ioredis-client.js';
import { RespEngine } from './resp-engine.js';

/**
 * Builds a {@link RespEngine} for a standalone server, with the settings
 * createEngineClient gives ioredis: the connection name with its role, the
 * connect timeout, the socket timeout on lanes only (leases carry blocking
 * commands that legitimately wait longer), the key prefix, TLS.
 */
export function createRespEngine(
  config: ResolvedConfig,
  options: Pick<EngineClientOptions, 'role' | 'retryStrategy' | 'tls'>,
  target: string,
): RespEngine {
  return new RespEngine({
    connection: {
      host: config.host,
      port: config.port,
      tls: config.tls ? { ...options.tls, servername: isIp(config.host) ? undefined : config.host } : undefined,
      username: config.username,
      password: config.password,
      db: config.db,
      name: `${config.connectionName}:${options.role}`,
      connectTimeoutMs: config.connectTimeoutMs,
    },
    target,
    keyPrefix: config.keyPrefix,
    retryStrategy: options.retryStrategy,
    socketTimeoutMs: options.role === 'lease' ? undefined : config.socketTimeoutMs,
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
