import { InvalidArgumentError } from '../errors.js';

/**
 * Checks a caller's timeout option (`timeoutMs`, `deadlineMs` …): undefined
 * (use the default) or a finite number ≥ 0. Anything else — NaN, Infinity, a
 * negative number, a string — would silently remove the deadline (the
 * coarse timer never expires a non-finite entry, and `setTimeout` treats NaN
 * as 0 and a string as whatever it coerces to), so it is a programming error,
 * refused at the call with the option's name and the value received.
 */
export function validTimeout(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  throw new InvalidArgumentError(`${option} must be a finite number of milliseconds ≥ 0, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${value}"`;
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  return `a value of type ${typeof value}`;
}

/** {@link validTimeout} for methods that reject rather than throw: the error, or undefined when `value` is fine. */
export function timeoutRefusal(option: string, value: unknown): InvalidArgumentError | undefined {
  try {
    validTimeout(option, value);
    return undefined;
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
}
