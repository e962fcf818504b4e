/**
 * Reading one field from its two sources (programmatic option, then
 * environment variable) into a {@link Slot}, recording a {@link ConfigIssue}
 * instead of throwing so the loader can report every problem at once.
 */

import type { ConfigIssue } from '../errors.js';
import { FIELDS, type Field, REASON } from './fields.js';
import { formatReceived, MASK } from './redact.js';
import { suggestOption } from './suggest-option.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** One field, read. */
export interface Slot<T> {
  /** The parsed value; undefined when unset or rejected. */
  readonly value: T | undefined;
  /** The option or variable it came from; undefined when unset (the default applies). */
  readonly from: string | undefined;
  /** What was given, for messages about this field from cross-field checks. */
  readonly raw: unknown;
  /** False when the given value was rejected: cross-field checks must skip it. */
  readonly valid: boolean;
  readonly secret: boolean;
}

const KNOWN = Object.keys(FIELDS);
const SECRET_LOOKING = /pass|secret|token|auth|cred|key/i;

/**
 * Checks the overrides object itself: it must be a plain object whose keys are
 * all known options (tarn's rule: a misspelt option must not silently fall
 * back to its default). Returns the known entries.
 */
export function checkOverrides(overrides: unknown, issues: ConfigIssue[]): Readonly<Record<string, unknown>> {
  if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) {
    issues.push({ name: 'options', received: formatReceived(overrides, false, true), expected: 'an object of redis-kit options' });
    return {};
  }
  const known: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(overrides)) {
    if (Object.hasOwn(FIELDS, key)) {
      known[key] = value;
      continue;
    }
    const suggestion = suggestOption(key, KNOWN);
    issues.push({
      name: key,
      // An unknown key may well be a misspelt password; its value is not needed to fix the name.
      received: SECRET_LOOKING.test(key) || (suggestion !== undefined && isSecret(suggestion)) ? MASK : formatReceived(value, false, true),
      expected: suggestion === undefined ? `a known option (${KNOWN.join(', ')})` : `a known option (did you mean ${suggestion}?)`,
    });
  }
  return known;
}

function isSecret(option: string): boolean {
  return Object.values(FIELDS).some((field) => field.option === option && field.secret);
}

function isBlank(field: Field<unknown>, raw: string): boolean {
  return field.verbatim ? raw === '' : raw.trim() === '';
}

/** Reads `field`: the programmatic value when given (not undefined), else the environment's. */
export function readField<T>(field: Field<T>, env: Env, overrides: Readonly<Record<string, unknown>>, issues: ConfigIssue[]): Slot<T> {
  const given = overrides[field.option];
  if (given !== undefined) {
    return parse(field, field.fromOption, given, field.option, field.expectedOption, true, issues);
  }
  const raw = env[field.env];
  if (raw === undefined || isBlank(field, raw)) {
    return { value: undefined, from: undefined, raw: undefined, valid: true, secret: field.secret };
  }
  return parse(field, field.fromEnv, raw, field.env, field.expectedEnv, false, issues);
}

function parse<T>(
  field: Field<T>,
  schema: Field<T>['fromOption'],
  input: unknown,
  name: string,
  expected: string,
  fromCode: boolean,
  issues: ConfigIssue[],
): Slot<T> {
  const result = schema.safeParse(input);
  if (result.success) return { value: result.data, from: name, raw: input, valid: true, secret: field.secret };
  // zod's own messages are generic ("Too big"); ours name the range. A parser's reason is kept, as detail.
  const reason = result.error.issues.find((i) => i.code === 'custom' && i.params?.[REASON] === true)?.message;
  issues.push({
    name,
    received: formatReceived(input, field.secret, fromCode),
    expected: reason === undefined ? expected : `${expected}; ${reason}`,
  });
  return { value: undefined, from: name, raw: input, valid: false, secret: field.secret };
}
