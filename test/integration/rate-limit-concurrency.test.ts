import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RateLimitAlgorithm } from '../../src/rate-limit/index.js';
import { once, type RedisServer, startRedis } from '../helpers/index.js';

const WORKER = fileURLToPath(new URL('./rate-limit-worker.js', import.meta.url));

interface Done {
  type: 'done';
  allowed: number;
  denied: number;
  sources: Record<string, number>;
}

/** Forks a worker and resolves once it has connected and said so. */
async function startWorker(args: string[], children: ChildProcess[]): Promise<ChildProcess> {
  // execArgv: [] — the child must not inherit the test runner's flags.
  const child = fork(WORKER, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const [message] = (await once(child, 'message', 15_000)) as [{ type: string }];
  assert.equal(message.type, 'ready');
  return child;
}

function result(child: ChildProcess): Promise<Done> {
  return new Promise((resolve, reject) => {
    child.on('message', (message: Done) => {
      if (message.type === 'done') resolve(message);
    });
    child.once('exit', (code, signal) => reject(new Error(`worker ${child.pid} exited (${code ?? signal}) before reporting`)));
  });
}

describe('rate limiter: exact under concurrency, across processes', () => {
  let server: RedisServer;
  const children: ChildProcess[] = [];
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await server.stop();
  });

  // Windows far longer than the test, so "one window" covers all attempts: the token
  // bucket refills 100 tokens per hour, under 0.1 token during the run. The sliding
  // window counter's windows are aligned to the clock, so a run may straddle a
  // boundary; an hour-long window keeps that exact too: the previous window's 100
  // units weigh more than 99 for the first 36 s of the next one, so not one more
  // unit fits.
  const cases: [RateLimitAlgorithm, number][] = [
    ['sliding-window', 3_600_000],
    ['sliding-log', 60_000],
    ['fixed-window', 60_000],
    ['token-bucket', 3_600_000],
  ];
  for (const [algorithm, windowMs] of cases) {
    it(`${algorithm}: 2 processes × 400 attempts on one key allow exactly the limit (100) between them`, async () => {
      const limit = 100;
      const args = [server.url, algorithm, String(limit), String(windowMs), `hot:${algorithm}`, '400', '25'];
      const workers = await Promise.all([startWorker(args, children), startWorker(args, children)]);
      const outcomes = workers.map(result);
      for (const worker of workers) worker.send({ type: 'go' });
      const [a, b] = (await Promise.all(outcomes)) as [Done, Done];
      assert.deepEqual(a.sources, { redis: 400 }, 'every answer came from Redis');
      assert.deepEqual(b.sources, { redis: 400 });
      assert.equal(a.allowed + b.allowed, limit, `allowed ${a.allowed} + ${b.allowed}`);
      assert.equal(a.denied + b.denied, 800 - limit);
      if (algorithm === 'sliding-log') {
        assert.equal(await server.command('LLEN', 'rl:sw:hot%3Asliding-log'), '100', 'one log entry per unit granted');
      }
      if (algorithm === 'sliding-window') {
        const [current, previous] = (await server.call('HMGET', 'rl:sc:hot%3Asliding-window', 'c', 'p')) as string[];
        assert.equal(Number(current) + Number(previous ?? 0), limit, 'two counters hold every unit granted');
        assert.ok(Number(await server.command('PTTL', 'rl:sc:hot%3Asliding-window')) > 0, 'the key has a TTL');
      }
    });
  }
});
