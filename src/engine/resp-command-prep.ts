import { exists, getKeyIndexes } from '@ioredis/commands';
import type { CommandArg } from './resp/encode-command.js';

/** A command as it goes on the wire: lower-case name, flat string/Buffer arguments, keys prefixed. */
export interface PreparedCommand {
  readonly name: string;
  readonly args: readonly CommandArg[];
  /** Decode the reply's strings as Buffers. */
  readonly buffers: boolean;
}

const BUFFER_SUFFIX = 'Buffer';

/**
 * Turns a command as callers give it into what the own engine sends, exactly
 * as ioredis's `Command` does, so both engines put the same bytes on the wire:
 *
 * - a `Buffer` suffix (`getBuffer`, from pipelines) means the same command with Buffer replies;
 * - arguments are flattened one level (`['k', ['a', 'b']]`), then HSET/HMSET
 *   and MSET/MSETNX accept an object or a Map of fields;
 * - anything not a string or Buffer becomes its text (`null`/`undefined` → `''`,
 *   integers beyond 2^53 through BigInt so no digit is lost);
 * - the key prefix goes on every key the command's key spec names (multi-key
 *   commands, EVAL/FCALL KEYS), and on nothing else.
 */
export function prepareCommand(rawName: string, rawArgs: readonly unknown[], buffer: boolean, keyPrefix: string): PreparedCommand {
  let name = rawName;
  let buffers = buffer;
  if (name.length > BUFFER_SUFFIX.length && name.endsWith(BUFFER_SUFFIX)) {
    name = name.slice(0, -BUFFER_SUFFIX.length);
    buffers = true;
  }
  name = name.toLowerCase();
  const pairs = name === 'hset' || name === 'hmset' ? 'after-key' : name === 'mset' || name === 'msetnx' ? 'only' : undefined;
  let args: readonly CommandArg[];
  // The usual case (every argument a string or Buffer, and no command that
  // spreads an object, a Buffer included, into fields) takes the caller's
  // array as it is: the connection encodes a command when it is sent (the
  // engine sends only on a ready connection), so nothing reads the array
  // later but SUBSCRIBE's count and a lane's resend, which reads it from the
  // caller's command anyway. One array per command fewer.
  if (pairs === undefined && allPlain(rawArgs)) args = rawArgs;
  else {
    let flat: unknown[] = rawArgs.flat();
    if (pairs === 'after-key') flat = fieldsAfterKey(flat);
    else if (pairs === 'only') flat = fieldsOnly(flat);
    args = flat.map(toArg);
  }
  if (keyPrefix !== '' && exists(name)) args = withKeyPrefix(name, args, keyPrefix);
  return { name, args, buffers };
}

/** A copy of `args` with `keyPrefix` on every key (the caller's array is left as it was). */
function withKeyPrefix(name: string, args: readonly CommandArg[], keyPrefix: string): CommandArg[] {
  const out = args.slice();
  for (const index of getKeyIndexes(name, out)) {
    const key = out[index];
    if (key !== undefined) out[index] = Buffer.isBuffer(key) ? Buffer.concat([Buffer.from(keyPrefix), key]) : keyPrefix + String(key);
  }
  return out;
}

/** Strings and Buffers only: nothing to flatten or turn into text. */
function allPlain(args: readonly unknown[]): args is readonly CommandArg[] {
  for (const arg of args) if (typeof arg !== 'string' && !Buffer.isBuffer(arg)) return false;
  return true;
}

function toArg(arg: unknown): CommandArg {
  if (typeof arg === 'string' || Buffer.isBuffer(arg)) return arg;
  if (arg === null || arg === undefined) return '';
  if (typeof arg === 'number' && Number.isInteger(arg) && !Number.isSafeInteger(arg)) return BigInt(arg).toString();
  return String(arg);
}

/** HSET key {field: value} / Map → HSET key field value … */
function fieldsAfterKey(args: unknown[]): unknown[] {
  if (args.length !== 2) return args;
  const pairs = pairsOf(args[1]);
  return pairs === undefined ? args : [args[0], ...pairs];
}

/** MSET {key: value} / Map → MSET key value … */
function fieldsOnly(args: unknown[]): unknown[] {
  if (args.length !== 1) return args;
  return pairsOf(args[0]) ?? args;
}

function pairsOf(value: unknown): unknown[] | undefined {
  if (value instanceof Map) {
    const out: unknown[] = [];
    for (const [k, v] of value) out.push(k, v);
    return out;
  }
  // ioredis treats any non-null object here (a Buffer included) as fields.
  if (typeof value === 'object' && value !== null) {
    const out: unknown[] = [];
    for (const key of Object.keys(value)) out.push(key, Reflect.get(value, key));
    return out;
  }
  return undefined;
}
