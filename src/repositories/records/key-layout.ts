import { ConfigError, InvalidArgumentError } from '../../errors.js';
import { canonicalKeyPartId, encodeKeyPart } from '../../keys/key-encoding.js';
import { keySlot } from '../../topology/cluster-slot.js';

/** Longest id accepted: generated ids have 26 characters; anything far longer is not an id. */
const MAX_ID_LENGTH = 512;

/**
 * Where a repository's data lives. Every part that comes from input (ids,
 * unique values) and from configuration (namespace, field names) goes
 * through `encodeKeyPart`, so none can leave its place, pick a cluster slot
 * or act as a SCAN pattern:
 *
 * - `<ns>:r:<id>` one record,
 * - `<ns>:u:<field>:<value>` a unique key, holding the id of the record with that value.
 *
 * Encoded parts never contain `:`, so no id, field or value can make one of
 * these keys look like another.
 *
 * With `hashTag` (a repository with unique fields on a Cluster) the encoded
 * namespace is wrapped in `{…}`: `{<ns>}:r:<id>`, `{<ns>}:u:<field>:<value>`.
 * A record and its unique keys are then in one slot, which the WATCH/MULTI
 * that writes them together needs. Encoded parts hold no braces, so the tag
 * is always exactly the namespace.
 */
export class KeyLayout {
  /** Prefix of every record key: what `list()` scans. */
  readonly records: string;
  readonly #unique: string;

  constructor(namespace: string, hashTag = false) {
    const encoded = encodeKeyPart(namespace);
    const ns = hashTag ? `{${encoded}}` : encoded;
    this.records = `${ns}:r:`;
    this.#unique = `${ns}:u:`;
  }

  /**
   * Throws ConfigError when, under the client's `keyPrefix`, a record and a
   * unique key would not share a slot. A prefix whose first `{` starts an
   * empty tag (`x{}:`) does that: Redis then hashes whole keys and the
   * namespace's tag is ignored. (A prefix with a tag of its own, `{app}:`,
   * puts everything in one slot, which is fine here.)
   */
  assertOneSlot(keyPrefix: string): void {
    const record = keySlot(keyPrefix + this.record('a'));
    if (record === keySlot(keyPrefix + this.unique('b', 'c')) && record === keySlot(keyPrefix + this.record('d'))) return;
    throw new ConfigError([
      {
        name: 'keyPrefix',
        received: JSON.stringify(keyPrefix),
        expected: "on a Cluster, a prefix that leaves a repository's hash tag in force (its first '{' not followed by '}')",
      },
    ]);
  }

  record(id: string): string {
    return this.records + encodeKeyPart(id);
  }

  unique(field: string, canonical: string): string {
    return `${this.#unique}${encodeKeyPart(field)}:${canonical}`;
  }

  /** The id a record key stands for; undefined for a key no id could have produced (another writer's). */
  idOf(key: string): string | undefined {
    if (!key.startsWith(this.records)) return undefined;
    return canonicalKeyPartId(key.slice(this.records.length));
  }
}

/** Whether `id` can name a record: a string of 1 to 512 characters. */
export function isUsableId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;
}

export function assertUsableId(id: unknown): asserts id is string {
  if (!isUsableId(id)) throw new InvalidArgumentError(`a record id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
}

/**
 * A unique value as a key part, injective across types: a string is encoded
 * as itself, a number or boolean as `#` + its text. `#` is outside the
 * encoder's safe set, so no string yields a part starting with it, and `'1'`
 * and `1` get different keys. `undefined` and `null` are not indexed.
 */
export function canonicalUnique(field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return encodeKeyPart(value);
  if (typeof value === 'boolean') return `#${value}`;
  if (typeof value === 'number' && Number.isFinite(value)) return `#${encodeKeyPart(Object.is(value, -0) ? 0 : value)}`;
  throw new InvalidArgumentError(`unique field '${field}' must hold a string, a finite number or a boolean (got ${typeof value})`);
}
