/**
 * The SUBSCRIBE family on a connection that is not a subscriber (a lease that
 * ran SUBSCRIBE is destroyed on release, but until then its queue must stay in
 * step): such a command is answered by one confirmation per channel instead of
 * one reply, as push frames on RESP3 and as plain arrays on RESP2. These
 * helpers recognise them, so the connection can settle the command, as ioredis
 * does, with the subscription count of its last confirmation.
 */

/** Each kind of confirmation and the family of names it adds to (subscribe) or removes from (unsubscribe). */
const KINDS = new Map<string, { family: 'channel' | 'pattern' | 'shard'; adds: boolean }>([
  ['subscribe', { family: 'channel', adds: true }],
  ['psubscribe', { family: 'pattern', adds: true }],
  ['ssubscribe', { family: 'shard', adds: true }],
  ['unsubscribe', { family: 'channel', adds: false }],
  ['punsubscribe', { family: 'pattern', adds: false }],
  ['sunsubscribe', { family: 'shard', adds: false }],
]);
/** Messages a RESP2 connection in subscriber mode receives as if they were replies. */
const MESSAGES = new Set(['message', 'pmessage', 'smessage']);

/** A confirmation frame: its kind (lower case), the name it concerns and the subscription count it reports. */
interface Confirmation {
  kind: string;
  /** Null for an UNSUBSCRIBE without arguments on a connection with none of that family. */
  channel: unknown;
  count: number;
}

const NOT_MINE = 0;
/** A confirmation, and the command at the head still waits for more. */
export const CONSUMED = 1;
/** The last confirmation the head command waited for: settle it with {@link SubscribeReplies.count}. */
export const SETTLES_HEAD = 2;
/** A pub/sub message delivered as a reply (RESP2): route it as a push frame. */
export const MESSAGE = 3;

/** The command at the head of a connection's queue, as far as confirmations go. */
interface HeadCommand {
  readonly name: string;
  readonly args: readonly unknown[];
}

/**
 * Per-connection state: what is subscribed (an UNSUBSCRIBE without names is
 * owed one confirmation per name of its family, or one when there is none),
 * and the confirmations the head command still waits for.
 */
export class SubscribeReplies {
  readonly #names = { channel: new Set<string>(), pattern: new Set<string>(), shard: new Set<string>() };
  /** Confirmations the head command still waits for (0: none started). */
  #left = 0;
  /** The subscription count of the last confirmation. */
  count = 0;

  /** Classifies `frame` (a push frame, or on RESP2 an array reply) against `head`. */
  consume(frame: unknown, head: HeadCommand | undefined, protocol: 2 | 3): number {
    if (protocol === 2 && this.count > 0 && isMessage(frame)) return MESSAGE;
    const confirmation = asConfirmation(frame);
    if (confirmation === undefined || head === undefined || head.name.toLowerCase() !== confirmation.kind) return NOT_MINE;
    const kind = KINDS.get(confirmation.kind);
    if (kind === undefined) return NOT_MINE;
    const names = this.#names[kind.family];
    if (this.#left === 0) this.#left = head.args.length > 0 ? head.args.length : kind.adds ? 1 : Math.max(1, names.size);
    if (confirmation.channel !== null) {
      const name = String(confirmation.channel);
      if (kind.adds) names.add(name);
      else names.delete(name);
    }
    this.count = confirmation.count;
    this.#left--;
    return this.#left === 0 ? SETTLES_HEAD : CONSUMED;
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.length <= 12 ? value.toString('latin1') : undefined;
  return undefined;
}

function asConfirmation(frame: unknown): Confirmation | undefined {
  if (!Array.isArray(frame) || frame.length !== 3 || typeof frame[2] !== 'number') return undefined;
  const kind = text(frame[0])?.toLowerCase();
  if (kind === undefined || !KINDS.has(kind)) return undefined;
  return { kind, channel: frame[1], count: frame[2] };
}

function isMessage(frame: unknown): boolean {
  if (!Array.isArray(frame) || frame.length < 3) return false;
  const kind = text(frame[0])?.toLowerCase();
  return kind !== undefined && MESSAGES.has(kind);
}
