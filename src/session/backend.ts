/**
 * Where serialized sessions live: Redis, or the process-memory fallback.
 * Keys are complete store keys (`sess:<encoded id>`); the client adds its own
 * `keyPrefix` underneath. Values are serialized sessions.
 */
export interface SessionBackend {
  get(key: string): Promise<string | undefined>;
  /** Writes `value` to live `ttlMs` (≥ 1) milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Gives an existing key a new lifetime; false when there was no such key. */
  expire(key: string, ttlMs: number): Promise<boolean>;
  /** Deletes the keys; how many existed. */
  delete(keys: readonly string[]): Promise<number>;
  /** Every key starting with `namespace`, in batches; a key may show up twice (SCAN's guarantee). */
  scan(namespace: string): AsyncIterable<string[]>;
}
