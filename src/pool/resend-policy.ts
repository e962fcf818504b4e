import { isReadOnly } from '../commands/command-table.js';
import { isReplyError, neverSent } from '../engine/classify-error.js';
import type { PendingCommand } from './pending-command.js';

/** How often one command may be sent again after its connection died under it. */
const MAX_RESENDS = 2;

/**
 * Whether a command that failed with a connection error can be sent again
 * without risk of running twice: it never left (the socket was already
 * unwritable), or it only reads; and it has not been resent too often
 * already. Writes are never resent: the server may have run them, and the
 * caller must decide.
 */
export function mayResend(command: PendingCommand, error: unknown): boolean {
  if (command.resends >= MAX_RESENDS) return false;
  if (!(error instanceof Error) || isReplyError(error)) return false;
  if (neverSent(error)) return true;
  return command.batch === undefined && isReadOnly(command.name);
}
