import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { setChildPaused, trackChild, untrackChild } from './child-reaper.js';
import { hasErrorCode } from './errno.js';
import { TimeoutError, waitFor, withTimeout } from './wait-for.js';

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Upper bound for a process to vanish after SIGKILL; beyond it something is badly wrong. */
const KILL_TIMEOUT_MS = 5000;
const HAS_PROC = existsSync('/proc/self/stat');

/**
 * One spawned `redis-server` process. Signals always go to its pid, never to a process name.
 * Output (stdout and stderr) is appended to a log file rather than piped, so a chatty server
 * can never block on a full pipe and no pipe handle keeps the test process alive.
 */
export class RedisProcess {
  readonly pid: number;
  /** Resolves when the process has exited (and been reaped). */
  readonly exited: Promise<ProcessExit>;
  readonly #logPath: string;
  /** Where this process's output starts in the log shared by restarts. */
  readonly #logOffset: number;
  #exit: ProcessExit | undefined;
  #paused = false;

  private constructor(child: ChildProcess, pid: number, logPath: string, logOffset: number) {
    this.pid = pid;
    this.#logPath = logPath;
    this.#logOffset = logOffset;
    trackChild(pid);
    // Lifetime is managed explicitly (stop() or the exit hook), not by the event loop.
    child.unref();
    this.exited = new Promise<ProcessExit>((resolve) => {
      child.once('exit', (code, signal) => {
        // Set synchronously with the reap so `running` can never report a reusable pid.
        const exit = { code, signal };
        this.#exit = exit;
        untrackChild(pid);
        resolve(exit);
      });
    });
  }

  /** Spawns `redis-server args…`; resolves once the process exists (not once it is ready). */
  static async spawn(args: readonly string[], logPath: string): Promise<RedisProcess> {
    const log = await open(logPath, 'a');
    try {
      const logOffset = (await log.stat()).size;
      const child = spawn('redis-server', args, { stdio: ['ignore', log.fd, log.fd] });
      // Every listener goes on before the next await: a server that rejects its arguments exits
      // within a millisecond, and an 'exit' emitted while nobody listens is lost for good.
      const spawned = once(child, 'spawn'); // rejects on 'error', e.g. ENOENT without redis-server
      const instance = child.pid === undefined ? undefined : new RedisProcess(child, child.pid, logPath, logOffset);
      await spawned;
      if (instance === undefined) throw new Error('redis-server was spawned without a pid');
      return instance;
    } finally {
      // The child got its own copy of the descriptor at fork time.
      await log.close();
    }
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** True between pause() and resume(). */
  get paused(): boolean {
    return this.#paused && this.running;
  }

  /** The exit status, once exited. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** SIGSTOP; resolves once the kernel reports the process as stopped. */
  async pause(): Promise<void> {
    if (!this.#signal('SIGSTOP')) return;
    this.#paused = true;
    setChildPaused(this.pid, true);
    await this.#awaitStopped(true);
  }

  /** SIGCONT; resolves once the process is running again. */
  async resume(): Promise<void> {
    if (!this.#signal('SIGCONT')) return;
    this.#paused = false;
    setChildPaused(this.pid, false);
    await this.#awaitStopped(false);
  }

  /** SIGKILL and wait for the exit. */
  async kill(): Promise<void> {
    if (this.#signal('SIGKILL')) this.#paused = false;
    await withTimeout(this.exited, KILL_TIMEOUT_MS, `redis-server pid ${this.pid} to exit after SIGKILL`);
  }

  /** SIGCONT + SIGTERM (a graceful shutdown), then SIGKILL if still alive after `graceMs`. */
  async terminate(graceMs = 2000): Promise<void> {
    if (!this.running) return;
    this.#signal('SIGCONT');
    this.#paused = false;
    this.#signal('SIGTERM');
    try {
      await withTimeout(this.exited, graceMs, `redis-server pid ${this.pid} to exit after SIGTERM`);
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
      await this.kill();
    }
  }

  /** This process's output so far (at most the last `maxBytes`). */
  async logTail(maxBytes = 8192): Promise<string> {
    const text = (await readFile(this.#logPath)).subarray(this.#logOffset);
    return text.subarray(Math.max(0, text.length - maxBytes)).toString('utf8');
  }

  /** Sends `signal`; false if the process is already gone. */
  #signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch (err) {
      // ESRCH: died a moment ago, its 'exit' event is still queued. The pid is not reaped (so not
      // reusable) until that event is processed, which makes this check race-free.
      if (hasErrorCode(err, 'ESRCH')) return false;
      throw err;
    }
  }

  /**
   * Signal delivery is asynchronous; a test that pauses a server and immediately sends a
   * command must not race a still-running process. Linux exposes the state in /proc.
   */
  async #awaitStopped(stopped: boolean): Promise<void> {
    if (!HAS_PROC) return;
    await waitFor(
      async () => {
        if (!this.running) return true;
        const stat = await readFile(`/proc/${this.pid}/stat`, 'utf8').catch((err: unknown) => {
          // The process may exit while we look; the `running` check above settles it next round.
          if (hasErrorCode(err, 'ENOENT')) return undefined;
          throw err;
        });
        // Format: "pid (comm) STATE ..."; comm may contain spaces or parentheses.
        const state = stat?.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        return stat === undefined || (state === 'T') === stopped;
      },
      { timeoutMs: 2000, intervalMs: 1, what: `pid ${this.pid} to be ${stopped ? 'stopped' : 'running'}` },
    );
  }
}
