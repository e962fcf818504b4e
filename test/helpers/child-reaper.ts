import { rmSync } from 'node:fs';
import { hasErrorCode } from './errno.js';

/**
 * Last line of defence against leaked redis-server processes and temp dirs: whatever a test
 * forgot to stop is SIGKILLed (by pid) and removed when the test process exits.
 *
 * Servers are spawned unref'ed, so a test file that forgets `stop()` still lets its process
 * exit — which runs the 'exit' hook below — instead of hanging until the runner's timeout.
 */

interface TrackedChild {
  paused: boolean;
}

const children = new Map<number, TrackedChild>();
const tempDirs = new Set<string>();
const FATAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let hooksInstalled = false;

/** Registers a live child process to be killed at exit. */
export function trackChild(pid: number): void {
  installHooks();
  children.set(pid, { paused: false });
}

/** Records whether the child is SIGSTOPped, so the exit hook can SIGCONT it first. */
export function setChildPaused(pid: number, paused: boolean): void {
  const child = children.get(pid);
  if (child) child.paused = paused;
}

/** Forgets a child that has exited (its pid may be reused from now on). */
export function untrackChild(pid: number): void {
  children.delete(pid);
}

/** Registers a temp dir to be removed at exit. */
export function trackTempDir(dir: string): void {
  installHooks();
  tempDirs.add(dir);
}

/** Forgets a temp dir that its owner removed. */
export function untrackTempDir(dir: string): void {
  tempDirs.delete(dir);
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', cleanUpSync);
  for (const signal of FATAL_SIGNALS) process.on(signal, onFatalSignal);
}

/**
 * A signal that would kill this process by default skips the 'exit' hook, so clean up first and
 * then re-raise it to die the default way. If some other code also listens for the signal, it
 * owns the process's fate: stay out of the way (the 'exit' hook still runs if it exits).
 */
function onFatalSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) return;
  cleanUpSync();
  process.removeListener(signal, onFatalSignal);
  process.kill(process.pid, signal);
}

/** Synchronous because it runs inside process 'exit', where no further event-loop turn happens. */
function cleanUpSync(): void {
  for (const [pid, child] of children) {
    // SIGKILL would end a stopped process too; SIGCONT first keeps the state transitions the
    // same as a regular stop() so nothing lingers in the stopped state if SIGKILL is refused.
    if (child.paused) signalIfAlive(pid, 'SIGCONT');
    signalIfAlive(pid, 'SIGKILL');
  }
  children.clear();
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      // Can't throw from an exit hook; report it so the leftover dir is not a mystery.
      console.error(`redis-kit test helpers: could not remove ${dir}:`, err);
    }
  }
  tempDirs.clear();
}

function signalIfAlive(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    // ESRCH: the child died on its own before we got to it, which is what we wanted anyway.
    if (!hasErrorCode(err, 'ESRCH')) console.error(`redis-kit test helpers: ${signal} to pid ${pid} failed:`, err);
  }
}
