import { AuthError } from '../errors.js';
import { sanitizedCause } from './classify-error.js';
import type { IoredisClient } from './ioredis-client.js';

/**
 * ioredis only warns when AUTH is refused by a server whose default user has
 * no password, and keeps using the (unauthenticated) connection. redis-kit
 * never uses a connection whose AUTH failed: this wraps the client's `hello`
 * and `auth` so every refusal becomes a fatal handshake error, which closes
 * the socket, and is reported to `onOutcome` as a typed AuthError (or
 * `undefined` when a later handshake succeeds). Protocol negotiation errors
 * (a server without RESP3) are passed through untouched so the engine can
 * fall back to RESP2.
 */
export function guardAuth(client: IoredisClient, target: string, onOutcome: (refusal: AuthError | undefined) => void): void {
  for (const method of ['hello', 'auth'] as const) {
    const original: unknown = Reflect.get(client, method);
    if (typeof original !== 'function') continue;
    const guarded = (...args: unknown[]): Promise<unknown> =>
      (Reflect.apply(original, client, args) as Promise<unknown>).then(
        (reply) => {
          onOutcome(undefined);
          return reply;
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          const negotiation = /NOPROTO|unknown command .?hello/i.test(message);
          // ioredis passes HELLO's arguments as one array: [3, 'AUTH', user, password].
          const credentialsSent = method === 'auth' || args.flat().some((a) => String(a).toUpperCase() === 'AUTH');
          if (negotiation || !credentialsSent) throw error;
          // The refusal is kept without its command: its arguments hold the password.
          onOutcome(new AuthError(`Redis at ${target} refused the credentials: ${message}`, { cause: sanitizedCause(error) }));
          throw new Error('redis-kit: authentication refused, abandoning this connection');
        },
      );
    Reflect.set(client, method, guarded);
  }
}
