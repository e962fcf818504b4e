import { ConnectError, ConnectionLostError, type RedisKitError } from '../errors.js';
import { classifyError, isReplyError, neverSent } from './classify-error.js';
import type { BatchCommand, BatchReplies } from './engine-seam.js';
import { isExecAbort, transactionDiscarded } from './exec-abort.js';
import { type PreparedCommand, prepareCommand } from './resp-command-prep.js';
import { transformReply } from './resp-reply-transforms.js';

/** Sends one prepared command on the connection; rejects with a typed error. */
export type SendPrepared = (command: PreparedCommand) => Promise<unknown>;

/**
 * A pipeline or MULTI/EXEC on the own engine, with ioredis's results: one
 * `[error, reply]` per command (the error typed, the reply transformed as
 * that command's would be), null when EXEC aborted (WATCH), a rejection with
 * TransactionDiscardedError (with the queued commands' refusals) when the
 * transaction was discarded (EXECABORT), and a
 * rejection when the connection was lost under the batch (unsent when none of
 * it left, so a lane may send it again).
 */
export async function runBatch(
  commands: BatchCommand[],
  atomic: boolean,
  keyPrefix: string,
  protocol: 2 | 3,
  send: SendPrepared,
): Promise<BatchReplies | null> {
  const prepared = commands.map(([name, ...args]) => prepareCommand(name, args, false, keyPrefix));
  if (!atomic) {
    const settled = await Promise.allSettled(prepared.map((command) => send(command)));
    const replies: BatchReplies = settled.map((outcome, i) =>
      outcome.status === 'fulfilled'
        ? [null, transformReply(prepared[i]?.name ?? '', outcome.value, protocol)]
        : [classifyError(outcome.reason, prepared[i]?.name), undefined],
    );
    throwIfLost(replies);
    return replies;
  }
  // EXEC's reply carries every command's; ask for Buffers when any command wants them, and turn the others back into strings.
  const anyBuffers = prepared.some((command) => command.buffers);
  const multi = send({ name: 'multi', args: [], buffers: false });
  const queued = prepared.map((command) => send(command));
  const exec = send({ name: 'exec', args: [], buffers: anyBuffers });
  const [multiOutcome, execOutcome, ...queuedOutcomes] = await Promise.allSettled([multi, exec, ...queued]);
  const lost = [multiOutcome, execOutcome, ...queuedOutcomes].flatMap((outcome) =>
    outcome?.status === 'rejected' && isLoss(outcome.reason) ? [outcome.reason as RedisKitError] : [],
  );
  if (lost.length > 0) throw lost.find((error) => !neverSent(error)) ?? lost[0];
  if (multiOutcome?.status === 'rejected') throw classifyError(multiOutcome.reason, 'multi');
  if (execOutcome?.status === 'rejected' && isExecAbort(execOutcome.reason)) {
    const refused = queuedOutcomes.flatMap((outcome, i) =>
      outcome?.status === 'rejected' ? [{ command: prepared[i]?.name ?? 'unknown', error: outcome.reason as unknown }] : [],
    );
    throw transactionDiscarded(execOutcome.reason as Error, refused);
  }
  if (execOutcome === undefined || execOutcome.status === 'rejected') throw classifyError(execOutcome?.reason, 'exec');
  const results: unknown = execOutcome.value;
  if (results === null) return null;
  if (!Array.isArray(results)) throw classifyError(new Error('EXEC did not answer with an array'), 'exec');
  return results.map((result: unknown, i): [Error | null, unknown] => {
    const command = prepared[i];
    if (result instanceof Error && isReplyError(result)) return [classifyError(result, command?.name), undefined];
    const value = anyBuffers && command?.buffers === false ? toStrings(result) : result;
    return [null, transformReply(command?.name ?? '', value, protocol)];
  });
}

function isLoss(error: unknown): boolean {
  return error instanceof ConnectionLostError || error instanceof ConnectError;
}

function throwIfLost(replies: BatchReplies): void {
  const lost = replies.flatMap(([error]) => (isLoss(error) ? [error as RedisKitError] : []));
  if (lost.length > 0) throw lost.find((error) => !neverSent(error)) ?? lost[0];
}

/** Buffers (also nested in arrays) as UTF-8 strings, like ioredis's convertBufferToString. */
function toStrings(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString();
  if (Array.isArray(value)) return value.map(toStrings);
  return value;
}
