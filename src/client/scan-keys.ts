import { ClusterTopologyError } from '../errors.js';
import { escapeGlob } from '../keys/key-encoding.js';
import type { ClusterClients, ClusterPrimary } from '../topology/cluster-clients.js';
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

/** One step of {@link scanClusterPage}. */
export interface ClusterScanStep {
  /** The token to continue from (`'0'`: every primary is done). */
  cursor: string;
  keys: string[];
  /**
   * The token that reads this same step again: the one given, or, where that
   * did not name a node (`'0'`) or named one that no longer serves its slots,
   * the node actually scanned. A caller that stops inside the step resumes
   * from this one, never from a token that could mean another node.
   */
  step: string;
  /**
   * The token named a node that no longer serves its slots (a failover):
   * this step scanned the new owner from its start, so it is not the step
   * the token was taken in, and keys seen before may come again.
   */
  restarted: boolean;
}

/** `<anchor slot>.<node address, base64url>.<that node's SCAN cursor>`. */
const CLUSTER_TOKEN = /^(\d+)\.([A-Za-z0-9_-]+)\.(\d+)$/;

/**
 * One SCAN step of a cluster, for callers that page across calls (a
 * repository's `list()`): like {@link scanPage}, but the token walks every
 * primary in turn. Primaries are taken in the order of their lowest slot
 * (their "anchor"); the token names the anchor and the address of the node
 * being scanned and that node's own SCAN cursor. While the topology is stable
 * every primary is scanned once, start to end, so each key comes once (as
 * SCAN gives it). After a failover the anchor's new owner is scanned from its
 * start (a SCAN cursor means nothing on another server): keys may repeat,
 * none is skipped. Slots moved between primaries mid-walk (resharding) can
 * make keys repeat or be missed: start the walk again.
 *
 * Rejects with ClusterTopologyError when the anchor's slot has no primary
 * now (mid-failover): the same token can be tried again later.
 */
export async function scanClusterPage(
  target: CommandTarget,
  cluster: ClusterClients,
  config: { keyPrefix: string; commandTimeoutMs: number },
  match: string,
  token: string,
  count: number,
): Promise<ClusterScanStep> {
  // The slot map comes from a ready lane: a first command connects one (and fails typed when Redis is down).
  if (cluster.current() === undefined) await target.sendCommand('ping', []);
  const primaries = byAnchor(cluster.primaries());
  const first = primaries[0];
  if (first === undefined) throw new ClusterTopologyError('SCAN: the cluster has no primary serving slots now');
  let node: ClusterPrimary = first;
  let cursor = '0';
  let restarted = false;
  const parsed = token === '0' ? null : CLUSTER_TOKEN.exec(token);
  if (parsed !== null) {
    const anchor = Number(parsed[1]);
    const owner = primaries.find((candidate) => candidate.slots.includes(anchor));
    if (owner === undefined) throw new ClusterTopologyError(`SCAN: slot ${anchor} has no primary now (a failover?); try again`);
    node = owner;
    cursor = parsed[3] as string;
    if (Buffer.from(parsed[2] as string, 'base64url').toString() !== owner.address) {
      cursor = '0';
      restarted = true;
    }
  }
  const anchor = parsed === null ? (node.slots[0] as number) : Number(parsed[1]);
  const pattern = escapeGlob(config.keyPrefix) + match;
  const [next, keys] = (await cluster.sendTo(
    node.address,
    'scan',
    [cursor, 'MATCH', pattern, 'COUNT', count],
    config.commandTimeoutMs,
  )) as [string, string[]];
  const found = keys.map((key) => unprefixed(config.keyPrefix, key));
  const step = clusterToken(anchor, node.address, cursor);
  if (next !== '0') return { cursor: clusterToken(anchor, node.address, next), keys: found, step, restarted };
  const after = primaries.find((candidate) => (candidate.slots[0] as number) > anchor);
  const following = after === undefined ? '0' : clusterToken(after.slots[0] as number, after.address, '0');
  return { cursor: following, keys: found, step, restarted };
}

function byAnchor(primaries: ClusterPrimary[]): ClusterPrimary[] {
  return primaries.filter((primary) => primary.slots.length > 0).sort((a, b) => (a.slots[0] as number) - (b.slots[0] as number));
}

function clusterToken(anchor: number, address: string, cursor: string): string {
  return `${anchor}.${Buffer.from(address).toString('base64url')}.${cursor}`;
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
