/**
 * The table of configuration fields: for each option, its environment
 * variable, how each form is parsed (zod), and the accepted values in words.
 * The loader, the error messages and the CLI's `config` listing all read this
 * one table, so a bound is written once.
 */

import { z } from 'zod';
import type { HostPort, RedisKitOptions } from './options.js';
import { MAX_DB, type Parsed, type ParsedUrl, parseHostList, parseRedisUrl } from './parse-url.js';

export interface Field<T> {
  /** The programmatic option. */
  readonly option: keyof RedisKitOptions;
  /** The environment variable. */
  readonly env: string;
  /** Never echoed: reported as `***`. */
  readonly secret: boolean;
  /**
   * Taken exactly as given, so only `''` counts as unset (passwords and
   * prefixes may legitimately hold spaces). Other values are trimmed and a
   * blank one is unset, since a stray space in a `.env` file is never meant.
   */
  readonly verbatim: boolean;
  /** Parses the environment string into the resolved value (durations become ms). */
  readonly fromEnv: z.ZodType<T, string>;
  /** Validates the programmatic value. */
  readonly fromOption: z.ZodType<T>;
  /** Accepted values, in words, for the environment form. */
  readonly expectedEnv: string;
  /** Accepted values, in words, for the programmatic form. */
  readonly expectedOption: string;
}

/** The URL as given and what it means. */
export interface UrlValue {
  readonly url: string;
  readonly parsed: ParsedUrl;
}

/** Marks a zod issue whose message is our own reason, fit to show after the expected text. */
export const REASON = 'redisKitReason';

function viaParser<T>(parse: (raw: string) => Parsed<T>) {
  return (raw: string, ctx: z.RefinementCtx<string>): T => {
    const result = parse(raw);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.reason, params: { [REASON]: true } });
    return z.NEVER;
  };
}

// Programmatic '' for an optional string means "none", and still wins over the environment.
const emptyToUndefined = (s: string): string | undefined => (s === '' ? undefined : s);

const DIGITS = /^\d+$/;
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

function intField(option: keyof RedisKitOptions, env: string, min: number, max: number): Field<number> {
  const expected = `an integer from ${min} to ${max}`;
  const inRange = z.number().int().min(min).max(max);
  return {
    option,
    env,
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().regex(DIGITS).transform(Number).pipe(inRange),
    fromOption: inRange,
    expectedEnv: expected,
    expectedOption: expected,
  };
}

/** Seconds (decimals allowed) in the environment, integer milliseconds in code. */
function durationField(option: keyof RedisKitOptions, env: string, minMs: number, maxMs: number, zeroDisables = false): Field<number> {
  const zero = zeroDisables ? '0 (disabled) or ' : '';
  // Bounds are compared in the unit that was written, so 0.1 s is not lost to 0.1 * 1000 = 100.00000000000001.
  const secondsOk = (s: number) => (zeroDisables && s === 0) || (s >= minMs / 1000 && s <= maxMs / 1000);
  const msOk = (ms: number) => (zeroDisables && ms === 0) || (ms >= minMs && ms <= maxMs);
  return {
    option,
    env,
    secret: false,
    verbatim: false,
    fromEnv: z
      .string()
      .trim()
      .regex(DECIMAL)
      .transform(Number)
      .refine(secondsOk)
      .transform((s) => Math.round(s * 1000)),
    fromOption: z.number().int().refine(msOk),
    expectedEnv: `${zero}a number of seconds from ${minMs / 1000} to ${maxMs / 1000}`,
    expectedOption: `${zero}an integer number of milliseconds from ${minMs} to ${maxMs}`,
  };
}

function credentialField(option: keyof RedisKitOptions, env: string, secret: boolean): Field<string | undefined> {
  return {
    option,
    env,
    secret,
    verbatim: true,
    fromEnv: z.string(),
    fromOption: z.string().transform(emptyToUndefined),
    expectedEnv: 'a string',
    expectedOption: 'a string',
  };
}

function pathField(option: keyof RedisKitOptions, env: string): Field<string | undefined> {
  return {
    option,
    env,
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim(),
    fromOption: z.string().transform(emptyToUndefined),
    expectedEnv: 'a file path',
    expectedOption: 'a file path (string)',
  };
}

function hostListField(option: keyof RedisKitOptions, env: string, example: string): Field<readonly HostPort[]> {
  const node = z.strictObject({
    host: z.string().regex(/^[^\s[\]]+$/),
    port: z.number().int().min(1).max(65535),
  });
  return {
    option,
    env,
    secret: false,
    verbatim: false,
    fromEnv: z.string().transform(viaParser(parseHostList)),
    fromOption: z.array(node),
    expectedEnv: `a comma-separated list of host:port (port 1 to 65535), e.g. ${example}`,
    expectedOption: 'an array of { host, port } (host without spaces or brackets, port 1 to 65535)',
  };
}

const URL_FORMS = `redis://[user[:password]@]host[:port][/db] (db 0 to ${MAX_DB}), rediss://… (TLS) or memory://`;
const MODES = ['standalone', 'cluster', 'sentinel'] as const;
const ENGINES = ['ioredis', 'resp'] as const;
const READ_FROM = ['primary', 'replica-preferred'] as const;
const SENTINEL_MASTER = /^[^\s]{1,256}$/;
const CONNECTION_NAME = /^[!-~]{1,128}$/;
const KEY_PREFIX_MAX = 128;

const toUrlValue = viaParser((url: string): Parsed<UrlValue> => {
  const parsed = parseRedisUrl(url);
  return parsed.ok ? { ok: true, value: { url, parsed: parsed.value } } : parsed;
});

export const FIELDS = {
  url: {
    option: 'url',
    env: 'REDIS_URL',
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().transform(toUrlValue),
    fromOption: z.string().trim().transform(toUrlValue),
    expectedEnv: URL_FORMS,
    expectedOption: URL_FORMS,
  } satisfies Field<UrlValue>,
  mode: {
    option: 'mode',
    env: 'REDIS_MODE',
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().toLowerCase().pipe(z.enum(MODES)),
    fromOption: z.enum(MODES),
    expectedEnv: `one of ${MODES.join(', ')}`,
    expectedOption: `one of ${MODES.map((m) => `'${m}'`).join(', ')}`,
  } satisfies Field<(typeof MODES)[number]>,
  username: credentialField('username', 'REDIS_USERNAME', false),
  password: credentialField('password', 'REDIS_PASSWORD', true),
  db: intField('db', 'REDIS_DB', 0, MAX_DB),
  clusterNodes: hostListField('clusterNodes', 'REDIS_CLUSTER_NODES', '10.0.0.1:7000,10.0.0.2:7000'),
  sentinels: hostListField('sentinels', 'REDIS_SENTINELS', '10.0.0.1:26379,10.0.0.2:26379'),
  sentinelMaster: {
    option: 'sentinelMaster',
    env: 'REDIS_SENTINEL_MASTER',
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().regex(SENTINEL_MASTER),
    fromOption: z
      .string()
      .regex(/^[^\s]{0,256}$/)
      .transform(emptyToUndefined),
    expectedEnv: 'a master name of up to 256 characters without spaces',
    expectedOption: 'a master name of up to 256 characters without spaces',
  } satisfies Field<string | undefined>,
  sentinelPassword: credentialField('sentinelPassword', 'REDIS_SENTINEL_PASSWORD', true),
  lanes: intField('lanes', 'REDIS_LANES', 1, 16),
  maxConnections: intField('maxConnections', 'REDIS_MAX_CONNECTIONS', 5, 200),
  minConnections: intField('minConnections', 'REDIS_MIN_CONNECTIONS', 0, 200),
  connectTimeoutMs: durationField('connectTimeoutMs', 'REDIS_SOCKET_CONNECT_TIMEOUT', 1000, 30_000),
  socketTimeoutMs: durationField('socketTimeoutMs', 'REDIS_SOCKET_TIMEOUT', 1000, 30_000),
  acquireTimeoutMs: durationField('acquireTimeoutMs', 'REDIS_ACQUIRE_TIMEOUT', 100, 60_000),
  commandTimeoutMs: durationField('commandTimeoutMs', 'REDIS_COMMAND_TIMEOUT', 100, 60_000),
  retryMaxDelayMs: durationField('retryMaxDelayMs', 'REDIS_RETRY_MAX_DELAY', 100, 30_000),
  keyPrefix: {
    option: 'keyPrefix',
    env: 'REDIS_KEY_PREFIX',
    secret: false,
    verbatim: true,
    fromEnv: z.string().max(KEY_PREFIX_MAX),
    fromOption: z.string().max(KEY_PREFIX_MAX),
    expectedEnv: `a string of at most ${KEY_PREFIX_MAX} characters`,
    expectedOption: `a string of at most ${KEY_PREFIX_MAX} characters`,
  } satisfies Field<string>,
  engine: {
    option: 'engine',
    env: 'REDIS_ENGINE',
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().toLowerCase().pipe(z.enum(ENGINES)),
    fromOption: z.enum(ENGINES),
    expectedEnv: `one of ${ENGINES.join(', ')}`,
    expectedOption: `one of ${ENGINES.map((e) => `'${e}'`).join(', ')}`,
  } satisfies Field<(typeof ENGINES)[number]>,
  clusterSlotsRefreshIntervalMs: durationField(
    'clusterSlotsRefreshIntervalMs',
    'REDIS_CLUSTER_SLOTS_REFRESH_INTERVAL',
    1000,
    3_600_000,
    true,
  ),
  readFrom: {
    option: 'readFrom',
    env: 'REDIS_READ_FROM',
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().toLowerCase().pipe(z.enum(READ_FROM)),
    fromOption: z.enum(READ_FROM),
    expectedEnv: `one of ${READ_FROM.join(', ')}`,
    expectedOption: `one of ${READ_FROM.map((e) => `'${e}'`).join(', ')}`,
  } satisfies Field<(typeof READ_FROM)[number]>,
  tlsCaFile: pathField('tlsCaFile', 'REDIS_TLS_CA_FILE'),
  tlsCertFile: pathField('tlsCertFile', 'REDIS_TLS_CERT_FILE'),
  tlsKeyFile: pathField('tlsKeyFile', 'REDIS_TLS_KEY_FILE'),
  idleTimeoutMs: durationField('idleTimeoutMs', 'REDIS_IDLE_TIMEOUT', 1000, 3_600_000),
  maxLifetimeMs: durationField('maxLifetimeMs', 'REDIS_MAX_LIFETIME', 1000, 86_400_000, true),
  validateAfterIdleMs: durationField('validateAfterIdleMs', 'REDIS_VALIDATE_AFTER_IDLE', 0, 3_600_000),
  maxWaitingAcquires: intField('maxWaitingAcquires', 'REDIS_MAX_WAITING_ACQUIRES', 1, 100_000),
  maxQueuedCommands: intField('maxQueuedCommands', 'REDIS_MAX_QUEUED_COMMANDS', 0, 1_000_000),
  breakerFailureThreshold: intField('breakerFailureThreshold', 'REDIS_BREAKER_FAILURE_THRESHOLD', 1, 1000),
  breakerProbeIntervalMs: durationField('breakerProbeIntervalMs', 'REDIS_BREAKER_PROBE_INTERVAL', 50, 60_000),
  writeConcernReplicas: intField('writeConcernReplicas', 'REDIS_WRITE_CONCERN_REPLICAS', 0, 16),
  writeConcernTimeoutMs: durationField('writeConcernTimeoutMs', 'REDIS_WRITE_CONCERN_TIMEOUT', 1, 60_000),
  connectionName: {
    option: 'connectionName',
    env: 'REDIS_CONNECTION_NAME',
    secret: false,
    verbatim: false,
    fromEnv: z.string().trim().regex(CONNECTION_NAME),
    fromOption: z.string().regex(CONNECTION_NAME),
    expectedEnv: '1 to 128 printable ASCII characters without spaces',
    expectedOption: '1 to 128 printable ASCII characters without spaces',
  } satisfies Field<string>,
} as const satisfies { readonly [K in keyof RedisKitOptions]-?: Field<unknown> };

/** Defaults of the fields that have one (the rest are absent unless given). */
export const DEFAULTS = {
  url: 'redis://127.0.0.1:6379',
  mode: 'standalone',
  db: 0,
  lanes: 2,
  maxConnections: 50,
  minConnections: 0,
  connectTimeoutMs: 5000,
  socketTimeoutMs: 5000,
  acquireTimeoutMs: 5000,
  commandTimeoutMs: 5000,
  retryMaxDelayMs: 30_000,
  keyPrefix: '',
  engine: 'resp',
  clusterSlotsRefreshIntervalMs: 5000,
  readFrom: 'primary',
  idleTimeoutMs: 30_000,
  maxLifetimeMs: 1_800_000,
  validateAfterIdleMs: 10_000,
  maxWaitingAcquires: 1000,
  maxQueuedCommands: 10_000,
  breakerFailureThreshold: 5,
  breakerProbeIntervalMs: 1000,
  writeConcernReplicas: 0,
  writeConcernTimeoutMs: 1000,
  connectionName: 'redis-kit',
} as const satisfies Partial<Record<keyof RedisKitOptions, unknown>>;

/** One row of the variable listing (CLI `config`, docs). */
export interface ConfigVariable {
  readonly env: string;
  readonly option: keyof RedisKitOptions;
  /** Accepted values in the environment, in words. */
  readonly expected: string;
  /** The default as it would be written in the environment; undefined when there is none. */
  readonly default: string | undefined;
}

/** Every environment variable redis-kit reads, in declaration order. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.values(FIELDS).map((field) => {
  const value: unknown = (DEFAULTS as Partial<Record<keyof RedisKitOptions, unknown>>)[field.option];
  // Durations are documented to operators in seconds, as they are written in the environment.
  const isDuration = field.option.endsWith('Ms');
  const shown = value === undefined ? undefined : isDuration ? String(Number(value) / 1000) : String(value);
  return { env: field.env, option: field.option, expected: field.expectedEnv, default: shown };
});
