import { commandNames } from '../../commands/command-table.js';

/**
 * Label values are bounded: each one comes from a fixed set, and anything
 * outside it becomes `other`. A label never carries a key, a host, a channel
 * name or a message, so a metric cannot leak a secret or grow without bound.
 */
export const OTHER = 'other';

/** Command names the client itself uses besides the command table's. */
const ownOperations = ['pipeline', 'multi'];
const operations = new Set([...commandNames, ...ownOperations]);

/** `db_operation_name`: the command as the command table spells it (lower-case), or `other`. */
export function operationName(command: string): string {
  return operations.has(command) ? command : OTHER;
}

/** The shape of redis-kit's error codes (`ERR_REDIS_COMMAND_TIMEOUT` …): a code is safe to show, a message may not be. */
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** `error_type`: the error's `code` when it looks like one, else `other`. */
export function errorType(error: Error): string {
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && CODE.test(code) ? code : OTHER;
}

/** One of `allowed`, or `other`: for label values that come typed from the core but are not checked at run time. */
export function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | typeof OTHER {
  return allowed.includes(value as T) ? (value as T) : OTHER;
}

export const roles = ['lane', 'lease', 'subscriber', 'invalidation'] as const;
export const destroyReasons = ['idle', 'lifetime', 'broken', 'dirty', 'validation', 'close', 'destroy'] as const;
export const breakerStates = ['closed', 'open'] as const;
export const cacheOutcomes = ['hit', 'miss', 'fallback-hit', 'near-hit'] as const;
export const rateLimitSources = ['redis', 'memory', 'open', 'closed'] as const;
