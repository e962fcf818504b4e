import { Redis } from 'ioredis';
import type { HostPort, ResolvedConfig } from '../config/options.js';
import { Engine } from '../engine/engine.js';
import { RedisKitError } from '../errors.js';

/** What one sentinel says about the monitored master. */
export interface SentinelAnswer {
  /** `host:port` of the sentinel. */
  address: string;
  reachable: boolean;
  /** `host:port` it names as the master (`SENTINEL GET-MASTER-ADDR-BY-NAME`). */
  master?: string;
  /** The master's flags as it sees them (`master`, `s_down`, `o_down` …). */
  flags?: string[];
  /** Replicas it knows of that are not down or disconnected. */
  replicasUp?: number;
  /** Other sentinels it sees. */
  otherSentinels?: number;
  /** The quorum configured for the master. */
  quorum?: number;
  /** `SENTINEL CKQUORUM`: enough sentinels are reachable to authorise a failover. */
  quorumReachable?: boolean;
  /** Why it could not answer: code and message only. */
  error?: { code: string; message: string };
}

/**
 * Asks every configured sentinel, in parallel, on short-lived connections of
 * its own (never the client's lanes), each bounded by `timeoutMs`: which
 * master it names, the master's flags, its replicas and the quorum. A
 * sentinel that does not answer is reported as unreachable, never thrown.
 */
export async function readSentinelView(config: ResolvedConfig, timeoutMs: number): Promise<SentinelAnswer[]> {
  const name = config.sentinelMaster ?? '';
  return Promise.all(config.sentinels.map((sentinel) => askSentinel(sentinel, name, config, timeoutMs)));
}

async function askSentinel(sentinel: HostPort, name: string, config: ResolvedConfig, timeoutMs: number): Promise<SentinelAnswer> {
  const address = `${sentinel.host}:${sentinel.port}`;
  const bound = Math.max(1, Math.floor(timeoutMs));
  const engine = new Engine(
    new Redis({
      host: sentinel.host,
      port: sentinel.port,
      password: config.sentinelPassword,
      lazyConnect: true,
      enableOfflineQueue: false,
      enableReadyCheck: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: bound,
      commandTimeout: bound,
    }),
    address,
  );
  try {
    await engine.connect(bound);
    const [addr, master, replicas, ckquorum] = await Promise.all([
      engine.send('sentinel', ['get-master-addr-by-name', name]),
      engine.send('sentinel', ['master', name]),
      engine.send('sentinel', ['replicas', name]),
      engine.send('sentinel', ['ckquorum', name]).then(
        () => true,
        () => false,
      ),
    ]);
    const fields = pairs(master);
    const up = Array.isArray(replicas)
      ? replicas.filter((replica) => !/s_down|o_down|disconnected/.test(pairs(replica).get('flags') ?? '')).length
      : 0;
    const answer: SentinelAnswer = { address, reachable: true, replicasUp: up, quorumReachable: ckquorum };
    if (Array.isArray(addr) && addr.length === 2) answer.master = `${String(addr[0])}:${String(addr[1])}`;
    const flags = fields.get('flags');
    if (flags !== undefined) answer.flags = flags.split(',');
    const others = Number(fields.get('num-other-sentinels'));
    if (Number.isFinite(others)) answer.otherSentinels = others;
    const quorum = Number(fields.get('quorum'));
    if (Number.isFinite(quorum)) answer.quorum = quorum;
    return answer;
  } catch (error) {
    const summary =
      error instanceof RedisKitError
        ? { code: error.code, message: error.message }
        : { code: 'ERR_UNKNOWN', message: 'unexpected failure' };
    return { address, reachable: false, error: summary };
  } finally {
    engine.destroy();
  }
}

/** A flat `[field, value, field, value …]` reply as a map. */
function pairs(reply: unknown): Map<string, string> {
  const map = new Map<string, string>();
  if (!Array.isArray(reply)) return map;
  for (let i = 0; i + 1 < reply.length; i += 2) map.set(String(reply[i]), String(reply[i + 1]));
  return map;
}
