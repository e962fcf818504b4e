import { createHash } from 'node:crypto';
import { CacheKeyError } from './errors.js';

/** Derived keys longer than this are replaced by a hash, so huge arguments do not make huge keys. */
const MAX_DERIVED_LENGTH = 200;

/**
 * A stable text for a list of arguments: the same arguments give the same
 * text in every process and run, whatever the order in which an object's
 * properties were added, and different arguments give different texts.
 *
 * - object properties are sorted; symbol-keyed properties are ignored;
 * - `undefined`, `NaN`, `Infinity`, BigInts, Dates, Maps and Sets are spelled
 *   out, so they do not collide with `null`, strings or `{}` as they would in
 *   `JSON.stringify`; Map entries and Set members are sorted;
 * - an object with `toJSON()` is represented by what it returns (as in JSON);
 * - functions, symbols and cycles are refused with {@link CacheKeyError}: they
 *   have no stable representation.
 *
 * Longer than 200 characters, the text is replaced by `#` and its SHA-256.
 */
export function stableKey(args: readonly unknown[]): string {
  const text = stringify(args, new Set(), 'arguments');
  if (text.length <= MAX_DERIVED_LENGTH) return text;
  return `#${createHash('sha256').update(text).digest('base64url')}`;
}

function stringify(value: unknown, ancestors: Set<object>, path: string): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : String(value);
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'function':
    case 'symbol':
      throw new CacheKeyError(
        `cannot derive a cache key: ${path} is a ${typeof value}; pass options.key to cached() to build the key yourself`,
      );
    case 'object':
      return value === null ? 'null' : stringifyObject(value, ancestors, path);
  }
}

function stringifyObject(value: object, ancestors: Set<object>, path: string): string {
  if (ancestors.has(value)) {
    throw new CacheKeyError(`cannot derive a cache key: ${path} refers back to itself (a cycle)`);
  }
  ancestors.add(value);
  try {
    if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let i = 0; i < value.length; i++) items.push(stringify(value[i], ancestors, `${path}[${i}]`));
      return `[${items.join(',')}]`;
    }
    if (value instanceof Map) {
      const entries = [...value].map(
        ([k, v], i) => `${stringify(k, ancestors, `${path} key #${i}`)}=>${stringify(v, ancestors, `${path} value #${i}`)}`,
      );
      return `Map{${entries.sort().join(',')}}`;
    }
    if (value instanceof Set) {
      const members = [...value].map((member, i) => stringify(member, ancestors, `${path} member #${i}`));
      return `Set{${members.sort().join(',')}}`;
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return stringify(toJSON.call(value), ancestors, path);
    const record = value as Record<string, unknown>;
    const fields = Object.keys(record)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${stringify(record[name], ancestors, `${path}.${name}`)}`);
    return `{${fields.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}
