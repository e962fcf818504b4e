/**
 * Runs the doctor's checks in order. The network checks come first; when one
 * fails, the checks that need a connection are not attempted (they would
 * only repeat the failure as timeouts).
 */

import { RedisClient } from '../../client/client.js';
import type { Env } from '../../config/read-field.js';
import { describeTarget } from '../../config/redact.js';
import { AuthError } from '../../errors.js';
import { checkAcl } from './acl-check.js';
import { type CheckResult, describeError, fail, warn } from './check.js';
import { checkDns, checkTcp, checkTls, dialTargets } from './network-checks.js';
import {
  checkLatency,
  checkMaxClients,
  checkMemory,
  checkPersistence,
  checkTopology,
  checkTracking,
  checkVersion,
  parseInfo,
} from './server-checks.js';

export interface DoctorOptions {
  env: Env;
  /** Processes sharing the server, for the maxclients check. */
  processes: number;
  /** Called with each result as it is known, so lines appear as the checks run. */
  onResult?: (result: CheckResult) => void;
  /** Values that must never be printed are passed here as soon as the configuration is read. */
  onSecrets?: (secrets: readonly (string | undefined)[]) => void;
}

export interface DoctorReport {
  target: string;
  ok: boolean;
  checks: CheckResult[];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check against the configuration in `options.env`. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const client = new RedisClient({ env: { ...options.env } });
  const config = client.options;
  options.onSecrets?.([config.password, config.sentinelPassword]);
  const checks: CheckResult[] = [];
  const add = (result: CheckResult) => {
    checks.push(result);
    options.onResult?.(result);
    return result.status !== 'fail';
  };
  const target = describeTarget(config);
  try {
    if (config.mode === 'memory') {
      add(warn('mode', 'REDIS_URL is memory://: no Redis server to check', 'set REDIS_URL to the server the service will use'));
      return { target, ok: true, checks };
    }
    const nodes = dialTargets(config);
    const timeoutMs = config.connectTimeoutMs;
    if (!add(await checkDns(nodes))) return done(target, checks);
    if (!add(await checkTcp(nodes, timeoutMs))) return done(target, checks);
    if (!add(await checkTls(config, nodes, timeoutMs))) return done(target, checks);
    try {
      // connect() authenticates every lane: a wrong password surfaces here, as an AuthError.
      await withTimeout(client.connect(), timeoutMs * 2 + 1000, 'connecting');
      add({
        name: 'auth',
        status: 'pass',
        detail: config.password === undefined ? 'no password configured; connected' : `authenticated as ${config.username ?? 'default'}`,
      });
    } catch (error) {
      if (error instanceof AuthError) {
        add(fail('auth', describeError(error), 'check REDIS_PASSWORD / REDIS_USERNAME (or the credentials in REDIS_URL)'));
      } else {
        add(fail('connect', describeError(error), 'check that this is a Redis server and that it accepts connections'));
      }
      return done(target, checks);
    }
    const info = parseInfo(String(await client.sendCommand('info', ['everything'])));
    add(await checkAcl(client, config.keyPrefix));
    add(await checkLatency(client));
    add(checkVersion(info));
    add(checkMemory(info));
    add(await checkPersistence(client, info));
    add(await checkMaxClients(client, info, client.stats().connections.maxPerNode, options.processes));
    add(await checkTopology(client, info, config));
    add(checkTracking(info));
    return done(target, checks);
  } catch (error) {
    add(fail('doctor', `a check could not complete: ${describeError(error)}`, 'rerun doctor; if it persists, report it'));
    return done(target, checks);
  } finally {
    await client.close({ deadlineMs: 1000 });
  }
}

function done(target: string, checks: CheckResult[]): DoctorReport {
  return { target, ok: checks.every((check) => check.status !== 'fail'), checks };
}
