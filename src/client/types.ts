import type { RedisKitOptions } from '../config/options.js';
import type { RedisKitError } from '../errors.js';
import type { LatencyThresholdsMs } from '../observability/latency-class.js';
import type { Clock } from '../pool/clock.js';
export type { LeaseOptions } from '../lease/lease-options.js';
export type { CloseOptions } from '../lifecycle/lifecycle.js';

export interface CreateRedisOptions extends RedisKitOptions {
  /** Environment to read `REDIS_*` from. Default `process.env`; pass `{}` to ignore it. */
  env?: Record<string, string | undefined>;
  /**
   * Shorthand for {@link RedisKitOptions.writeConcernReplicas} and
   * {@link RedisKitOptions.writeConcernTimeoutMs}: writes on the client wait
   * (`WAIT`) until `replicas` replicas confirmed them, within `timeoutMs`,
   * else fail with `WriteConcernError`. Giving this and the flat options
   * together is refused with ConfigError.
   */
  writeConcern?: { replicas: number; timeoutMs?: number };
  /** @internal Time source for pool ageing; tests inject one. */
  clock?: Clock;
}

export interface SendOptions {
  /** Reply as Buffers instead of strings. */
  buffer?: boolean;
  /**
   * This command's deadline (queued + on the wire) in ms, overriding
   * commandTimeoutMs. A finite number ≥ 0: NaN, Infinity, a negative number
   * or a string is refused with InvalidArgumentError.
   */
  timeoutMs?: number;
}

export interface ClientEvents {
  /** Redis is reachable: the first lane is up, at start or after every lane was down. */
  ready: [];
  /** The breaker opened: commands now fail at once. `error` says why (never contains secrets). */
  unavailable: [error: RedisKitError];
}

/** Options of `client.health()`. */
export interface HealthOptions {
  /**
   * Also read the server's facts (INFO) and run a SET/GET/DEL of a
   * throwaway key (`redis-kit:health:<random>` under the key prefix, with a
   * short PX TTL). Costs a few commands: keep it off for frequent probes.
   * Default false.
   */
  deep?: boolean;
  /** Deadline of each check, ms: a finite number ≥ 0. Default 1000. */
  timeoutMs?: number;
  /** Upper bounds of the PING latency classes; see {@link LatencyThresholdsMs}. Default 1 / 5 / 20 / 100 ms. */
  latencyThresholdsMs?: LatencyThresholdsMs;
}
