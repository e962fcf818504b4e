import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { RedisKit } from '../services/redis-kit.js';
import { describeTarget } from '../config/redact.js';
import { RedisKitError } from '../errors.js';
import { createReferenceServer } from '../server/reference-server.js';

export interface ServeOptions {
  env: Record<string, string | undefined>;
  /** HTTP port; env PORT, default 3000. */
  port?: number;
  host?: string;
}

/**
 * `redis-kit serve`: the reference service. It starts whether or not Redis
 * is there, says in one line where it looked when it is not, and logs again
 * when Redis comes back; SIGINT/SIGTERM close it gracefully.
 */
export async function serve(options: ServeOptions): Promise<number> {
  const log = pino({ name: 'redis-kit' });
  const redis = new RedisKit({ env: options.env });
  const target = describeTarget(redis.options);
  let down = false;
  redis.on('ready', () => {
    if (down) log.info({ target }, `Redis is reachable again at ${target}; leaving degraded mode`);
    down = false;
  });
  redis.on('unavailable', (error) => {
    if (down) return;
    down = true;
    log.warn(
      { target, code: error.code },
      `Redis unavailable: ${error.message}; serving degraded on the in-memory fallbacks and retrying in the background`,
    );
  });

  // Listen for the stop signals first: a SIGTERM that arrives while Redis is
  // still being connected to must close gracefully too.
  const stopSignal = Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(([signal]) => signal as NodeJS.Signals);
  const server = createReferenceServer(redis);
  const listenPort = options.port ?? Number(options.env.PORT ?? 3000);
  const listenHost = options.host ?? options.env.HOST ?? '127.0.0.1';
  server.listen(listenPort, listenHost);
  try {
    await once(server, 'listening');
  } catch (error) {
    // A port in use or not ours to bind is an operator's mistake, not a bug: one line saying
    // where, no stack trace, and exit code 1 (2 stays for configuration errors).
    const code = (error as NodeJS.ErrnoException).code ?? 'ERR_UNKNOWN';
    log.error({ code }, `cannot listen on ${listenHost}:${listenPort}: ${error instanceof Error ? error.message : String(error)}`);
    await redis.close({ deadlineMs: 1000 });
    return 1;
  }
  const { address, port } = server.address() as AddressInfo;
  log.info(`redis-kit reference service on http://${address}:${port} (health: /health, /health/live, /health/ready)`);

  if (redis.options.mode === 'memory') {
    log.info('REDIS_URL is memory://: no Redis; services run on their in-memory fallbacks');
  } else {
    const connected = redis.connect().then(
      (report) => ({ report }),
      (error: unknown) => ({ error }),
    );
    const outcome = await Promise.race([connected, stopSignal.then(() => undefined)]);
    if (outcome !== undefined && 'report' in outcome) {
      const { report } = outcome;
      log.info(
        { target, version: report.serverVersion, latencyMs: Number(report.latencyMs.toFixed(2)) },
        `connected to Redis ${report.serverVersion} at ${target}`,
      );
    } else if (outcome !== undefined) {
      const { error } = outcome;
      if (!down) {
        down = true;
        const code = error instanceof RedisKitError ? error.code : 'ERR_UNKNOWN';
        log.warn(
          { target, code },
          `Redis unreachable: ${error instanceof Error ? error.message : String(error)}; serving degraded on the in-memory fallbacks and retrying in the background`,
        );
      }
    }
  }

  const signal = await stopSignal;
  log.info({ signal }, 'shutting down');
  server.close();
  await redis.close({ deadlineMs: 5000 });
  return 0;
}
