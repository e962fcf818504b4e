import { type QueuedCommandError, TransactionDiscardedError } from '../errors.js';
import { classifyError, sanitizedCause } from './classify-error.js';

/** EXEC's reply when Redis refused commands while queuing the transaction. */
export function isExecAbort(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('EXECABORT');
}

/**
 * EXEC's EXECABORT as a {@link TransactionDiscardedError} carrying the
 * queued commands' refusals, typed: the same error on both engines (the own
 * engine has the refusals as replies; ioredis as `previousErrors`).
 */
export function transactionDiscarded(raw: Error, queued: readonly { command: string; error: unknown }[]): TransactionDiscardedError {
  const queuedErrors: QueuedCommandError[] = queued.map(({ command, error }) => ({ command, error: classifyError(error, command) }));
  return new TransactionDiscardedError(raw.message, queuedErrors, { cause: sanitizedCause(raw) });
}

/** The refusals ioredis attaches to an EXECABORT (`previousErrors`, each with its `command.name`). */
export function ioredisQueuedErrors(raw: Error): { command: string; error: unknown }[] {
  const previous: unknown = Reflect.get(raw, 'previousErrors');
  if (!Array.isArray(previous)) return [];
  return previous.map((error: unknown) => {
    const command: unknown = error instanceof Error ? Reflect.get(error, 'command') : undefined;
    const name: unknown = typeof command === 'object' && command !== null ? Reflect.get(command, 'name') : undefined;
    return { command: typeof name === 'string' ? name.toLowerCase() : 'unknown', error };
  });
}
