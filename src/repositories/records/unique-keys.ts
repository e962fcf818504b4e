import { UniqueViolationError } from './errors.js';
import { canonicalUnique, type KeyLayout } from './key-layout.js';
import type { Txn, TxnWrite, WriteTtl } from './record-backend.js';
import type { RecordCodec } from './record-codec.js';

/** What a record write needs to keep its unique keys right. */
export interface UniqueChange {
  id: string;
  /** The record as stored before (the codec's value, unvalidated), or undefined. */
  before: unknown;
  /** The record to be written, or undefined when it is being deleted. */
  after: unknown;
  /** Lifetime of the new unique keys: the record's. */
  ttl: WriteTtl;
}

/**
 * The unique-key writes that go into the record's transaction, read (and so
 * watched) through `txn`. A value another record holds is refused with
 * {@link UniqueViolationError}. A unique key is taken only if it names a
 * record that exists and still holds that value: keys left behind (a record
 * deleted outside the repository, or written by an older schema) are free.
 */
export async function uniqueWrites(
  txn: Txn,
  layout: KeyLayout,
  namespace: string,
  fields: readonly string[],
  codec: RecordCodec<unknown>,
  change: UniqueChange,
): Promise<TxnWrite[]> {
  const writes: TxnWrite[] = [];
  for (const field of fields) {
    const next = change.after === undefined ? undefined : canonicalUnique(field, fieldOf(change.after, field));
    const previous = safeCanonical(field, fieldOf(change.before, field));
    if (next !== undefined) {
      const key = layout.unique(field, next);
      const owner = await readText(txn, key);
      if (owner !== undefined && owner !== change.id && (await holds(txn, layout, codec, owner, field, next))) {
        throw new UniqueViolationError(namespace, field);
      }
      writes.push({ kind: 'set', key, data: change.id, ttl: change.ttl });
    }
    if (previous !== undefined && previous !== next) {
      const key = layout.unique(field, previous);
      // Only our own key goes: another record may have taken the value since ours left it.
      if ((await readText(txn, key)) === change.id) writes.push({ kind: 'delete', key });
    }
  }
  return writes;
}

/** Whether the record `id` exists and holds `canonical` in `field`. */
export async function holds(
  txn: Txn,
  layout: KeyLayout,
  codec: RecordCodec<unknown>,
  id: string,
  field: string,
  canonical: string,
): Promise<boolean> {
  const data = await txn.read(layout.record(id), codec.binary);
  return data !== undefined && safeCanonical(field, fieldOf(codec.peek(data), field)) === canonical;
}

async function readText(txn: Txn, key: string): Promise<string | undefined> {
  const data = await txn.read(key, false);
  return data === undefined ? undefined : data.toString();
}

function fieldOf(record: unknown, field: string): unknown {
  return typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[field] : undefined;
}

/** For values already stored: one that could not be indexed was never indexed. */
function safeCanonical(field: string, value: unknown): string | undefined {
  try {
    return canonicalUnique(field, value);
  } catch {
    // Not a string, number or boolean: no unique key was ever written for it.
    return undefined;
  }
}
