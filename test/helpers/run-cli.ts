import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackChild, untrackChild } from './child-reaper.js';
import { testEngine } from './kit.js';
import { withTimeout } from './wait-for.js';

/**
 * Runs the CLI the way a user does: `node bin/redis-kit.js …` from the package root, as its own
 * process, against the compiled build/src/. Tests of the CLI go through here so that exit codes,
 * stdout / stderr separation and "no stack trace" are checked on the real thing.
 */

/** The package root: this file runs from build/test/helpers/. */
export const CLI_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../../bin/redis-kit.js', import.meta.url));

/** For a CLI that talks to a real server: the engine under test, so `REDIS_ENGINE=ioredis npm test` reaches it. */
export const ENGINE_ENV: Readonly<Record<string, string>> = { REDIS_ENGINE: testEngine };

/** An environment with nothing but PATH and `vars`, so a developer's REDIS_* (or PORT) cannot leak in. */
export function cliEnv(vars: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', ...vars };
}

/** CLI processes still running; {@link killCliChildren} ends them (by pid). */
const running = new Set<ChildProcess>();

/**
 * Spawns the CLI with piped stdout / stderr (not a terminal: no progress bar, no colours). The
 * child is also registered with the exit-time reaper, so a failed test cannot leak it.
 */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: CLI_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid !== undefined) {
    trackChild(pid);
    running.add(child);
    child.once('exit', () => {
      untrackChild(pid);
      running.delete(child);
    });
  }
  return child;
}

/** SIGKILLs (by pid) every CLI process this file started that is still running. For `after` hooks. */
export function killCliChildren(): void {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/** Resolves with the exit code (or signal) once the child has exited. */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Safety net for a CLI that never exits. Default 10000. */
  timeoutMs?: number;
}

/** Runs the CLI to completion and returns its exit code and everything it wrote. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv, options: RunCliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close' rather than 'exit': the pipes are drained by then.
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const code = await withTimeout(closed, options.timeoutMs ?? 10_000, `redis-kit ${args.join(' ')} to exit`).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\nstdout: ${stdout}\nstderr: ${stderr}`, { cause: error });
  });
  return { code, stdout, stderr };
}

/** The result as text for an assertion message. */
export function describeRun(result: CliResult): string {
  return `exit ${String(result.code)}\n--- stdout:\n${result.stdout}\n--- stderr:\n${result.stderr}`;
}
