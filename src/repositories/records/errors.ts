import { RedisKitError } from '../../errors.js';

/**
 * A write would give a second record the value of a `unique` field another
 * record holds; nothing was written. Names the field and the namespace, never
 * the value: a unique field is often an email or a token.
 */
export class UniqueViolationError extends RedisKitError {
  /** The unique field whose value is taken. */
  readonly field: string;

  constructor(namespace: string, field: string) {
    super('ERR_REDIS_UNIQUE_VIOLATION', `${namespace}: another record already has this ${field}`);
    this.field = field;
  }
}

/** `update(id, fn)` found no record under `id` (never written, deleted, or expired). */
export class RecordNotFoundError extends RedisKitError {
  constructor(namespace: string) {
    super('ERR_REDIS_RECORD_NOT_FOUND', `${namespace}: no record with this id`);
  }
}
