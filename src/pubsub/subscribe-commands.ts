import { classifyError, isReplyError } from '../engine/classify-error.js';
import type { Engine } from '../engine/engine.js';
import type { RedisKitError } from '../errors.js';

/** Names per command, so subscribing thousands of channels is not one giant write. */
const NAMES_PER_COMMAND = 1000;

/** Names Redis refused in a round, each with its reply error. */
export interface Refusals {
  readonly channels: ReadonlyMap<string, RedisKitError>;
  readonly patterns: ReadonlyMap<string, RedisKitError>;
}

/** SUBSCRIBE / PSUBSCRIBE these names; rejects with the engine's error. */
export function sendSubscribe(engine: Engine, channels: readonly string[], patterns: readonly string[]): Promise<void> {
  return sendAll(engine, [...commands('subscribe', channels), ...commands('psubscribe', patterns)]);
}

/** UNSUBSCRIBE / PUNSUBSCRIBE these names (never a bare UNSUBSCRIBE, which means all). */
export function sendUnsubscribe(engine: Engine, channels: readonly string[], patterns: readonly string[]): Promise<void> {
  return sendAll(engine, [...commands('unsubscribe', channels), ...commands('punsubscribe', patterns)]);
}

/**
 * Subscribes to the whole set. When Redis refuses the batch (an ACL that no
 * longer allows one channel), it goes again one name at a time, so one refused
 * name does not keep every other subscription from being restored, and the
 * refusal is pinned to its name. Resolves with the refused names, or with
 * undefined when the connection was lost meanwhile (another round follows).
 */
export async function subscribeAll(
  engine: Engine,
  channels: readonly string[],
  patterns: readonly string[],
): Promise<Refusals | undefined> {
  const none: Refusals = { channels: new Map(), patterns: new Map() };
  try {
    await sendSubscribe(engine, channels, patterns);
    return none;
  } catch (error) {
    if (!isReply(error)) return undefined;
  }
  const [channelResults, patternResults] = await Promise.all([
    Promise.allSettled(channels.map((name) => engine.send('subscribe', [name]))),
    Promise.allSettled(patterns.map((name) => engine.send('psubscribe', [name]))),
  ]);
  const refused = { channels: new Map<string, RedisKitError>(), patterns: new Map<string, RedisKitError>() };
  for (const [names, results, into] of [
    [channels, channelResults, refused.channels],
    [patterns, patternResults, refused.patterns],
  ] as const) {
    for (const [i, result] of results.entries()) {
      if (result.status === 'fulfilled') continue;
      if (!isReply(result.reason)) return undefined;
      into.set(names[i] as string, classifyError(result.reason, 'subscribe'));
    }
  }
  return refused;
}

/** The refusal that concerns any of these names, if one does. */
export function refusalOf(refused: Refusals, channels: readonly string[], patterns: readonly string[]): RedisKitError | undefined {
  for (const name of channels) {
    const error = refused.channels.get(name);
    if (error !== undefined) return error;
  }
  for (const name of patterns) {
    const error = refused.patterns.get(name);
    if (error !== undefined) return error;
  }
  return undefined;
}

function isReply(error: unknown): error is Error {
  return error instanceof Error && isReplyError(error);
}

async function sendAll(engine: Engine, batch: [string, string[]][]): Promise<void> {
  await Promise.all(batch.map(([name, args]) => engine.send(name, args)));
}

function commands(name: string, names: readonly string[]): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_COMMAND) out.push([name, names.slice(i, i + NAMES_PER_COMMAND)]);
  return out;
}
