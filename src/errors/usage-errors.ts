/** Errors in how redis-kit is called or configured, and in the data given to it: nothing is wrong with the server. */
import { RedisKitError, type RedisKitErrorOptions } from './redis-kit-error.js';

/** One configuration problem: which variable (or option), what it got, what it accepts. */
export interface ConfigIssue {
  /** The environment variable or programmatic option at fault. */
  name: string;
  /** What was received, already redacted when the name is a secret. */
  received: string;
  /** What is accepted, in words: a range, a list of values, a format. */
  expected: string;
}

/** Bad configuration. Every problem found is listed in `issues`, not just the first. */
export class ConfigError extends RedisKitError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `  ${i.name}=${i.received}: expected ${i.expected}`);
    super(
      'ERR_REDIS_CONFIG',
      `invalid redis-kit configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

/** The command cannot run where it was called (e.g. WATCH outside a lease). */
export class NotAllowedError extends RedisKitError {
  constructor(message: string) {
    super('ERR_REDIS_NOT_ALLOWED', message);
  }
}

/** An argument given to redis-kit is malformed. */
export class InvalidArgumentError extends RedisKitError {
  constructor(message: string) {
    super('ERR_REDIS_INVALID_ARGUMENT', message);
  }
}

/** One reason a schema refused a value (the shape of a Standard Schema issue). */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/**
 * A value the schema refused: on write nothing was written; on read the
 * stored data no longer matches the schema (or could not be decoded).
 * `issues` are the schema's own. The message names paths and the schema's
 * messages, never the value itself.
 */
export class ValidationError extends RedisKitError {
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[], options?: RedisKitErrorOptions) {
    super('ERR_REDIS_VALIDATION', message, options);
    this.issues = issues;
  }
}

/**
 * An optimistic update lost to concurrent writers every time it was tried
 * (`attempts` includes the first); nothing was written by it.
 */
export class ConflictError extends RedisKitError {
  readonly attempts: number;

  constructor(message: string, attempts: number) {
    super('ERR_REDIS_CONFLICT', message);
    this.attempts = attempts;
  }
}

/**
 * Keys of one transaction (or of a lease pinned to a key) hash to different
 * Redis Cluster slots, so no single node could run it. Refused before
 * anything was sent. `keys` are the names as given (without the key prefix);
 * give them a common hash tag (`{user:1}:a`, `{user:1}:b`) to keep them in
 * one slot.
 */
export class CrossSlotError extends RedisKitError {
  readonly keys: readonly string[];

  constructor(keys: readonly string[], what: string) {
    super(
      'ERR_REDIS_CROSS_SLOT',
      `${what} uses keys in different cluster slots (${keys.join(', ')}); nothing was sent. ` +
        'Give them a common hash tag, e.g. {tag}:name, so they share a slot',
    );
    this.keys = keys;
  }
}
