import { escapeGlob } from '../keys/key-encoding.js';
import type { ClusterClients } from '../topology/cluster-clients.js';
import { scanCluster } from '../topology/cluster-scan.js';

interface CommandTarget {
  sendCommand(name: string, args: unknown[]): Promise<unknown>;
}

/** Options of `redis.scanKeys()`. */
export interface ScanKeysOptions {
  /** SCAN's COUNT hint: keys looked at per call. Default 500. */
  count?: number;
  /**
   * Cluster mode: how long the scan waits for every slot to have a primary
   * that answers (a failover during the scan) before it fails with
   * ClusterTopologyError, in ms. Default 30000.
   */
  topologyTimeoutMs?: number;
}

/**
 * `redis.scanKeys()`: one server's SCAN, or on a cluster every primary's
 * (see {@link scanClusterKeys}).
 */
export function scanKeys(
  target: CommandTarget,
  cluster: ClusterClients | undefined,
  config: { keyPrefix: string; commandTimeoutMs: number },
  match: string,
  options: ScanKeysOptions,
): AsyncGenerator<string> {
  const count = options.count ?? 500;
  if (cluster === undefined) return scanServer(target, config.keyPrefix, match, count);
  return scanClusterKeys(target, cluster, config.keyPrefix, match, {
    count,
    commandTimeoutMs: config.commandTimeoutMs,
    topologyTimeoutMs: options.topologyTimeoutMs ?? 30_000,
  });
}

/**
 * SCAN for the keys matching `match` under `prefix`: the prefix is added to
 * the (escaped) pattern and removed from what is yielded. SCAN, never KEYS,
 * so the server is not blocked.
 */
async function* scanServer(target: CommandTarget, prefix: string, match: string, count: number): AsyncGenerator<string> {
  let cursor = '0';
  do {
    const page = await scanPage(target, prefix, match, cursor, count);
    cursor = page.cursor;
    yield* page.keys;
  } while (cursor !== '0');
}

/**
 * One SCAN step of one server from `cursor` (`'0'` starts), for callers
 * that page across calls: the keys of this step, prefix removed, and the
 * cursor to continue from (`'0'` when the iteration is complete). On a
 * cluster this pages through one node only (a SCAN cursor belongs to one
 * node); `redis.scanKeys()` covers every primary.
 */
export async function scanPage(
  target: CommandTarget,
  prefix: string,
  match: string,
  cursor: string,
  count: number,
): Promise<{ cursor: string; keys: string[] }> {
  const pattern = escapeGlob(prefix) + match;
  const [next, keys] = (await target.sendCommand('scan', [cursor, 'MATCH', pattern, 'COUNT', count])) as [string, string[]];
  return { cursor: next, keys: keys.map((key) => unprefixed(prefix, key)) };
}

/** {@link scanKeys} over every primary of a cluster (see scanCluster), through the slot map the lanes keep. */
async function* scanClusterKeys(
  target: CommandTarget,
  cluster: ClusterClients,
  prefix: string,
  match: string,
  options: { count: number; commandTimeoutMs: number; topologyTimeoutMs: number },
): AsyncGenerator<string> {
  // The slot map comes from a ready lane: a first command connects one (and fails typed when Redis is down).
  if (cluster.current() === undefined) await target.sendCommand('ping', []);
  const pattern = escapeGlob(prefix) + match;
  for await (const key of scanCluster(cluster, { ...options, pattern })) yield unprefixed(prefix, key);
}

function unprefixed(prefix: string, key: string): string {
  return prefix !== '' && key.startsWith(prefix) ? key.slice(prefix.length) : key;
}
