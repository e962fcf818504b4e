import { type SessionAdapterOptions, getForFramework, resolveOnInvalid, settleInto, type SessionStoreCallback } from './adapter-support.js';
import type { SessionStore } from './session-store.js';
import type { SessionData } from './types.js';

/**
 * The store interface @fastify/session calls (`set`, `get`, `destroy`), as
 * the adapter implements it, without importing @fastify/session's types.
 *
 * `get` hands back the JSON form of what `set` received, and @fastify/session
 * rebuilds its `Session` from it. The session in `get`'s callback is typed
 * `never` so the adapter fits whatever session type the app declares
 * (`Fastify.Session`, augmented) as it is.
 */
export interface FastifySessionStoreAdapter {
  set(sessionId: string, session: object, callback: (error?: unknown) => void): void;
  get(sessionId: string, callback: (error: unknown, session?: never) => void): void;
  destroy(sessionId: string, callback: (error?: unknown) => void): void;
}

/**
 * A @fastify/session store backed by `store`:
 *
 * ```ts
 * await app.register(fastifyCookie);
 * await app.register(fastifySession, { store: fastifySessionStore(sessions), secret, cookie: { maxAge: 86_400_000 } });
 * ```
 *
 * When Redis cannot be reached, the callbacks get a `SessionUnavailableError`
 * whose `statusCode` is 503, so Fastify answers 503 by itself (from the
 * `onRequest` hook that loads the session, and from the `onSend` hook that
 * saves it, before anything is sent). Nothing of @fastify/session is
 * imported: it stays an optional peer.
 */
export function fastifySessionStore(store: SessionStore, options?: SessionAdapterOptions): FastifySessionStoreAdapter {
  const onInvalid = resolveOnInvalid(options);
  return {
    set(sessionId, session, callback) {
      // @fastify/session hands over its Session object; its cookie carries `expires`, which sets the TTL.
      settleInto(store.set(sessionId, session as SessionData), callback);
    },
    get(sessionId, callback) {
      // What was stored is what @fastify/session gave set(), as JSON: the framework rebuilds its Session from it.
      settleInto(getForFramework(store, sessionId, false, onInvalid), callback as SessionStoreCallback<SessionData | null>);
    },
    destroy(sessionId, callback) {
      settleInto(
        store.delete(sessionId).then(() => undefined),
        callback,
      );
    },
  };
}
