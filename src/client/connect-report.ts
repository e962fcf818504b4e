import type { ResolvedMode } from '../config/options.js';
import type { CommandSink } from '../commands/install-commands.js';

/** What `connect()` found. */
export interface ConnectReport {
  /** Where it connected: host:port and mode, never credentials. */
  target: string;
  mode: ResolvedMode;
  /** `redis_version` from INFO server. */
  serverVersion: string;
  /** `redis_mode` from INFO server: standalone, cluster or sentinel. */
  serverMode: string;
  /** Round trip of one PING on a lane, ms. */
  latencyMs: number;
}

/** Reads the server's version and mode and times a PING. */
export async function probeServer(client: CommandSink, target: string, mode: ResolvedMode): Promise<ConnectReport> {
  const started = performance.now();
  await client.sendCommand('ping', []);
  const latencyMs = performance.now() - started;
  const info = String(await client.sendCommand('info', ['server']));
  return {
    target,
    mode,
    serverVersion: infoField(info, 'redis_version') ?? 'unknown',
    serverMode: infoField(info, 'redis_mode') ?? 'unknown',
    latencyMs,
  };
}

/** One `field:value` line of an INFO reply. */
export function infoField(info: string, field: string): string | undefined {
  const match = new RegExp(`^${field}:(.*)$`, 'm').exec(info);
  return match?.[1]?.trim();
}
