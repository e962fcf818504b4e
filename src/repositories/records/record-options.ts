import { z } from 'zod';
import type { Codec } from '../../cache/codecs/codec.js';
import { jsonCodec } from '../../cache/codecs/json-codec.js';
import { fn, integer, oneOf, resolveOptions, text, withMethods } from '../../config/resolve-options.js';
import type { InferOutput, StandardSchemaV1 } from '../standard-schema.js';

/** What a read does with stored data that no longer decodes or matches the schema. */
export type OnInvalid = (typeof ON_INVALID)[number];

const ON_INVALID = ['error', 'miss'] as const;

/** The fields of a record type that `unique` may name. */
export type FieldOf<S extends StandardSchemaV1> = Extract<keyof InferOutput<S>, string>;

/** Options of `redis.repository()` / `createRepository()`. Unknown options are rejected, so a misspelt name never silently keeps a default. */
export interface RepositoryOptions<S extends StandardSchemaV1, U extends FieldOf<S> = never> {
  /**
   * Name of the repository, in front of every key it writes:
   * `<client keyPrefix><namespace>:r:<id>` for records and
   * `<namespace>:u:<field>:<value>` for unique keys (on a Cluster, with
   * `unique`, the namespace is a hash tag: `{<namespace>}:r:<id>`). 1 to 100 characters,
   * required. Percent-encoded like ids (`users:v2` becomes `users%3Av2`), so
   * two repositories never share a key and `list()` of one never meets
   * another's records.
   *
   * Pitfall: two repositories (or processes) with the same namespace share
   * their records: give them the same schema, codec and `unique`.
   */
  namespace: string;

  /**
   * The record's validator: any Standard Schema v1 implementation (zod 4,
   * valibot, arktype …), required. The record type is inferred from its
   * output. Every value is validated before it is written (a refused value
   * is never written: `ValidationError` with the schema's issues), and every
   * stored value again when it is read (see `onInvalid`). What is stored is
   * the schema's output, defaults and transforms applied.
   *
   * Pitfall: the output is validated again on read, so a schema must accept
   * its own output (a transform from string to Date is not, once stored as
   * JSON, a Date again). Keep transforms idempotent, like `.trim()` or
   * `.toLowerCase()`.
   */
  schema: S;

  /**
   * Time to live of a record in ms, when `put`/`create` do not give one.
   * Integer 1 to 315,360,000,000 (10 years). Default: none, records stay
   * until deleted. `update` keeps a record's remaining lifetime.
   */
  ttlMs?: number;

  /**
   * How records are stored: the cache's codecs. Default `jsonCodec`,
   * readable in `redis-cli`; `msgpackCodec()` for MessagePack (needs the
   * optional `msgpackr` package).
   *
   * Pitfall: every process sharing a namespace must use the same codec; a
   * record another codec wrote does not decode and is treated as invalid
   * (see `onInvalid`).
   */
  codec?: Codec<unknown>;

  /**
   * Fields whose value no two records may share (e.g. `['email']`), each
   * with a secondary key `findBy(field, value)` reads. The keys are written
   * and deleted in the same transaction as the record; a write that would
   * give a second record a taken value is refused with
   * `UniqueViolationError` (naming the field, never the value). A field
   * whose value is `undefined` or `null` is not indexed. Values must be
   * strings, numbers or booleans; `'a@x.io'` and `'A@x.io'` are different
   * values, so normalise in the schema (`z.string().toLowerCase()`).
   * Default: none. At most 16 fields.
   *
   * Pitfall: with unique fields every `put`, `create` and `delete` is a
   * WATCH/MULTI transaction on a leased connection, not one command on a
   * lane.
   *
   * Pitfall (Cluster): the transaction needs the record and its unique keys
   * in one slot, so on a Cluster a repository with unique fields keeps all
   * its keys under one hash tag, `{<namespace>}:r:<id>` and
   * `{<namespace>}:u:…`: the whole repository lives on one primary (its
   * size, and its load, are bounded by that node). Without unique fields the
   * keys carry no tag and spread over the cluster. Standalone and Sentinel
   * keep the untagged names, so moving such a repository's data onto a
   * Cluster means renaming its keys.
   */
  unique?: readonly U[];

  /**
   * What a read (`get`, `getMany`, `findBy`, `list`, `update`) does with
   * stored data that cannot be decoded or that the schema now refuses (a
   * corrupt write, an older schema). `'error'` (default): reject with
   * `ValidationError`. `'miss'`: treat the record as absent (`update` then
   * rejects with `RecordNotFoundError`, `list` skips it). Either way it is
   * counted in `stats().invalid`: never a silently wrong object.
   */
  onInvalid?: OnInvalid;

  /**
   * How many times `update` (and, with `unique`, `put`/`create`/`delete`)
   * retries after losing a race with another writer, before rejecting with
   * `ConflictError`. Integer 0 to 1000. Default 20. Retries wait a short
   * random moment (at most 5 ms times the attempt) so contending writers
   * spread out; each retry reads the record again and calls `fn` again.
   */
  maxUpdateRetries?: number;

  /** @internal Clock in epoch ms, for ids and the memory mode's TTLs; tests inject one. Default `Date.now`. */
  now?: () => number;
}

export interface ResolvedRepositoryOptions {
  namespace: string;
  schema: StandardSchemaV1;
  ttlMs: number | undefined;
  codec: Codec<unknown>;
  unique: readonly string[];
  onInvalid: OnInvalid;
  maxUpdateRetries: number;
  now: () => number;
}

const MAX_TTL_MS = 315_360_000_000;

const ALIASES: Readonly<Record<string, string>> = { ttl: 'ttlMs', prefix: 'namespace', keyPrefix: 'namespace', validator: 'schema' };

const isStandardSchema = (value: unknown): boolean => {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props: unknown = (value as Record<string, unknown>)['~standard'];
  return typeof props === 'object' && props !== null && typeof (props as Record<string, unknown>).validate === 'function';
};

const repositorySchema = z.strictObject({
  namespace: text(1, 100),
  schema: z.custom<StandardSchemaV1>(isStandardSchema, { error: "a Standard Schema validator (an object with '~standard'.validate)" }),
  ttlMs: integer(1, MAX_TTL_MS).optional(),
  codec: withMethods<Codec<unknown>>('an object', 'encode', 'decode').optional(),
  unique: z.array(text(1, 100), { error: 'an array of field names' }).max(16, { error: 'at most 16 field names' }).default([]),
  onInvalid: oneOf(ON_INVALID).default('error'),
  maxUpdateRetries: integer(0, 1000).default(20),
  now: fn<() => number>().default(() => Date.now),
});

/**
 * Applies defaults and checks bounds.
 *
 * @throws {ConfigError} naming every problem at once (`repository.ttlMs`, what it got, what it accepts), unknown options with a "did you mean".
 */
export function resolveRepositoryOptions(options: unknown): ResolvedRepositoryOptions {
  const resolved = resolveOptions('repository', repositorySchema, options, ALIASES);
  return {
    ...resolved,
    ttlMs: resolved.ttlMs,
    // Not a zod default: zod copies default objects, and the codec is kept by identity.
    codec: resolved.codec ?? jsonCodec,
    unique: [...new Set(resolved.unique)],
  };
}
