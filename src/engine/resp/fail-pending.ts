import { ClosedError, ConnectionLostError, type RedisKitError } from '../../errors.js';
import type { RespCommand } from './command-queue.js';

/**
 * Fails, at once, every command a closed connection leaves behind: the
 * `queued` ones in wire order, of which the last `unwritten` never reached the
 * socket, then the `held` ones (sent before the handshake finished). Written
 * ones get ConnectionLostError (the server may have run them: not safe to
 * resend blindly), the others ClosedError (they did not run). One error per
 * kind, shared: failing 10,000 commands must not build 10,000 stack traces.
 * `reason` is their cause (or the error itself when it is already a loss).
 */
export function failPending(
  target: string,
  queued: readonly RespCommand[],
  unwritten: number,
  held: readonly RespCommand[],
  reason: RedisKitError,
): void {
  const written = queued.length - unwritten;
  if (written > 0) {
    const lost =
      reason instanceof ConnectionLostError
        ? reason
        : new ConnectionLostError(`the connection to ${target} closed with commands in flight; they may or may not have run`, {
            cause: reason,
          });
    for (let i = 0; i < written; i++) queued[i]?.reject(lost);
  }
  if (unwritten + held.length > 0) {
    const closed = new ClosedError(`the connection to ${target} closed before the command was sent; it did not run`, { cause: reason });
    for (let i = written; i < queued.length; i++) queued[i]?.reject(closed);
    for (const command of held) command.reject(closed);
  }
}
