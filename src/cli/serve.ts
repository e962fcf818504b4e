import { once } from 'node:events';
import { type Logger, pino } from 'pino';
import { RedisKit } from '../services/redis-kit.js';
import { describeTarget } from '../config/redact.js';
import { RedisKitError } from '../errors.js';
import { createApp } from '../server/create-app.js';
import { shutdown } from '../server/shutdown.js';

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
  const { app, state } = await createApp({ redis, sessionSecret: sessionSecret(options.env, log) });
  const listenPort = options.port ?? Number(options.env.PORT ?? 3000);
  const listenHost = options.host ?? options.env.HOST ?? '127.0.0.1';
  let url: string;
  try {
    url = await app.listen({ port: listenPort, host: listenHost });
  } catch (error) {
    // A port in use or not ours to bind is an operator's mistake, not a bug: one line saying
    // where, no stack trace, and exit code 1 (2 stays for configuration errors).
    const code = (error as NodeJS.ErrnoException).code ?? 'ERR_UNKNOWN';
    log.error({ code }, `cannot listen on ${listenHost}:${listenPort}: ${error instanceof Error ? error.message : String(error)}`);
    await app.close();
    await redis.close({ deadlineMs: 1000 });
    return 1;
  }
  log.info(`redis-kit reference service on ${url} (dashboard: /, health: /health, /health/live, /health/ready)`);

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
  return shutdown({ app, state, redis, log, signal });
}

/** SESSION_SECRET when it is long enough; else a random one, said once (sessions then end with the process). */
function sessionSecret(env: Record<string, string | undefined>, log: Logger): string | undefined {
  const secret = env.SESSION_SECRET;
  if (secret !== undefined && secret.length >= 32) return secret;
  // Info, not a warning: a development run without a secret is normal, and warnings stay for Redis trouble.
  log.info(
    secret === undefined
      ? 'SESSION_SECRET is not set: using a random one; sessions end when the process does'
      : 'SESSION_SECRET is shorter than 32 characters: using a random one; sessions end when the process does',
  );
  return undefined;
}
