import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackTempDir, untrackTempDir } from './child-reaper.js';
import { freePort } from './free-port.js';
import { type RespAuth, RespClient, type RespConnectOptions } from './resp-client.js';
import { RespError, type RespValue, replyToText } from './resp-protocol.js';
import { RedisProcess } from './redis-process.js';

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** Port to listen on. Default: a free port picked for you (never 0, which disables TCP). */
  port?: number;
  /**
   * Extra `redis-server` arguments, appended after the defaults so they can override them,
   * e.g. `['--requirepass', 'x']` or `['--maxmemory', '1mb']`.
   */
  args?: readonly string[];
  /**
   * Credentials for the helper's own connections (readiness probe, `command`, `call`, `connect`).
   * Default: the password following `--requirepass` in `args`, if any.
   */
  auth?: RespAuth;
  /** How long to wait for the server to answer PING. Default 5000. */
  readyTimeoutMs?: number;
}

/** Options of {@link RedisServer.connect}; host, port and (by default) auth come from the server. */
export type RedisServerConnectOptions = Omit<RespConnectOptions, 'port' | 'host'>;

/** A throw-away `redis-server` process owned by one test. */
export interface RedisServer extends AsyncDisposable {
  /** Always `127.0.0.1`. */
  readonly host: string;
  /** Stays the same across {@link restart}. */
  readonly port: number;
  /** `redis://127.0.0.1:PORT` (no credentials). */
  readonly url: string;
  /** Pid of the current process; changes on {@link restart}. */
  readonly pid: number;
  /** The server's working directory (`--dir`), removed by {@link stop}. */
  readonly dir: string;
  /** False after {@link kill} or {@link stop}, until a {@link restart}. */
  readonly running: boolean;
  /** True between {@link pause} and {@link resume}. */
  readonly paused: boolean;
  /** SIGKILL the process (no shutdown, like a crash) and wait for it to exit. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and connects still succeed, but nothing is answered. */
  pause(): Promise<void>;
  /** SIGCONT after {@link pause}; queued requests are then answered. No-op if not running. */
  resume(): Promise<void>;
  /**
   * Stops the process if it is running, then starts a new one on the same port with the same
   * arguments and waits until it answers. The dataset starts empty (nothing is persisted).
   */
  restart(): Promise<void>;
  /** SIGCONT + SIGTERM (SIGKILL after 2 s), then removes {@link dir}. Idempotent; final. */
  stop(): Promise<void>;
  /**
   * Runs one command on a fresh connection and returns its reply as `redis-cli` would print it
   * (array elements one per line, nil as empty), trimmed. Error replies reject with a
   * `RespError` whose message is the server's error text.
   */
  command(...args: string[]): Promise<string>;
  /** Like {@link command} but resolves with the structured reply. */
  call(...args: string[]): Promise<RespValue>;
  /** Opens a raw RESP connection to the server (authenticated like {@link command}). */
  connect(opts?: RedisServerConnectOptions): Promise<RespClient>;
  /** Changes the credentials the helper uses, e.g. after a test ran `CONFIG SET requirepass`. */
  setAuth(auth: RespAuth | undefined): void;
  /** Everything the server logged so far (all restarts), for failure diagnostics. */
  log(): Promise<string>;
}

const HOST = '127.0.0.1';
/** Attempts with a fresh port when a picked port turns out to be taken. */
const MAX_PORT_ATTEMPTS = 5;
/** Probe interval while waiting for a just-spawned server. */
const READY_POLL_MS = 10;

/**
 * Starts a `redis-server` (from PATH) on 127.0.0.1 with persistence off, a private temp dir,
 * `DEBUG` enabled for local connections and `--loglevel warning`, plus `opts.args`; resolves
 * once it answers PING. Rejects with the server's log if it exits or stays silent.
 */
export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'redis-kit-test-'));
  trackTempDir(dir);
  const server = new ManagedRedisServer(dir, opts);
  try {
    await server.start(opts.port);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

/** Another process holds the port (Redis failed to bind, or someone else answered). */
class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

class ManagedRedisServer implements RedisServer {
  readonly host = HOST;
  readonly dir: string;
  readonly #extraArgs: readonly string[];
  readonly #readyTimeoutMs: number;
  readonly #logPath: string;
  #auth: RespAuth | undefined;
  #port: number | undefined;
  #process: RedisProcess | undefined;
  /** Orders kill/restart/stop so, e.g., a stop() never races a restart() spawning a process. */
  #lifecycle: Promise<void> = Promise.resolve();
  #stopped: Promise<void> | undefined;

  constructor(dir: string, opts: StartRedisOptions) {
    this.dir = dir;
    this.#logPath = join(dir, 'redis.log');
    this.#extraArgs = [...(opts.args ?? [])];
    this.#readyTimeoutMs = opts.readyTimeoutMs ?? 5000;
    this.#auth = opts.auth ?? requirePassFrom(this.#extraArgs);
  }

  get port(): number {
    if (this.#port === undefined) throw new Error('redis-server has not been started');
    return this.#port;
  }

  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  get pid(): number {
    if (this.#process === undefined) throw new Error('redis-server has not been started');
    return this.#process.pid;
  }

  get running(): boolean {
    return this.#process?.running ?? false;
  }

  get paused(): boolean {
    return this.#process?.paused ?? false;
  }

  /** First start; only called by startRedis. */
  start(port: number | undefined): Promise<void> {
    return this.#serialize(() => this.#launch(port));
  }

  kill(): Promise<void> {
    return this.#serialize(async () => {
      await this.#process?.kill();
    });
  }

  async pause(): Promise<void> {
    if (!this.#process?.running) throw new Error('cannot pause: redis-server is not running');
    await this.#process.pause();
  }

  async resume(): Promise<void> {
    await this.#process?.resume();
  }

  restart(): Promise<void> {
    return this.#serialize(async () => {
      if (this.#stopped) throw new Error('cannot restart: redis-server was stopped');
      await this.#process?.terminate();
      await this.#launch(this.port);
    });
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#serialize(async () => {
      await this.#process?.terminate();
      await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
      untrackTempDir(this.dir);
    });
    return this.#stopped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async command(...args: string[]): Promise<string> {
    return replyToText(await this.call(...args)).trim();
  }

  async call(...args: string[]): Promise<RespValue> {
    // A fresh connection per call: a long-lived admin connection would be hit by the very
    // faults tests inject (CLIENT KILL, restarts) and would show up in CLIENT LIST.
    const client = await this.connect();
    try {
      return await client.send(args);
    } finally {
      client.destroy();
    }
  }

  connect(opts: RedisServerConnectOptions = {}): Promise<RespClient> {
    return RespClient.connect({ auth: this.#auth, ...opts, port: this.port, host: HOST });
  }

  setAuth(auth: RespAuth | undefined): void {
    this.#auth = auth;
  }

  log(): Promise<string> {
    return readFile(this.#logPath, 'utf8');
  }

  #serialize(operation: () => Promise<void>): Promise<void> {
    const result = this.#lifecycle.then(operation);
    // The chain only orders operations; each caller still gets its own outcome via `result`.
    this.#lifecycle = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Spawns until a process is ready, picking a new port on conflicts unless one is required. */
  async #launch(requiredPort: number | undefined): Promise<void> {
    const deadline = performance.now() + this.#readyTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const port = requiredPort ?? (await freePort());
      try {
        this.#process = await this.#spawnReady(port, deadline);
        this.#port = port;
        return;
      } catch (err) {
        if (!(err instanceof PortInUseError)) throw err;
        if (requiredPort === undefined) {
          // freePort() only said the port was free a moment ago; someone else won the race.
          if (attempt >= MAX_PORT_ATTEMPTS) throw err;
          continue;
        }
        // A port we must keep (restart, or the caller's choice) may be held for a moment by a
        // short-lived connection that got it as its ephemeral port: retry until the deadline.
        if (performance.now() >= deadline) throw err;
        await sleep(50);
      }
    }
  }

  async #spawnReady(port: number, deadline: number): Promise<RedisProcess> {
    const proc = await RedisProcess.spawn(this.#argsFor(port), this.#logPath);
    try {
      await this.#awaitReady(proc, port, deadline);
      return proc;
    } catch (err) {
      await proc.kill();
      throw err;
    }
  }

  #argsFor(port: number): string[] {
    return [
      '--port',
      String(port),
      '--bind',
      HOST,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--enable-debug-command',
      'local',
      '--loglevel',
      'warning',
      // A daemonizing server would detach from the pid we track.
      '--daemonize',
      'no',
      ...this.#extraArgs,
    ];
  }

  async #awaitReady(proc: RedisProcess, port: number, deadline: number): Promise<void> {
    let lastError: unknown;
    for (;;) {
      if (!proc.running) throw await startupFailure(proc, port);
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        const reason = lastError instanceof Error ? lastError.message : String(lastError);
        throw new Error(
          `redis-server (pid ${proc.pid}) did not answer PING on port ${port} within ` +
            `${this.#readyTimeoutMs} ms (last probe: ${reason})\n--- server log ---\n${await proc.logTail()}`,
          { cause: lastError },
        );
      }
      try {
        await this.#probe(proc, port, remaining);
        return;
      } catch (err) {
        // A server that answers with an error is up but misconfigured for us (e.g. WRONGPASS):
        // waiting will not help. LOADING is the one transient error reply.
        if (err instanceof PortInUseError || (err instanceof RespError && err.code !== 'LOADING')) throw err;
        lastError = err;
      }
      // Wake early if the process dies: a bad argument should fail in milliseconds.
      await Promise.race([sleep(READY_POLL_MS), proc.exited]);
    }
  }

  /** Resolves if `proc` answers PING on `port`; rejects with the reason otherwise. */
  async #probe(proc: RedisProcess, port: number, remainingMs: number): Promise<void> {
    const timeoutMs = Math.max(1, Math.min(remainingMs, 1000));
    const client = await RespClient.connect({
      port,
      host: HOST,
      connectTimeoutMs: timeoutMs,
      commandTimeoutMs: timeoutMs,
      auth: this.#auth,
    });
    try {
      const pong = await client.send(['PING']);
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(pong)}`);
      // Make sure it is *our* process answering: a server of a parallel test may have won the
      // race for this port while ours failed to bind.
      const info = await client.send(['INFO', 'server']).catch((err: unknown) => {
        // An ACL setup may deny INFO; then our process being alive is the best evidence left.
        if (err instanceof RespError && err.code === 'NOPERM') return undefined;
        throw err;
      });
      const answeringPid = info === undefined ? proc.pid : Number(/^process_id:(\d+)/m.exec(String(info))?.[1]);
      if (answeringPid !== proc.pid || !proc.running) {
        throw new PortInUseError(`port ${port} is answered by pid ${answeringPid}, not by our redis-server ${proc.pid}`);
      }
    } finally {
      client.destroy();
    }
  }
}

async function startupFailure(proc: RedisProcess, port: number): Promise<Error> {
  const log = await proc.logTail();
  if (log.includes('Address already in use')) return new PortInUseError(`port ${port} is already in use:\n${log}`);
  const how = proc.exit?.signal ? `signal ${proc.exit.signal}` : `code ${proc.exit?.code}`;
  return new Error(`redis-server (pid ${proc.pid}) exited with ${how} during startup\n--- server log ---\n${log}`);
}

function requirePassFrom(args: readonly string[]): RespAuth | undefined {
  const index = args.lastIndexOf('--requirepass');
  const password = index === -1 ? undefined : args[index + 1];
  return password ? { password } : undefined;
}
