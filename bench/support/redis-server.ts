/**
 * The redis-server a benchmark owns: started on a free port with no persistence, stopped when the
 * benchmark is done, and killed if the process exits or is interrupted first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** The address every benchmark server listens on, and every client connects to. */
export const HOST = '127.0.0.1';

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Prefix of the server's temporary working directory. Default `redis-kit-bench-`. */
  dirPrefix?: string;
}

/** A running redis-server started by {@link startRedisServer}. */
export interface BenchRedisServer {
  readonly host: string;
  readonly port: number;
  /** Its process id (for `/proc/<pid>/stat` and the `INFO process_id` check). */
  readonly pid: number | undefined;
  /** SIGTERM (SIGKILL after 3 s), wait for it to exit, remove its directory. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL without waiting, and remove its directory. Idempotent. */
  kill(): void;
}

const live = new Set<BenchRedisServer>();

// Last resort when the script dies: no redis-server is left behind.
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(130);
  });
}

function killAll(): void {
  for (const server of live) server.kill();
}

/**
 * Starts `redis-server` (the binary named by `REDIS_SERVER`, default from PATH) on a free port of
 * {@link HOST}, `--save '' --appendonly no`, and waits until it answers PING. Tries another port
 * when another process took the probed one first.
 */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<BenchRedisServer> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(HOST);
    const dir = mkdtempSync(join(tmpdir(), options.dirPrefix ?? 'redis-kit-bench-'));
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let gone: Error | 'exited' | undefined;
    child.once('exit', () => {
      gone ??= 'exited';
    });
    child.once('error', (error) => {
      gone ??= error;
    });
    let ready: boolean;
    try {
      ready = await waitForPing(port, 10_000, () => gone !== undefined);
    } catch (error) {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    if (ready) {
      const server = owned(port, child, dir);
      live.add(server);
      return server;
    }
    rmSync(dir, { recursive: true, force: true });
    if (gone instanceof Error) throw new Error(`cannot start ${binary}: ${gone.message}`);
    // Another process took the port between our probe and redis-server's bind: try another.
    if (/address already in use/i.test(output) && attempt < 5) continue;
    throw new Error(`redis-server exited before answering PING:\n${output}`);
  }
}

function owned(port: number, child: ChildProcess, dir: string): BenchRedisServer {
  const server: BenchRedisServer = {
    host: HOST,
    port,
    pid: child.pid,
    async stop() {
      if (!live.delete(server)) return;
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        process.kill(child.pid, 'SIGTERM');
        const timer = setTimeout(() => {
          if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
        }, 3000);
        await exited;
        clearTimeout(timer);
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
    kill() {
      if (!live.delete(server)) return;
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** True once the server answers PING; false if it went away first (`gone`); throws on timeout. */
async function waitForPing(port: number, timeoutMs: number, gone: () => boolean): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (gone()) return false;
    if (await pingOnce(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
