/**
 * The SUBSCRIBE family on a connection that is not a subscriber (a lease that
 * ran SUBSCRIBE is destroyed on release, but until then its queue must stay in
 * step): such a command is answered by one confirmation per channel instead of
 * one reply, as push frames on RESP3 and as plain arrays on RESP2. These
 * helpers recognise them, so the connection can settle the command, as ioredis
 * does, with the subscription count of its last confirmation.
 */

const SUBSCRIBE = new Set(['subscribe', 'psubscribe', 'ssubscribe']);
const UNSUBSCRIBE = new Set(['unsubscribe', 'punsubscribe', 'sunsubscribe']);
/** Messages a RESP2 connection in subscriber mode receives as if they were replies. */
const MESSAGES = new Set(['message', 'pmessage', 'smessage']);

/** A confirmation frame: its kind (lower case) and the subscription count it reports. */
export interface Confirmation {
  kind: string;
  /** Null for an UNSUBSCRIBE without arguments on a connection with no subscriptions. */
  channel: unknown;
  count: number;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.length <= 12 ? value.toString('latin1') : undefined;
  return undefined;
}

/** `frame` as a confirmation of the SUBSCRIBE family, or undefined. */
export function asConfirmation(frame: unknown): Confirmation | undefined {
  if (!Array.isArray(frame) || frame.length !== 3 || typeof frame[2] !== 'number') return undefined;
  const kind = text(frame[0])?.toLowerCase();
  if (kind === undefined || !(SUBSCRIBE.has(kind) || UNSUBSCRIBE.has(kind))) return undefined;
  return { kind, channel: frame[1], count: frame[2] };
}

/** True for a pub/sub message delivered as a reply (RESP2 subscriber mode). */
export function isMessage(frame: unknown): boolean {
  if (!Array.isArray(frame) || frame.length < 3) return false;
  const kind = text(frame[0])?.toLowerCase();
  return kind !== undefined && MESSAGES.has(kind);
}

/**
 * How many confirmations `name` (lower case) with `argc` channels is owed:
 * one per channel; an UNSUBSCRIBE without channels ends with the one that
 * reports no subscriptions left (or no channel), so Infinity here.
 */
export function confirmationsOwed(kind: string, argc: number): number {
  if (SUBSCRIBE.has(kind)) return Math.max(1, argc);
  return argc === 0 ? Number.POSITIVE_INFINITY : argc;
}
