import { z } from 'zod';
import { jsonCodec } from '../../cache/codecs/json-codec.js';
import type { Codec } from '../../cache/codecs/codec.js';
import { integer, resolveOptions, text, withMethods } from '../../config/resolve-options.js';
import type { StandardSchemaV1 } from '../standard-schema.js';

/** Options of `redis.log(options)` / `createMessageLog(redis, options)`. Unknown options are rejected. */
export interface MessageLogOptions<S extends StandardSchemaV1 = StandardSchemaV1> {
  /**
   * Prefix of every log's key, after the client's `keyPrefix`:
   * `<keyPrefix><namespace>:<log id>`. 1 to 100 characters. Default `'log'`.
   * Percent-encoded like log ids (`chat:v2` becomes `chat%3Av2`), so two
   * namespaces never overlap.
   */
  namespace?: string;

  /**
   * The entries' schema: any validator implementing Standard Schema (zod,
   * valibot, arktype …). Required. `append` validates each entry and writes
   * what the schema returned (so its defaults and transforms apply); every
   * read validates what was stored again, and stored data the schema refuses
   * is a `ValidationError`, never a silently wrong object.
   *
   * Pitfall: what is stored is the codec's encoding of the schema's output,
   * so the schema must accept its own output read back through the codec.
   * With JSON, a schema that turns a string into a `Date` must also accept
   * the ISO string it becomes (zod: `z.coerce.date()`, not `z.date()`).
   */
  schema: S;

  /**
   * Most entries a log keeps: every `append` trims the oldest away with
   * `XADD … MAXLEN ~ maxLen`. Approximate, as Redis does it cheaply: a log
   * may hold somewhat more (up to one radix-tree node, ~100 entries, over),
   * never fewer. Integer 1 to 1,000,000,000. Default: no cap (a log grows
   * until it expires or is deleted, so set this or `ttlMs`).
   */
  maxLen?: number;

  /**
   * Lifetime of a whole log in ms, counted from its last `append`: the key
   * expires `ttlMs` after the newest entry was written (PEXPIRE, sent with
   * the XADD in one MULTI, so an entry is never written without it).
   * Integer 1 to 315,360,000,000 (10 years). Default: logs do not expire.
   */
  ttlMs?: number;

  /**
   * How each entry is turned into bytes and back: the cache's codecs
   * (`jsonCodec`, the default, readable with `redis-cli`; `msgpackCodec()`,
   * smaller), or your own `{ name, binary, encode, decode }`. An entry is one
   * stream field `v` holding the encoded value.
   *
   * Pitfall: every process reading a namespace must use the same codec;
   * data in another encoding is a `ValidationError` on read.
   */
  codec?: Codec<unknown>;
}

export interface ResolvedLogOptions<S extends StandardSchemaV1> {
  namespace: string;
  schema: S;
  maxLen: number | undefined;
  ttlMs: number | undefined;
  codec: Codec<unknown>;
}

const MAX_TTL_MS = 315_360_000_000;

const ALIASES: Readonly<Record<string, string>> = {
  prefix: 'namespace',
  ttl: 'ttlMs',
  maxLength: 'maxLen',
  maxlen: 'maxLen',
  validator: 'schema',
  serializer: 'codec',
};

const isStandardSchema = (value: unknown): boolean => {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props: unknown = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
};

const logSchema = z.strictObject({
  namespace: text(1, 100).default('log'),
  schema: z.custom<StandardSchemaV1>(isStandardSchema, {
    error: 'a Standard Schema validator (zod, valibot, arktype …: an object with ~standard.validate)',
  }),
  maxLen: integer(1, 1_000_000_000).optional(),
  ttlMs: integer(1, MAX_TTL_MS).optional(),
  codec: withMethods<Codec<unknown>>('a codec', 'encode', 'decode').optional(),
});

/**
 * Applies defaults and checks bounds.
 *
 * @throws {ConfigError} naming every problem at once (`log.maxLen`, what it got, what it accepts).
 */
export function resolveLogOptions<S extends StandardSchemaV1>(options: MessageLogOptions<S>): ResolvedLogOptions<S> {
  const resolved = resolveOptions('log', logSchema, options, ALIASES);
  return {
    namespace: resolved.namespace,
    // The parse only checked its shape; the caller's object (and its type) is kept as given.
    schema: options.schema,
    maxLen: resolved.maxLen,
    ttlMs: resolved.ttlMs,
    codec: resolved.codec ?? jsonCodec,
  };
}
