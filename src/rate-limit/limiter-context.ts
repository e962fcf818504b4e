import type { RedisClient } from '../client/client.js';
import type { CommandSink } from '../commands/install-commands.js';
import { Availability } from '../fallback/availability.js';
import { FallbackPolicy } from '../fallback/fallback-policy.js';
import type { Script } from '../commands/script.js';
import { MemoryLimiter } from './memory-limiter.js';
import type { FailMode, RateLimitAlgorithm, ResolvedRateLimiterOptions } from './options.js';
import { KEY_TAGS, luaSource, type ScriptReply } from './scripts.js';

/**
 * What a limiter and every limiter derived from it (`withRule`) share: the
 * client, the script, one availability view and one in-process fallback.
 * The root limiter owns it and disposes it when it closes.
 */
export class LimiterContext {
  readonly redis: RedisClient;
  readonly algorithm: RateLimitAlgorithm;
  readonly failMode: FailMode;
  readonly recoverAfterMs: number;
  /** `<prefix>:<algorithm tag>`; the start of every key. */
  readonly namespace: string;
  readonly script: Script<ScriptReply>;
  /** Sends the script with this limiter's own deadline, when it has one. */
  readonly sink: CommandSink;
  readonly availability: Availability;
  readonly memory: MemoryLimiter;
  /** Every failMode answers an unreachable Redis, so the policy always has a fallback. */
  readonly policy = new FallbackPolicy(true);
  #disposed = false;

  constructor(redis: RedisClient, options: ResolvedRateLimiterOptions) {
    this.redis = redis;
    this.algorithm = options.algorithm;
    this.failMode = options.failMode;
    this.recoverAfterMs = options.recoverAfterMs;
    this.namespace = `${options.prefix}:${KEY_TAGS[options.algorithm]}`;
    this.script = redis.defineScript<ScriptReply>({
      lua: luaSource(options.algorithm),
      numberOfKeys: 1,
      name: `rate-limit:${options.algorithm}`,
    });
    const { timeoutMs } = options;
    this.sink = timeoutMs === undefined ? redis : { sendCommand: (name, args) => redis.sendCommand(name, args, { timeoutMs }) };
    const memoryMode = redis.options.mode === 'memory';
    this.availability = new Availability(redis, { recoverAfterMs: options.recoverAfterMs, memoryMode });
    this.memory = new MemoryLimiter({ algorithm: options.algorithm, maxKeys: options.memoryMaxKeys });
  }

  /** memory:// has no Redis to fail: the in-process limiter is the limiter, whatever failMode says. */
  get memoryMode(): boolean {
    return this.redis.options.mode === 'memory';
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.availability.dispose();
  }
}
