import type { Codec } from './codec.js';

/**
 * JSON (the default): readable in `redis-cli`, shared with services in any
 * language. Encoding follows `JSON.stringify`, so a `Date` comes back as an
 * ISO string, `undefined` and functions inside objects are dropped, and a
 * `Map` becomes `{}`.
 *
 * Refused with a `CacheEncodeError` (nothing is written): a BigInt anywhere,
 * a cycle, and values JSON cannot represent at all (`undefined`, a function,
 * a symbol at the top).
 */
export const jsonCodec: Codec<unknown> = Object.freeze({
  name: 'json',
  binary: false,
  encode(value: unknown): string {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`JSON cannot represent a value of type ${typeof value}`);
    return text;
  },
  decode(data: string | Buffer): unknown {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  },
});
