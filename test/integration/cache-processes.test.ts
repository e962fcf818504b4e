import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { type RedisServer, startRedis, withTimeout } from '../helpers/index.js';

const WORKER = fileURLToPath(new URL('./fixtures/cache-wrap-worker.js', import.meta.url));
const PROCESSES = 3;
const ROUNDS = 5;

interface Result {
  type: 'result' | 'error';
  key: string;
  value?: { loadedBy: number };
  message?: string;
  stats?: { loaderCalls: number; lockWaits: number; lockTimeouts: number };
}

/** The next message of a given type from a child (its 'ready', or its result for a key). */
function nextMessage<T extends { type: string; key?: string }>(child: ChildProcess, match: (m: T) => boolean): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (!match(message)) return;
      cleanup();
      resolve(message);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`worker ${child.pid} exited with ${code} before answering`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

describe('cache: wrap() across processes', () => {
  let server: RedisServer;
  const workers: ChildProcess[] = [];
  before(async () => {
    server = await startRedis();
    for (let i = 0; i < PROCESSES; i++) {
      const child = fork(WORKER, [server.url], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      workers.push(child);
    }
    await withTimeout(Promise.all(workers.map((w) => nextMessage(w, (m) => m.type === 'ready'))), 10_000, 'workers to connect');
  });
  after(async () => {
    await Promise.all(
      workers.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.send({ type: 'exit' });
        await withTimeout(exited, 5000, `worker ${child.pid} to exit`).catch(() => child.kill('SIGKILL'));
      }),
    );
    await server.stop();
  });

  it(`${PROCESSES} processes missing one key at once: the loader runs once (never ${PROCESSES} times), all get its value`, async () => {
    const loaderCounts: number[] = [];
    let totalWaits = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const key = `hot-${round}`;
      const results = workers.map((w) => nextMessage<Result>(w, (m) => m.key === key));
      // All misses land within a few ms of each other: the lock decides.
      for (const child of workers) child.send({ type: 'go', key, loaderMs: 300 });
      const answers = await withTimeout(Promise.all(results), 15_000, `round ${round}`);
      for (const answer of answers) assert.equal(answer.type, 'result', answer.message);
      const calls = Number(await server.command('GET', `loader-calls:${key}`));
      loaderCounts.push(calls);
      // Documented race (docs/cache.md): only a lock that expires or a wait that
      // runs out lets a second process load; with these timings neither happens.
      assert.ok(calls >= 1 && calls <= 2, `round ${round}: loader called ${calls} times`);
      if (calls === 1) {
        const loaders = new Set(answers.map((a) => a.value?.loadedBy));
        assert.equal(loaders.size, 1, 'every process got the one loaded value');
      }
      // Stats are per process and cumulative: after the last round they hold every wait.
      totalWaits = answers.reduce((sum, a) => sum + (a.stats?.lockWaits ?? 0), 0);
    }
    // With the lock extended while loading and a re-read after taking it, no
    // interleaving of these processes loads twice.
    assert.deepEqual(loaderCounts, Array(ROUNDS).fill(1), `loader calls per round: ${loaderCounts.join(', ')}`);
    assert.ok(totalWaits >= ROUNDS, `processes waited for another's lock (${totalWaits} waits)`);
  });
});
