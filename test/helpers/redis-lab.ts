import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CreateRedisOptions } from '../../src/index.js';
import { RespClient } from './resp-client.js';
import type { RespValue } from './resp-protocol.js';

/**
 * Real multi-process Redis topologies (a 6-node Cluster, a Sentinel group) for topology and
 * failover tests, run by the bash scripts of `shared/redis-lab/` (beside the repository root).
 *
 * Every lab lives in its own fresh temp dir, on a block of ports checked free just before, and
 * every node is only ever signalled through its pidfile by the scripts (never by name). The
 * nodes daemonize, so they outlive this process unless stopped: `down()` (or `await using`)
 * stops them, and an exit/signal hook stops whatever a test forgot.
 *
 * The scripts are found at `REDIS_LAB_DIR` when set, else at `shared/redis-lab` beside the
 * repository root. When they are missing, {@link labSkipReason} says so: pass it as
 * `describe(name, { skip: labSkipReason() }, …)`. Outside CI the suite is then skipped with that
 * message; with `CI` set it is not skipped, and starting a lab fails with the same message, so a
 * CI run without the lab goes red instead of passing without having tested Cluster or Sentinel.
 */

const HOST = '127.0.0.1';

/**
 * Options for clients of the lab topologies: timeouts short enough that a failover shows as quick
 * typed errors, wide enough for a lab sharing 2 cores with other suites. A new lease on a Cluster
 * is a new cluster client, and a paused seed costs it ioredis's slotsRefreshTimeout (1 s): hence
 * the acquire timeout. Tests spread their own on top.
 */
export const labClientOptions = {
  env: {},
  connectTimeoutMs: 1000,
  socketTimeoutMs: 2000,
  commandTimeoutMs: 2000,
  acquireTimeoutMs: 3000,
  retryMaxDelayMs: 200,
  breakerProbeIntervalMs: 200,
} satisfies CreateRedisOptions;

/** A raw reply (from the lab's plain RESP connections) as text, arrays one element a line. */
export function replyText(reply: RespValue): string {
  return Array.isArray(reply) ? reply.map(replyText).join('\n') : String(reply);
}
/** Ports are picked at random in [PORT_MIN, PORT_MAX); cluster bus ports (+10000) stay below the
 * usual ephemeral range (32768+) so outgoing connections do not grab them between check and bind. */
const PORT_MIN = 20000;
const PORT_MAX = 22700;
const PORT_ATTEMPTS = 8;
/** Longest an `up` script may run (its own readiness timeouts are 60 s by default). */
const UP_TIMEOUT_MS = 90_000;
const CTL_TIMEOUT_MS = 30_000;
const DOWN_TIMEOUT_MS = 60_000;

export type NodeAction = 'kill' | 'term' | 'stop' | 'cont' | 'start';

/** One lab topology: its nodes, fault injection on them, and teardown. */
export interface Lab extends AsyncDisposable {
  readonly kind: 'cluster' | 'sentinel';
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** The lab's directory (`DIR/<port>/redis.log` holds each node's log). Removed by {@link down}. */
  readonly dir: string;
  /** Every port the lab listens on (data nodes and sentinels). */
  readonly ports: readonly number[];
  /**
   * Fault injection through `node-ctl.sh`: `kill` (SIGKILL, a crash), `term` (clean stop),
   * `stop` (SIGSTOP, a hung server), `cont` (SIGCONT), `start` (restart from its config).
   */
  nodeCtl(port: number, action: NodeAction): Promise<void>;
  /** One command on a fresh plain connection (not redis-kit) to a node of this lab. */
  command(port: number, ...args: string[]): Promise<RespValue>;
  /** The tail of one node's log, for failure messages. */
  log(port: number, lines?: number): string;
  /** Stops every node (`lab-down.sh DIR --purge`) and removes the dir. Idempotent. */
  down(): Promise<void>;
}

export interface ClusterLab extends Lab {
  readonly kind: 'cluster';
  /** The 6 node ports (3 masters with one replica each, as `redis-cli --cluster create` paired them). */
  readonly nodePorts: readonly number[];
  /** Seed list for `createRedis({ mode: 'cluster', clusterNodes })`. */
  readonly nodes: readonly { host: string; port: number }[];
  /** `CLUSTER KEYSLOT key`, asked of a live node. */
  keySlot(key: string): Promise<number>;
  /**
   * The master serving `key`'s slot and its replicas not flagged failed, per `CLUSTER NODES` of
   * the first node in `askPorts` (default: all nodes) that answers. (Not `CLUSTER SLOTS`: Redis 7
   * leaves out replicas that have not reported a replication offset yet.)
   */
  slotOwner(key: string, askPorts?: readonly number[]): Promise<{ slot: number; master: number; replicas: number[] }>;
  /** The ports of the masters that serve slots and are not flagged failed, per `CLUSTER NODES`. */
  masters(askPorts?: readonly number[]): Promise<number[]>;
  /** `CLUSTER NODES` of the first node in `askPorts` (default: all) that answers, parsed. */
  clusterNodes(askPorts?: readonly number[]): Promise<ClusterNodeInfo[]>;
}

/** One line of `CLUSTER NODES`. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  /** e.g. `['myself', 'master']`, `['slave']`, `['master', 'fail']`. */
  flags: string[];
  /** The master's id, for a replica. */
  masterId: string | undefined;
  /** `connected` or `disconnected`. */
  link: string;
  /** Slot ranges served, inclusive. */
  slots: [number, number][];
}

export interface SentinelLab extends Lab {
  readonly kind: 'sentinel';
  /** The master at start (a failover moves the role elsewhere). */
  readonly masterPort: number;
  /** The first replica at start. */
  readonly replicaPort: number;
  /** Every replica at start (one unless {@link SentinelLabOptions.replicas} asked for more). */
  readonly replicaPorts: readonly number[];
  readonly sentinelPorts: readonly number[];
  readonly masterName: string;
  /** For `createRedis({ mode: 'sentinel', sentinels, sentinelMaster })`. */
  readonly sentinels: readonly { host: string; port: number }[];
}

export interface ClusterLabOptions {
  /** `CLUSTER_NODE_TIMEOUT` in ms. Default 1000: a failover within a few seconds. */
  nodeTimeoutMs?: number;
}

export interface SentinelLabOptions {
  /** Default `mymaster`. */
  masterName?: string;
  /** `SENTINEL_DOWN_AFTER_MS`. Default 1000. */
  downAfterMs?: number;
  /** `SENTINEL_FAILOVER_TIMEOUT_MS`. Default 3000. */
  failoverTimeoutMs?: number;
  /** Replicas of the master (`REPLICAS`). Default 1. */
  replicas?: number;
}

/** Thrown by the start functions when the lab cannot run here at all (see {@link labSkipReason}). */
export class LabUnavailableError extends Error {
  override readonly name = 'LabUnavailableError';
}

/** Where the lab scripts are looked for (found from this file or REDIS_LAB_DIR, not from the cwd). */
export const labScriptsDir: string = findLabScriptsDir();

const SCRIPTS = ['cluster-up.sh', 'sentinel-up.sh', 'node-ctl.sh', 'lab-down.sh', 'lib.sh'] as const;

/**
 * For `{ skip: labSkipReason() }`: why the lab suites are skipped here, or undefined when they
 * run. They run whenever the lab can; when it cannot (see {@link labUnavailableReason}) they are
 * skipped outside CI, and in CI they run anyway so that starting the lab fails them.
 */
export function labSkipReason(): string | undefined {
  const reason = labUnavailableReason();
  if (reason === undefined || inCi()) return undefined;
  return `${reason}; skipped outside CI (with CI set, this suite fails instead)`;
}

/** True when the CI variable is set to anything but an explicit no (`CI=false`, `CI=0`, empty). */
function inCi(): boolean {
  const value = process.env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * Why labs cannot run here, or undefined when they can: the scripts directory (or one of its
 * scripts) is missing, or the redis binaries the scripts use are.
 */
export function labUnavailableReason(): string | undefined {
  if (!existsSync(labScriptsDir)) {
    return `redis-lab scripts not found at ${labScriptsDir} (expected shared/redis-lab beside the repo, or set REDIS_LAB_DIR)`;
  }
  const missing = SCRIPTS.filter((name) => !existsSync(join(labScriptsDir, name)));
  if (missing.length > 0) return `redis-lab at ${labScriptsDir} lacks ${missing.join(', ')}`;
  for (const [variable, fallback] of [
    ['REDIS_SERVER', '/usr/bin/redis-server'],
    ['REDIS_CLI', '/usr/bin/redis-cli'],
  ] as const) {
    const binary = process.env[variable] ?? fallback;
    if (!existsSync(binary)) return `redis-lab needs ${binary} (set ${variable} to use another path)`;
  }
  return undefined;
}

/** Starts a 6-node cluster (3 masters, 3 replicas) and waits until it is healthy. */
export async function startCluster(options: ClusterLabOptions = {}): Promise<ClusterLab> {
  const env = { CLUSTER_NODE_TIMEOUT: String(options.nodeTimeoutMs ?? 1000) };
  const { base, dir } = await launch('cluster', 6, true, (first, d) => ['cluster-up.sh', String(first), d, '6', '1'], env);
  const nodePorts = range(base, 6);
  return new ClusterLabImpl(dir, nodePorts);
}

/** Starts a master, one replica and three sentinels, and waits until the sentinels agree. */
export async function startSentinel(options: SentinelLabOptions = {}): Promise<SentinelLab> {
  const masterName = options.masterName ?? 'mymaster';
  const replicas = options.replicas ?? 1;
  const env = {
    REPLICAS: String(replicas),
    SENTINELS: '3',
    SENTINEL_DOWN_AFTER_MS: String(options.downAfterMs ?? 1000),
    SENTINEL_FAILOVER_TIMEOUT_MS: String(options.failoverTimeoutMs ?? 3000),
  };
  // Master on base, replicas on base+1.., then the 3 sentinels.
  const { base, dir } = await launch(
    'sentinel',
    4 + replicas,
    false,
    (first, d) => ['sentinel-up.sh', String(first), String(first + 1 + replicas), d, masterName],
    env,
  );
  return new SentinelLabImpl(dir, base, range(base + 1, replicas), range(base + 1 + replicas, 3), masterName);
}

abstract class LabBase implements Lab {
  abstract readonly kind: 'cluster' | 'sentinel';
  readonly host = HOST;
  readonly dir: string;
  readonly ports: readonly number[];
  #down: Promise<void> | undefined;

  constructor(dir: string, ports: readonly number[]) {
    this.dir = dir;
    this.ports = ports;
  }

  async nodeCtl(port: number, action: NodeAction): Promise<void> {
    this.#checkPort(port);
    if (this.#down !== undefined) throw new Error(`lab ${this.dir} is down`);
    await runScript('node-ctl.sh', [this.dir, String(port), action], {}, CTL_TIMEOUT_MS);
  }

  async command(port: number, ...args: string[]): Promise<RespValue> {
    this.#checkPort(port);
    const client = await RespClient.connect({ port, host: HOST, connectTimeoutMs: 1000, commandTimeoutMs: 2000 });
    try {
      return await client.send(args);
    } finally {
      client.destroy();
    }
  }

  log(port: number, lines = 30): string {
    try {
      return readFileSync(join(this.dir, String(port), 'redis.log'), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch (error) {
      return `(no log for ${port}: ${String(error)})`;
    }
  }

  down(): Promise<void> {
    this.#down ??= stopLab(this.dir).catch((error: unknown) => {
      this.#down = undefined; // let a later call (or the exit hook) try again
      throw error;
    });
    return this.#down;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.down();
  }

  #checkPort(port: number): void {
    if (!this.ports.includes(port)) throw new Error(`port ${port} is not a node of lab ${this.dir} (${this.ports.join(', ')})`);
  }
}

class ClusterLabImpl extends LabBase implements ClusterLab {
  readonly kind = 'cluster' as const;
  readonly nodePorts: readonly number[];
  readonly nodes: readonly { host: string; port: number }[];

  constructor(dir: string, nodePorts: readonly number[]) {
    super(dir, nodePorts);
    this.nodePorts = nodePorts;
    this.nodes = nodePorts.map((port) => ({ host: HOST, port }));
  }

  async keySlot(key: string): Promise<number> {
    return Number(await this.#ask(this.nodePorts, 'CLUSTER', 'KEYSLOT', key));
  }

  async slotOwner(
    key: string,
    askPorts: readonly number[] = this.nodePorts,
  ): Promise<{ slot: number; master: number; replicas: number[] }> {
    const slot = Number(await this.#ask(askPorts, 'CLUSTER', 'KEYSLOT', key));
    const nodes = await this.clusterNodes(askPorts);
    const master = nodes.find((node) => node.flags.includes('master') && node.slots.some(([lo, hi]) => lo <= slot && slot <= hi));
    if (master === undefined) throw new Error(`no master serves slot ${slot} (of ${key}) per CLUSTER NODES`);
    const replicas = nodes.filter((node) => node.masterId === master.id && !node.flags.includes('fail')).map((node) => node.port);
    return { slot, master: master.port, replicas };
  }

  async masters(askPorts: readonly number[] = this.nodePorts): Promise<number[]> {
    const nodes = await this.clusterNodes(askPorts);
    return nodes
      .filter((node) => node.flags.includes('master') && !node.flags.includes('fail') && node.slots.length > 0)
      .map((node) => node.port)
      .sort((a, b) => a - b);
  }

  async clusterNodes(askPorts: readonly number[] = this.nodePorts): Promise<ClusterNodeInfo[]> {
    const text = String(await this.#ask(askPorts, 'CLUSTER', 'NODES'));
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        // <id> <ip:port@cport> <flags> <master> <ping> <pong> <epoch> <link> <slot>...
        const [id = '', address = '', flags = '', masterId = '-', , , , link = '', ...slots] = line.trim().split(' ');
        const port = Number(/:(\d+)@/.exec(address)?.[1]);
        return {
          id,
          port,
          flags: flags.split(','),
          masterId: masterId === '-' ? undefined : masterId,
          link,
          slots: slots
            .filter((slot) => !slot.startsWith('['))
            .map((slot): [number, number] => {
              const [lo, hi = lo] = slot.split('-').map(Number) as [number, number?];
              return [lo, hi];
            }),
        };
      });
  }

  /** Asks the first node that answers (killed or paused nodes are skipped). */
  async #ask(ports: readonly number[], ...args: string[]): Promise<RespValue> {
    let lastError: unknown;
    for (const port of ports) {
      try {
        return await this.command(port, ...args);
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no lab node answered ${args.join(' ')}`, { cause: lastError });
  }
}

class SentinelLabImpl extends LabBase implements SentinelLab {
  readonly kind = 'sentinel' as const;
  readonly masterPort: number;
  readonly replicaPort: number;
  readonly replicaPorts: readonly number[];
  readonly sentinelPorts: readonly number[];
  readonly masterName: string;
  readonly sentinels: readonly { host: string; port: number }[];

  constructor(dir: string, masterPort: number, replicaPorts: readonly number[], sentinelPorts: readonly number[], masterName: string) {
    super(dir, [masterPort, ...replicaPorts, ...sentinelPorts]);
    this.masterPort = masterPort;
    this.replicaPort = replicaPorts[0] ?? masterPort + 1;
    this.replicaPorts = replicaPorts;
    this.sentinelPorts = sentinelPorts;
    this.masterName = masterName;
    this.sentinels = sentinelPorts.map((port) => ({ host: HOST, port }));
  }
}

/**
 * Picks a free block of `count` ports (plus their +10000 bus ports for a cluster), runs the up
 * script in a fresh dir, and retries on a new block when a port was taken in between.
 */
async function launch(
  kind: string,
  count: number,
  busPorts: boolean,
  args: (first: number, dir: string) => string[],
  env: Record<string, string>,
): Promise<{ base: number; dir: string }> {
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new LabUnavailableError(reason);
  let lastError: unknown;
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const base = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN - count));
    const ports = range(base, count);
    if (busPorts) ports.push(...range(base + 10000, count));
    if (!(await allFree(ports))) continue;
    const dir = await mkdtemp(join(tmpdir(), `redis-lab-${kind}-`));
    liveLabs.add(dir);
    installExitHooks();
    const [script, ...rest] = args(base, dir);
    try {
      await runScript(script as string, rest, env, UP_TIMEOUT_MS);
      return { base, dir };
    } catch (error) {
      lastError = error;
      await stopLab(dir).catch(() => undefined);
      // Someone took a port between our check and the server's bind: try another block.
      if (error instanceof Error && /in use/.test(error.message)) continue;
      throw error;
    }
  }
  throw new Error(`could not start a redis-lab ${kind} after ${PORT_ATTEMPTS} port blocks`, { cause: lastError });
}

/** `lab-down.sh DIR --purge`: stops every node started from `dir` and removes it. */
async function stopLab(dir: string): Promise<void> {
  await runScript('lab-down.sh', [dir, '--purge'], {}, DOWN_TIMEOUT_MS);
  await rm(dir, { recursive: true, force: true });
  liveLabs.delete(dir);
}

function runScript(script: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  const path = join(labScriptsDir, script);
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      [path, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolvePromise(stdout);
        else reject(new Error(`${script} ${args.join(' ')} failed (${error.message.split('\n')[0]}):\n${stderr.trim()}`, { cause: error }));
      },
    );
  });
}

/** True when every port can be listened on at 127.0.0.1 right now. */
async function allFree(ports: readonly number[]): Promise<boolean> {
  for (const port of ports) if (!(await canListen(port))) return false;
  return true;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const server = net.createServer();
    server.once('error', () => resolvePromise(false));
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => resolvePromise(true)));
  });
}

function range(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => first + i);
}

/** REDIS_LAB_DIR (a checkout elsewhere, e.g. a CI clone or a git worktree), else `shared/redis-lab` beside the root. */
function findLabScriptsDir(): string {
  const configured = process.env.REDIS_LAB_DIR;
  if (configured !== undefined && configured !== '') return resolve(configured);
  return join(findRepoRoot(dirname(fileURLToPath(import.meta.url))), '..', 'shared', 'redis-lab');
}

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'redis-kit') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    if (dirname(dir) === dir) return resolve(start, '..', '..'); // test/helpers -> repo root
  }
}

/*
 * Labs a test did not take down (a crash, a forgotten `down()`, Ctrl-C) are stopped when this
 * process ends: the daemonized nodes would otherwise run forever.
 */
const liveLabs = new Set<string>();
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', stopAllSync);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}

function onFatalSignal(signal: NodeJS.Signals): void {
  stopAllSync();
  process.removeListener(signal, onFatalSignal);
  // Re-raise so the signal has the effect it would have had without us (the default death, or
  // whatever another listener, e.g. the child reaper, does with it).
  process.kill(process.pid, signal);
}

function stopAllSync(): void {
  for (const dir of liveLabs) {
    try {
      execFileSync('bash', [join(labScriptsDir, 'lab-down.sh'), dir, '--purge'], {
        stdio: 'ignore',
        timeout: 20_000,
        env: { ...process.env, STOP_TIMEOUT: '3' },
      });
    } catch (error) {
      console.error(`redis-lab: could not stop the lab under ${dir}:`, error);
    }
  }
  liveLabs.clear();
}

/**
 * `perMaster` key names (`k0`, `k1` …) for each of the cluster's three masters, by master port:
 * names whose slot (with `prefix`, the client's key prefix) each master serves.
 */
export async function keysByMaster(lab: ClusterLab, prefix: string, perMaster: number): Promise<Map<number, string[]>> {
  const keys = new Map<number, string[]>();
  for (let i = 0; [...keys.values()].flat().length < 3 * perMaster && i < 5000; i++) {
    const { master } = await lab.slotOwner(`${prefix}k${i}`);
    const list = keys.get(master) ?? [];
    if (list.length < perMaster) list.push(`k${i}`);
    keys.set(master, list);
  }
  if (keys.size !== 3) throw new Error(`expected keys on 3 masters, found ${keys.size}`);
  return keys;
}
