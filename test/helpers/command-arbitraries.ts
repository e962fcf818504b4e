import { createHash } from 'node:crypto';
import fc from 'fast-check';

/**
 * Random Redis commands for differential tests: the same command sequence sent through two
 * clients must get the same replies. Every command is deterministic on the server (no TIME,
 * RANDOMKEY, SPOP, auto-generated stream ids, TTL reads), so two runs over the same starting
 * dataset answer alike.
 */

/** One command as a client method call: `method` is a client method name (`get`, `hgetallBuffer`, …). */
export interface MethodCall {
  readonly method: string;
  readonly args: readonly (string | Buffer | number)[];
}

/** A step of a sequence: one command on its own, a pipeline, or a MULTI/EXEC. */
export type Step =
  | { readonly kind: 'command'; readonly call: MethodCall }
  | { readonly kind: 'pipeline'; readonly calls: readonly MethodCall[] }
  | { readonly kind: 'multi'; readonly calls: readonly MethodCall[] };

/** Scripts EVAL runs; SCRIPT LOAD of the first makes its EVALSHA succeed. */
export const SCRIPTS: readonly string[] = [
  "return redis.call('GET', KEYS[1])",
  "return {KEYS[1], ARGV[1], 7, {8, 'nested'}, redis.call('EXISTS', KEYS[1])}",
  "return redis.call('INCR', KEYS[1])",
  "return redis.error_reply('MYERR raised by the script')",
  "return redis.status_reply('FINE')",
  'return 3.75',
  'return false',
  "return redis.call('HGETALL', KEYS[1])",
];

/** The SHA1 of each of {@link SCRIPTS}, as EVALSHA wants it. */
export const SCRIPT_SHAS: readonly string[] = SCRIPTS.map((source) => createHash('sha1').update(source).digest('hex'));

/** A SHA no script has, for NOSCRIPT. */
const UNKNOWN_SHA = 'ffffffffffffffffffffffffffffffffffffffff';

// A few keys per type, drawn from one pool, so commands also hit keys of the wrong type (WRONGTYPE).
const KEYS = ['str:a', 'str:b', 'hash:a', 'list:a', 'set:a', 'zset:a', 'stream:a', 'missing'] as const;
const key = fc.constantFrom(...KEYS);
const keys = fc.array(key, { minLength: 1, maxLength: 4 });

/** Values: short text (some non-ASCII), numbers as text, and binary that is not valid UTF-8. */
const value: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('0', '1', '-5', '42', '3.5', 'héllo', '日本', 'emoji 😀'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((bytes) => Buffer.from([0xff, ...bytes])),
);
const field = fc.constantFrom('f1', 'f2', 'f3', '__proto__', 'constructor');
const member = fc.constantFrom('m1', 'm2', 'm3', 'm4', '1', '2');
const smallInt = fc.integer({ min: -3, max: 5 });
const score = fc.oneof(fc.integer({ min: -10, max: 10 }).map(String), fc.constantFrom('1.5', '-inf', '+inf', '0.1'));

const call = (method: string, ...args: (string | Buffer | number)[]): MethodCall => ({ method, args });

/** Methods that exist in a `*Buffer` form on both clients, with their arguments. */
const readable: fc.Arbitrary<MethodCall>[] = [
  key.map((k) => call('get', k)),
  fc.tuple(key, field).map(([k, f]) => call('hget', k, f)),
  key.map((k) => call('hgetall', k)),
  key.map((k) => call('lrange', k, 0, -1)),
  keys.map((ks) => call('mget', ...ks)),
  key.map((k) => call('xrange', k, '-', '+')),
  fc.tuple(key, smallInt).map(([k, i]) => call('lindex', k, i)),
];

const strings: fc.Arbitrary<MethodCall>[] = [
  fc.tuple(key, value).map(([k, v]) => call('set', k, v)),
  fc.tuple(key, value, fc.constantFrom('NX', 'XX', 'GET')).map(([k, v, flag]) => call('set', k, v, flag)),
  fc.tuple(key, value).map(([k, v]) => call('append', k, v)),
  key.map((k) => call('incr', k)),
  fc.tuple(key, fc.integer({ min: -100, max: 100 })).map(([k, n]) => call('incrby', k, n)),
  fc.tuple(key, fc.constantFrom('0.5', '-1.25', '10', 'abc')).map(([k, n]) => call('incrbyfloat', k, n)),
  key.map((k) => call('strlen', k)),
  fc.tuple(key, smallInt, smallInt).map(([k, a, b]) => call('getrange', k, a, b)),
  fc.tuple(key, fc.integer({ min: 0, max: 6 }), value).map(([k, at, v]) => call('setrange', k, at, v)),
  fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 3 }).map((pairs) => call('mset', ...pairs.flat())),
  key.map((k) => call('getdel', k)),
];

const hashes: fc.Arbitrary<MethodCall>[] = [
  fc.array(fc.tuple(field, value), { minLength: 1, maxLength: 3 }).chain((pairs) => key.map((k) => call('hset', k, ...pairs.flat()))),
  fc.tuple(key, field).map(([k, f]) => call('hdel', k, f)),
  fc.tuple(key, field, fc.integer({ min: -5, max: 5 })).map(([k, f, n]) => call('hincrby', k, f, n)),
  key.map((k) => call('hkeys', k)),
  key.map((k) => call('hvals', k)),
  key.map((k) => call('hlen', k)),
  fc.tuple(key, field, field).map(([k, a, b]) => call('hmget', k, a, b)),
];

const lists: fc.Arbitrary<MethodCall>[] = [
  fc.tuple(fc.constantFrom('lpush', 'rpush'), key, fc.array(value, { minLength: 1, maxLength: 3 })).map(([m, k, vs]) => call(m, k, ...vs)),
  fc.tuple(fc.constantFrom('lpop', 'rpop'), key).map(([m, k]) => call(m, k)),
  fc.tuple(key, fc.integer({ min: 1, max: 3 })).map(([k, n]) => call('lpop', k, n)),
  key.map((k) => call('llen', k)),
  fc.tuple(key, fc.integer({ min: -1, max: 1 }), value).map(([k, n, v]) => call('lrem', k, n, v)),
];

// Sets are unordered: only order-free replies (counts, membership) are compared.
const sets: fc.Arbitrary<MethodCall>[] = [
  fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => call('sadd', k, ...ms)),
  fc.tuple(key, member).map(([k, m]) => call('srem', k, m)),
  key.map((k) => call('scard', k)),
  fc.tuple(key, member).map(([k, m]) => call('sismember', k, m)),
  fc.tuple(key, member, member).map(([k, a, b]) => call('smismember', k, a, b)),
  fc.tuple(key, key).map(([a, b]) => call('sintercard', 2, a, b)),
];

const sortedSets: fc.Arbitrary<MethodCall>[] = [
  fc.tuple(key, score, member).map(([k, s, m]) => call('zadd', k, s, m)),
  fc.tuple(key, fc.constantFrom('1', '-2.5'), member).map(([k, by, m]) => call('zincrby', k, by, m)),
  key.map((k) => call('zrange', k, 0, -1, 'WITHSCORES')),
  key.map((k) => call('zrangebyscore', k, '-inf', '+inf')),
  fc.tuple(key, member).map(([k, m]) => call('zscore', k, m)),
  fc.tuple(key, member).map(([k, m]) => call('zrank', k, m)),
  key.map((k) => call('zpopmin', k)),
  key.map((k) => call('zcard', k)),
];

const streams: fc.Arbitrary<MethodCall>[] = [
  // Explicit ids: `*` would take the clock. Ids going backwards get the server's error, compared too.
  fc.tuple(key, fc.integer({ min: 1, max: 40 }), field, value).map(([k, ms, f, v]) => call('xadd', k, `${ms}-1`, f, v)),
  key.map((k) => call('xlen', k)),
  key.map((k) => call('xrevrange', k, '+', '-', 'COUNT', 2)),
  fc.tuple(key, key).map(([a, b]) => call('xread', 'COUNT', 2, 'STREAMS', a, b, '0', '0')),
  fc.tuple(key, fc.integer({ min: 0, max: 3 })).map(([k, n]) => call('xtrim', k, 'MAXLEN', n)),
];

const scripts: fc.Arbitrary<MethodCall>[] = [
  fc.tuple(fc.constantFrom(...SCRIPTS), key, value).map(([source, k, v]) => call('eval', source, 1, k, v)),
  fc.tuple(fc.constantFrom(...SCRIPT_SHAS, UNKNOWN_SHA), key, value).map(([sha, k, v]) => call('evalsha', sha, 1, k, v)),
];

const generic: fc.Arbitrary<MethodCall>[] = [
  keys.map((ks) => call('del', ...ks)),
  keys.map((ks) => call('exists', ...ks)),
  key.map((k) => call('type', k)),
  value.map((v) => call('echo', v)),
  fc.constant(call('ping')),
  // Errors the server makes: unknown command, wrong arity, a syntax error. (Not `GET` without a
  // key: ioredis with a keyPrefix sends `GET <prefix>undefined` for it, a quirk of its own.)
  fc.constant(call('nosuchcommand', 'x')),
  key.map((k) => call('set', k)),
  fc.tuple(key, value).map(([k, v]) => call('set', k, v, 'NOTANOPTION')),
];

/** Every kind of command; a quarter of the readable ones in their `*Buffer` form. */
export const methodCall: fc.Arbitrary<MethodCall> = fc.oneof(
  ...[...strings, ...hashes, ...lists, ...sets, ...sortedSets, ...streams, ...scripts, ...generic],
  ...readable,
  ...readable.map((arb) => arb.map((c) => call(`${c.method}Buffer`, ...c.args))),
);

/** A sequence step; batches are kept short so a run of 30 steps stays quick. */
export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: methodCall.map((c): Step => ({ kind: 'command', call: c })) },
  { weight: 2, arbitrary: fc.array(methodCall, { minLength: 1, maxLength: 8 }).map((calls): Step => ({ kind: 'pipeline', calls })) },
  { weight: 2, arbitrary: fc.array(methodCall, { minLength: 1, maxLength: 6 }).map((calls): Step => ({ kind: 'multi', calls })) },
);

const KEY_SET: ReadonlySet<string> = new Set(KEYS);

/**
 * `s` with every key renamed for caller `caller`, so sequences of different callers running at
 * once touch disjoint keys and each caller's replies do not depend on how the callers interleave.
 */
export function forCaller(s: Step, caller: number): Step {
  const rename = (c: MethodCall): MethodCall => ({
    method: c.method,
    args: c.args.map((arg) => (typeof arg === 'string' && KEY_SET.has(arg) ? `${arg}:${caller}` : arg)),
  });
  return s.kind === 'command' ? { kind: 'command', call: rename(s.call) } : { kind: s.kind, calls: s.calls.map(rename) };
}
