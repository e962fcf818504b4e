/**
 * One way every service's options fail, the same as the configuration's: a
 * zod schema per service, and {@link resolveOptions} turning every problem
 * into a {@link ConfigIssue} (`cache.ttlMs`, what it got, what it accepts)
 * of one {@link ConfigError}, all problems at once, unknown options with a
 * "did you mean".
 */

import { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { formatReceived } from './redact.js';
import { suggestOption } from './suggest-option.js';

const SECRET_LOOKING = /pass|secret|token|auth|cred/i;

/** The accepted values in words, carried as the zod issue's message. */
const accepts = (expected: string) => ({ error: expected });

/** A whole number in [min, max]; the message names the range. */
export function integer(min: number, max: number, also = ''): z.ZodNumber {
  const expected = `an integer from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}${also}`;
  return z.number(accepts(expected)).int(accepts(expected)).min(min, accepts(expected)).max(max, accepts(expected));
}

/** One of a list of strings; the list is the one place the accepted values are written. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, accepts(`one of ${values.map((v) => `'${v}'`).join(', ')}`));
}

/** A string of `min` to `max` characters (and, when given, matching `pattern`, described as `what`). */
export function text(min: number, max: number, pattern?: RegExp, what?: string): z.ZodString {
  const expected = `a string of ${min} to ${max} characters${what === undefined ? '' : ` from ${what}`}`;
  const base = z.string(accepts(expected)).min(min, accepts(expected)).max(max, accepts(expected));
  return pattern === undefined ? base : base.regex(pattern, accepts(expected));
}

/** A function (callbacks, clocks). */
export function fn<T extends (...args: never[]) => unknown>(): z.ZodType<T> {
  return z.custom<T>((value) => typeof value === 'function', accepts('a function'));
}

/** true or false. */
export function flag(): z.ZodBoolean {
  return z.boolean(accepts('true or false'));
}

/** An object with the named methods (a codec, a serializer). */
export function withMethods<T>(what: string, ...methods: string[]): z.ZodType<T> {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' && value !== null && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function'),
    accepts(`${what} with ${methods.map((m) => `${m}()`).join(' and ')}`),
  );
}

/**
 * Parses `input` with `schema` (a `z.strictObject`, nested ones strict too).
 * Returns the typed, defaulted result, or throws one {@link ConfigError}
 * whose issues name each option as `<label>.<path>`, with the value it got
 * (never a secret: services take none) and what it accepts; unknown options
 * are named with the closest known one.
 */
export function resolveOptions<S extends z.ZodType>(
  label: string,
  schema: S,
  input: unknown,
  /** Names other libraries use for these options, e.g. `{ ttl: 'ttlMs' }`: suggested before any near match. */
  aliases: Readonly<Record<string, string>> = {},
): z.output<S> {
  const result = schema.safeParse(input === undefined ? {} : input);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        const alias = aliases[key];
        const suggestion = alias !== undefined && known.includes(alias) ? alias : suggestOption(key, known);
        issues.push({
          name: [label, ...path, key].join('.'),
          // A misplaced credential (`password` given to a service) must not be echoed; its name is enough to fix it.
          received: formatReceived(valueAt(input, [...path, key]), SECRET_LOOKING.test(key), true),
          expected: suggestion === undefined ? `a known option (${known.join(', ')})` : `a known option (did you mean ${suggestion}?)`,
        });
      }
      continue;
    }
    const value = valueAt(input, path);
    issues.push({
      name: path.length === 0 ? label : [label, ...path].join('.'),
      received: formatReceived(value, false, true),
      expected: path.length === 0 ? 'an object of options' : issue.message,
    });
  }
  throw new ConfigError(issues);
}

function valueAt(input: unknown, path: readonly string[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The option names of the (nested) object schema at `path`, for "did you mean". */
function knownKeys(schema: z.ZodType, path: readonly string[]): string[] {
  let current: unknown = schema;
  for (const key of path) current = shapeOf(current)?.[key];
  return Object.keys(shapeOf(current) ?? {});
}

function shapeOf(schema: unknown): Record<string, z.ZodType> | undefined {
  let current: unknown = schema;
  // Through the wrappers a field may have (optional, default, a union with `false`) to the object inside.
  for (let depth = 0; depth < 8 && current !== undefined; depth++) {
    if (current instanceof z.ZodObject) return current.shape as Record<string, z.ZodType>;
    if (
      current instanceof z.ZodOptional ||
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap();
    } else if (current instanceof z.ZodUnion) {
      current = (current.options as readonly unknown[]).find((option) => shapeOf(option) !== undefined);
    } else if (current instanceof z.ZodPipe) {
      // z.preprocess(f, schema) is a pipe from a transform into the schema.
      current = shapeOf(current.out) === undefined ? current.in : current.out;
    } else {
      return undefined;
    }
  }
  return undefined;
}
