import { ValidationError, type ValidationIssue } from '../../errors.js';
import type { StandardSchemaV1 } from '../standard-schema.js';

/** Most issues spelt out in an error's message; all of them are on `error.issues`. */
const ISSUES_IN_MESSAGE = 3;

/**
 * Runs the schema; resolves with its output (defaults and transforms
 * applied) or rejects with a {@link ValidationError} carrying its issues.
 * `what` says which value it was, e.g. `users: the value to put`.
 */
export async function validateWith<Output>(schema: StandardSchemaV1<unknown, Output>, value: unknown, what: string): Promise<Output> {
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return result.value;
  throw new ValidationError(`${what} does not match the schema: ${describeIssues(result.issues)}`, result.issues);
}

/** `email: Invalid email address; age: Too small …` — paths and the schema's messages, never the value. */
export function describeIssues(issues: readonly ValidationIssue[]): string {
  if (issues.length === 0) return 'refused without an issue';
  const shown = issues.slice(0, ISSUES_IN_MESSAGE).map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? ` (and ${more} more)` : '');
}
