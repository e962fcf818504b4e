/**
 * The checks of a connected server: latency and the INFO facts that decide
 * whether redis-kit will behave as documented there.
 */

import type { ResolvedConfig } from '../../config/options.js';
import { ReplyError } from '../../errors.js';
import type { CommandSender } from './acl-check.js';
import { type CheckResult, describeError, fail, pass, warn } from './check.js';

/** The sections of INFO, flattened: `field → value`. */
export type Info = ReadonlyMap<string, string>;

export function parseInfo(text: string): Info {
  const info = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) info.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return info;
}

const PINGS = 5;
const SLOW_MS = 10;

export async function checkLatency(client: CommandSender): Promise<CheckResult> {
  const times: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const started = performance.now();
    await client.sendCommand('ping', []);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const max = times[times.length - 1] ?? 0;
  const detail = `PING median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms (${PINGS} pings)`;
  if (median > SLOW_MS) return warn('latency', detail, 'Redis is far away or busy: run it close to the service, check SLOWLOG and CPU');
  return pass('latency', detail);
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

export function checkVersion(info: Info): CheckResult {
  const version = info.get('redis_version') ?? 'unknown';
  const flavour = info.has('valkey_version') ? ` (valkey ${info.get('valkey_version')})` : '';
  if (versionAtLeast(version, 6, 2)) return pass('version', `Redis ${version}${flavour}`);
  return fail(
    'version',
    `Redis ${version}${flavour}; redis-kit needs 6.2 or later (GETEX, SET … GET, ACL, CLIENT TRACKING)`,
    'upgrade the server to 6.2+ (7.x recommended)',
  );
}

export function checkMemory(info: Info): CheckResult {
  const maxmemory = Number(info.get('maxmemory') ?? '0');
  const policy = info.get('maxmemory_policy') ?? 'unknown';
  const human = info.get('maxmemory_human') ?? `${maxmemory} B`;
  if (maxmemory === 0) {
    return warn(
      'maxmemory',
      `no maxmemory limit (policy ${policy})`,
      'set maxmemory so Redis evicts or refuses writes before the OS kills it',
    );
  }
  if (policy === 'noeviction') {
    return warn(
      'maxmemory',
      `${human}, policy noeviction: writes fail with OOM when full`,
      'for caching use allkeys-lru or volatile-lru; keep noeviction only if nothing may be evicted',
    );
  }
  return pass('maxmemory', `${human}, policy ${policy}`);
}

export async function checkPersistence(client: CommandSender, info: Info): Promise<CheckResult> {
  if (info.get('rdb_last_bgsave_status') === 'err' || info.get('aof_last_write_status') === 'err') {
    return fail('persistence', 'the last RDB save or AOF write failed', 'check the Redis log and its disk (space, permissions)');
  }
  const aof = info.get('aof_enabled') === '1';
  let rdb: boolean | undefined;
  try {
    const reply = await client.sendCommand('config', ['get', 'save']);
    if (Array.isArray(reply)) rdb = String(reply[1] ?? '').trim() !== '';
  } catch (error) {
    // Managed services often deny CONFIG (a reply error); INFO alone then decides.
    if (!(error instanceof ReplyError)) throw error;
    rdb = undefined;
  }
  const parts = [
    aof ? 'AOF on' : 'AOF off',
    rdb === undefined ? 'RDB schedule unknown (CONFIG denied)' : rdb ? 'RDB snapshots on' : 'RDB off',
  ];
  if (!aof && rdb === false) {
    return warn(
      'persistence',
      parts.join(', '),
      'sessions and rate-limit counters are lost on a restart; enable appendonly or save if they matter',
    );
  }
  return pass('persistence', parts.join(', '));
}

export async function checkMaxClients(client: CommandSender, info: Info, maxPerNode: number, processes: number): Promise<CheckResult> {
  let maxclients = Number(info.get('maxclients') ?? Number.NaN);
  if (Number.isNaN(maxclients)) {
    try {
      const reply = await client.sendCommand('config', ['get', 'maxclients']);
      if (Array.isArray(reply)) maxclients = Number(reply[1]);
    } catch (error) {
      return warn(
        'maxclients',
        `maxclients unknown (${describeError(error)})`,
        `make sure maxclients ≥ ${maxPerNode * processes} plus other clients`,
      );
    }
  }
  const connected = Number(info.get('connected_clients') ?? '0');
  const needed = maxPerNode * processes;
  const detail = `maxclients ${maxclients}, ${connected} connected; redis-kit may open ${maxPerNode} per process × ${processes} = ${needed}`;
  if (!(maxclients >= needed)) {
    return fail('maxclients', detail, 'raise maxclients, or lower REDIS_MAX_CONNECTIONS / REDIS_LANES or the process count');
  }
  if (needed + connected > maxclients * 0.9) {
    return warn('maxclients', detail, 'little headroom for other clients: raise maxclients or lower REDIS_MAX_CONNECTIONS');
  }
  return pass('maxclients', detail);
}

export async function checkTopology(client: CommandSender, info: Info, config: ResolvedConfig): Promise<CheckResult> {
  const serverMode = info.get('redis_mode') ?? 'unknown';
  if (config.mode === 'cluster') {
    const cluster = parseInfo(String(await client.sendCommand('cluster', ['info'])));
    const state = cluster.get('cluster_state') ?? 'unknown';
    const nodes = cluster.get('cluster_known_nodes') ?? '?';
    if (state !== 'ok')
      return fail('topology', `cluster_state ${state}`, 'fix the cluster (CLUSTER INFO, slots coverage) before serving traffic');
    return pass('topology', `cluster_state ok, ${nodes} known nodes`);
  }
  if (config.mode === 'sentinel') {
    const role = info.get('role') ?? 'unknown';
    if (role !== 'master')
      return fail(
        'topology',
        `sentinel gave a ${role}, not a master`,
        `check SENTINEL MASTERS for ${config.sentinelMaster ?? 'the master'}`,
      );
    return pass('topology', `sentinel master ${config.sentinelMaster ?? ''}: role master, ${info.get('connected_slaves') ?? '0'} replicas`);
  }
  if (serverMode === 'cluster') {
    return fail(
      'topology',
      'the server runs in cluster mode but REDIS_MODE is standalone',
      'set REDIS_MODE=cluster and REDIS_CLUSTER_NODES',
    );
  }
  const role = info.get('role') ?? 'unknown';
  if (role !== 'master') return warn('topology', `standalone, role ${role}: writes will fail`, 'point REDIS_URL at the primary');
  return pass('topology', `standalone, role ${role}`);
}

export function checkTracking(info: Info): CheckResult {
  const version = info.get('redis_version') ?? '0';
  if (versionAtLeast(version, 6, 0)) return pass('client-tracking', 'CLIENT TRACKING available (near-cache invalidation)');
  return warn(
    'client-tracking',
    `Redis ${version} has no CLIENT TRACKING`,
    'the near cache cannot be invalidated: disable it or upgrade to 6+',
  );
}
