/**
 * How a cache turns values into bytes and back. A codec is plain data plus
 * two functions, so a custom one (a schema-checked JSON, protobuf …) is a
 * small object literal.
 */
export interface Codec<V = unknown> {
  /** A short name for errors and stats, e.g. `'json'`. */
  readonly name: string;
  /**
   * Whether `encode` produces binary data. A binary codec is read back as a
   * Buffer; a text codec as a string (no Buffer per read, which is faster).
   */
  readonly binary: boolean;
  /**
   * Turns a value into what is stored. Throws for a value it cannot encode;
   * the cache wraps that in a `CacheEncodeError` and writes nothing.
   *
   * Pitfall: the result must not be reused or mutated by the codec afterwards
   * (the cache keeps it in the memory fallback and sends it later).
   */
  encode(value: V): string | Buffer;
  /**
   * Turns stored data back into a value. Throws for data it cannot decode;
   * the cache turns that into a miss and a counted `CacheDecodeError`.
   * Receives a string when `binary` is false, a Buffer when it is true
   * (either may appear for data that came from the memory fallback).
   */
  decode(data: string | Buffer): V;
}
