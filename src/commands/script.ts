import { createHash } from 'node:crypto';
import type { CommandSink } from './install-commands.js';
import { InvalidArgumentError, ReplyError } from '../errors.js';

export interface ScriptDefinition {
  /** The Lua source. */
  lua: string;
  /**
   * How many of the arguments given to `run` are keys. Fixed here so keys are
   * always passed as KEYS (and get the key prefix, and route in a cluster).
   */
  numberOfKeys: number;
  /** A name for errors and traces; defaults to the first 8 hex digits of the SHA1. */
  name?: string;
}

/**
 * A Lua script as typed data: its SHA1 is computed once, it runs by EVALSHA,
 * and when the server does not know it (NOSCRIPT, e.g. after SCRIPT FLUSH or
 * a failover) it runs once by EVAL, which also loads it for next time.
 */
export class Script<Result = unknown> {
  readonly lua: string;
  readonly sha1: string;
  readonly numberOfKeys: number;
  readonly name: string;

  constructor(definition: ScriptDefinition) {
    if (!Number.isInteger(definition.numberOfKeys) || definition.numberOfKeys < 0) {
      throw new InvalidArgumentError(`numberOfKeys must be a whole number ≥ 0, got ${definition.numberOfKeys}`);
    }
    this.lua = definition.lua;
    this.numberOfKeys = definition.numberOfKeys;
    this.sha1 = createHash('sha1').update(definition.lua).digest('hex');
    this.name = definition.name ?? this.sha1.slice(0, 8);
  }

  /** Runs on `target` (the client, or a leased connection). */
  async run(target: CommandSink, keys: readonly (string | Buffer)[], args: readonly (string | Buffer | number)[] = []): Promise<Result> {
    if (keys.length !== this.numberOfKeys) {
      throw new InvalidArgumentError(`script ${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    }
    const tail = [keys.length, ...keys, ...args];
    try {
      return (await target.sendCommand('evalsha', [this.sha1, ...tail])) as Result;
    } catch (error) {
      if (!(error instanceof ReplyError && error.prefix === 'NOSCRIPT')) throw error;
      return (await target.sendCommand('eval', [this.lua, ...tail])) as Result;
    }
  }
}
