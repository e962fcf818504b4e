import { hasFlag } from '@ioredis/commands';
import type { BatchCommand, BatchReplies } from '../engine/engine-seam.js';
import type { CreateRedisOptions } from '../client/types.js';
import { ConfigError, ReplyError, WriteConcernError } from '../errors.js';

/** How many replicas must confirm a write, and how long `WAIT` may take to say so. */
export interface WriteConcern {
  /** Replicas that must confirm each write; at least 1 (0 means no write concern at all). */
  readonly replicas: number;
  /** `WAIT`'s own timeout, ms. */
  readonly timeoutMs: number;
}

/**
 * Scripts and functions are not flagged `write` (their effect depends on the
 * script), but may write, so they wait too; their `_ro` variants only read.
 */
const MAY_WRITE = new Set(['eval', 'evalsha', 'fcall']);

/**
 * Commands flagged `write` that write nothing a replica would confirm, or
 * that must not be followed by `WAIT` on the connection.
 */
const NEVER_WAITS = new Set(['wait', 'waitaof', 'publish', 'spublish']);

/** Whether a command sent on the client should be followed by `WAIT` under a write concern. */
export function waitsForReplicas(name: string): boolean {
  if (NEVER_WAITS.has(name)) return false;
  return MAY_WRITE.has(name) || hasFlag(name, 'write');
}

/**
 * The batch sent in place of one write: the write, then `WAIT` on the same
 * connection, written together so nothing else's write lands in between on
 * that connection (WAIT counts the connection's own last write).
 */
export function writeWithWait(name: string, args: readonly unknown[], buffer: boolean, concern: WriteConcern): BatchCommand[] {
  return [
    [buffer ? `${name}Buffer` : name, ...args],
    ['wait', concern.replicas, concern.timeoutMs],
  ];
}

/**
 * The key a cluster redirection of this write is about, when `error` is one
 * (MOVED / ASK: the write did not run, so sending it again is safe), else
 * undefined. On a Cluster, ioredis follows redirections of single commands
 * but not of a pipeline whose other command (WAIT) was answered, and then
 * never learns the slot moved: the client sends a read of the key to teach
 * it, then the pair again.
 */
export function redirectedKey(name: string, args: readonly unknown[], error: unknown): unknown {
  if (!(error instanceof ReplyError) || (error.prefix !== 'MOVED' && error.prefix !== 'ASK')) return undefined;
  // Scripts and functions: name/sha, numkeys, then the keys.
  const key = MAY_WRITE.has(name) ? args[2] : args[0];
  return typeof key === 'string' || Buffer.isBuffer(key) ? key : undefined;
}

/**
 * The caller's answer from the two replies: the write's own error when it
 * failed (nothing to confirm then), {@link WriteConcernError} when fewer
 * replicas than required confirmed it, else the write's reply.
 */
export function settleWriteConcern(name: string, replies: BatchReplies | null, concern: WriteConcern): unknown {
  const [written, waited] = replies ?? [];
  if (written === undefined || waited === undefined) {
    throw new ReplyError(`${name} under a write concern got ${replies?.length ?? 0} replies instead of 2`, 'ERR', name);
  }
  const [writeError, reply] = written;
  if (writeError !== null) throw writeError;
  const [waitError, count] = waited;
  // WAIT itself failing (e.g. refused on a replica) leaves the write unconfirmed: say so, keep the cause.
  if (waitError !== null) throw new WriteConcernError(name, 0, concern.replicas, concern.timeoutMs, reply, { cause: waitError });
  const acknowledged = Number(count);
  if (!(acknowledged >= concern.replicas)) {
    throw new WriteConcernError(name, Number.isFinite(acknowledged) ? acknowledged : 0, concern.replicas, concern.timeoutMs, reply);
  }
  return reply;
}

/** Times a write under a write concern is sent again after a cluster redirection (it did not run). */
const MAX_REDIRECTS = 2;

export interface WriteConcernSend {
  name: string;
  args: readonly unknown[];
  concern: WriteConcern;
  /** The whole call's deadline, ms, shared by every attempt. */
  deadlineMs: number;
  /** Sends the write and WAIT together on one connection, under `remainingMs`. */
  send: (remainingMs: number) => Promise<BatchReplies | null>;
  /** A read of `key` (any reply will do): it makes the engine follow a redirection and learn the slot's new owner. */
  read: (key: unknown, remainingMs: number) => Promise<unknown>;
}

/**
 * One write under a write concern, start to end: the pair, its answer
 * ({@link settleWriteConcern}), and after a cluster redirection (nothing ran)
 * a read of the key and the pair again, at most {@link MAX_REDIRECTS} times,
 * all within the one deadline.
 */
export async function sendWithWriteConcern(call: WriteConcernSend): Promise<unknown> {
  const deadlineAt = performance.now() + call.deadlineMs;
  const remaining = () => Math.max(0, deadlineAt - performance.now());
  for (let redirects = 0; ; redirects++) {
    const replies = await call.send(remaining());
    try {
      return settleWriteConcern(call.name, replies, call.concern);
    } catch (error) {
      const key = redirectedKey(call.name, call.args, error);
      if (key === undefined || redirects >= MAX_REDIRECTS || remaining() <= call.concern.timeoutMs) throw error;
      await call.read(key, remaining() - call.concern.timeoutMs).catch(() => undefined);
    }
  }
}

/** `writeConcern: { replicas, timeoutMs }` is shorthand for the two flat options; giving both forms is refused. */
export function flattenWriteConcern(
  writeConcern: CreateRedisOptions['writeConcern'],
  rest: Pick<CreateRedisOptions, 'writeConcernReplicas' | 'writeConcernTimeoutMs'>,
): Pick<CreateRedisOptions, 'writeConcernReplicas' | 'writeConcernTimeoutMs'> {
  if (writeConcern === undefined) return {};
  if (rest.writeConcernReplicas !== undefined || rest.writeConcernTimeoutMs !== undefined) {
    throw new ConfigError([
      {
        name: 'writeConcern',
        received: JSON.stringify(writeConcern),
        expected: 'either writeConcern or writeConcernReplicas / writeConcernTimeoutMs, not both',
      },
    ]);
  }
  if (typeof writeConcern !== 'object' || writeConcern === null) {
    throw new ConfigError([{ name: 'writeConcern', received: String(writeConcern), expected: '{ replicas, timeoutMs? }' }]);
  }
  return {
    writeConcernReplicas: writeConcern.replicas,
    ...(writeConcern.timeoutMs !== undefined && { writeConcernTimeoutMs: writeConcern.timeoutMs }),
  };
}
