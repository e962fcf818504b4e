import { InvalidArgumentError } from '../../errors.js';

/** A complete stream id, `<ms>-<seq>`, as Redis gives them out. */
const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;

/**
 * Checks an id a caller passed (`after`, `before`). Only complete ids are
 * taken: Redis reads a bare `<ms>` differently as a start and as an end, so
 * accepting it would make "after" mean two things.
 */
export function checkEntryId(name: string, id: unknown): string {
  if (typeof id === 'string' && STREAM_ID.test(id)) return id;
  const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 40)) : typeof id;
  throw new InvalidArgumentError(
    `${name} must be an entry id as append() returns them ('<ms>-<seq>', e.g. '1700000000000-0'), got ${shown}`,
  );
}

/** Orders two complete stream ids: negative when `a` comes first. */
export function compareEntryIds(a: string, b: string): number {
  const [msA, seqA] = parts(a);
  const [msB, seqB] = parts(b);
  if (msA !== msB) return msA < msB ? -1 : 1;
  if (seqA !== seqB) return seqA < seqB ? -1 : 1;
  return 0;
}

/** The milliseconds part of an id: when Redis appended the entry. */
export function entryTimestamp(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function parts(id: string): [bigint, bigint] {
  const dash = id.indexOf('-');
  // Sequence numbers reach 2^64: compared as BigInt, not as (lossy) numbers.
  return [BigInt(id.slice(0, dash)), BigInt(id.slice(dash + 1))];
}
