import { InvalidArgumentError } from '../errors.js';
import { decodeKeyPart, encodeKeyPart, escapeGlob } from '../keys/key-encoding.js';

/** A caller's cache key. Numbers are used as their decimal text. */
export type CacheKey = string | number;

/**
 * Where a cache's entries live in Redis. Every part built from a caller's
 * input is percent-encoded (`encodeKeyPart`), so no key contains `:`, a glob
 * character or a hash tag of the caller's making:
 *
 * - data: `<namespace>:<key>`
 * - the loader lock of `wrap()`: `<namespace>#lock:<key>`, outside the data
 *   prefix, so `clear()` and near-cache tracking never see lock traffic.
 *
 * The client adds its own `keyPrefix` in front of both.
 */
export class KeyLayout {
  /** `<namespace>:`, the prefix `clear()` scans and the near-cache tracks. */
  readonly dataPrefix: string;
  readonly #lockPrefix: string;

  constructor(namespace: string) {
    const encoded = encodeKeyPart(namespace);
    this.dataPrefix = `${encoded}:`;
    this.#lockPrefix = `${encoded}#lock:`;
  }

  /** The Redis key (without the client's prefix) of a caller's key. */
  data(key: CacheKey): string {
    if (typeof key === 'string') return this.dataPrefix + encodeKeyPart(key);
    if (typeof key === 'number' && Number.isFinite(key)) return this.dataPrefix + encodeKeyPart(key);
    throw new InvalidArgumentError(`a cache key must be a string or a finite number, got ${typeof key === 'number' ? key : typeof key}`);
  }

  /** The lock key that guards loading `dataKey`. */
  lock(dataKey: string): string {
    return this.#lockPrefix + dataKey.slice(this.dataPrefix.length);
  }

  /** The caller's key back from a data key, e.g. for events. */
  callerKey(dataKey: string): string {
    return decodeKeyPart(dataKey.slice(this.dataPrefix.length));
  }

  /** SCAN pattern matching every data key of the namespace (never built from caller input). */
  get scanPattern(): string {
    return `${escapeGlob(this.dataPrefix)}*`;
  }
}
