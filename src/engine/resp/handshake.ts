import { AuthError, type RedisKitError } from '../../errors.js';
import type { CommandArg } from './encode-command.js';
import { waitUntilLoaded } from './ready-check.js';

/** What the handshake needs to know; credentials are read once and not kept. */
export interface HandshakeOptions {
  protocol: 2 | 3;
  username: string | undefined;
  password: string | undefined;
  name: string | undefined;
  db: number;
}

/** Sends one handshake command and resolves with its (string-mapped) reply. */
export type HandshakeSend = (name: string, args: readonly CommandArg[]) => Promise<unknown>;

/** A server without RESP3 (Redis < 6, or HELLO renamed away) answers HELLO like this. */
const NO_HELLO = /NOPROTO|unknown command/i;

/**
 * Brings a fresh connection to a usable state and resolves with the protocol
 * it speaks: `HELLO 3 [AUTH user pass] [SETNAME name]` in one round trip;
 * when the server has no RESP3, RESP2's `AUTH`, `CLIENT SETNAME`; then
 * `SELECT db` when not 0; then waits while the server is still loading its
 * dataset (see {@link waitUntilLoaded}). Rejects with the typed error of the first command
 * refused (AuthError for credentials), whose message is the server's, never
 * the arguments.
 */
export async function handshake(send: HandshakeSend, options: HandshakeOptions): Promise<2 | 3> {
  let protocol: 2 | 3 = 2;
  if (options.protocol === 3) {
    const args: CommandArg[] = ['3'];
    if (options.password !== undefined) args.push('AUTH', options.username ?? 'default', options.password);
    if (options.name !== undefined) args.push('SETNAME', options.name);
    try {
      await send('HELLO', args);
      protocol = 3;
    } catch (error) {
      if (!NO_HELLO.test((error as RedisKitError).message)) throw refusal(error as RedisKitError, options);
    }
  }
  if (protocol === 2) {
    if (options.password !== undefined) {
      const args = options.username === undefined ? [options.password] : [options.username, options.password];
      await send('AUTH', args).catch((error: RedisKitError) => {
        throw refusal(error, options);
      });
    }
    if (options.name !== undefined) await send('CLIENT', ['SETNAME', options.name]);
  }
  if (options.db !== 0) await send('SELECT', [options.db]);
  await waitUntilLoaded(send);
  return protocol;
}

/**
 * A refusal of HELLO/AUTH: AuthError whenever credentials were sent (a server
 * with no password at all says "ERR … without any password configured", which
 * classifyError does not know as an auth failure when it comes from HELLO).
 */
function refusal(error: RedisKitError, options: HandshakeOptions): RedisKitError {
  if (error instanceof AuthError || options.password === undefined) return error;
  return new AuthError(`authentication failed: ${error.message}`, { cause: error });
}
