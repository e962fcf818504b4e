import type { IncomingMessage, ServerResponse } from 'node:http';
import { type SessionAdapterOptions, getForFramework, resolveOnInvalid, settleInto, type SessionStoreCallback } from './adapter-support.js';
import { sessionErrorStatus } from './errors.js';
import type { SessionStore } from './session-store.js';
import type { SessionData } from './types.js';

/** The methods express-session calls on a store, as the adapter implements them. */
export interface ExpressStoreMethods {
  get(sid: string, callback: SessionStoreCallback<SessionData | null>): void;
  set(sid: string, session: SessionData, callback?: SessionStoreCallback<void>): void;
  destroy(sid: string, callback?: SessionStoreCallback<void>): void;
  touch(sid: string, session: SessionData, callback?: SessionStoreCallback<void>): void;
  all(callback: SessionStoreCallback<Record<string, SessionData>>): void;
  length(callback: SessionStoreCallback<number>): void;
  clear(callback?: SessionStoreCallback<void>): void;
}

/** What `expressSessionStore` needs from the express-session module: its `Store` base class. */
export interface ExpressSessionModule<Base extends abstract new () => object> {
  Store: Base;
}

type EventEmitterClass = abstract new () => object;

// One subclass per express-session Store class (normally one per process), made on first use.
const adapters = new WeakMap<object, new (store: SessionStore, options?: SessionAdapterOptions) => ExpressStoreMethods>();

/**
 * An express-session store backed by `store`:
 *
 * ```ts
 * import session from 'express-session';
 * app.use(session({ store: expressSessionStore(session, sessions), secret, resave: false, saveUninitialized: false }));
 * ```
 *
 * express-session is passed in rather than imported, so it stays an optional
 * peer: services that do not use Express never load it, and the adapter
 * extends the very `Store` class the app's express-session uses.
 *
 * When Redis cannot be reached, the store's callbacks get a
 * `SessionUnavailableError` (`statusCode` 503): express-session passes it to
 * `next(err)`, Express's final handler answers 503, and an app's own error
 * handler can use {@link sessionUnavailableHandler} or `sessionErrorStatus`.
 *
 * Pitfall: express-session saves a changed session in `res.end()`, after the
 * status line is chosen, so a failure there cannot become a 503. Call
 * `req.session.save(cb)` (or `regenerate`/`destroy`) yourself before
 * answering in routes that must not pretend success, such as login.
 */
export function expressSessionStore<Base extends abstract new () => object>(
  session: ExpressSessionModule<Base>,
  store: SessionStore,
  options?: SessionAdapterOptions,
): InstanceType<Base> & ExpressStoreMethods {
  let Adapter = adapters.get(session.Store);
  if (Adapter === undefined) {
    Adapter = adapterClass(session.Store);
    adapters.set(session.Store, Adapter);
  }
  return new Adapter(store, options) as InstanceType<Base> & ExpressStoreMethods;
}

function adapterClass(Base: EventEmitterClass): new (store: SessionStore, options?: SessionAdapterOptions) => ExpressStoreMethods {
  return class RedisKitExpressStore extends Base implements ExpressStoreMethods {
    readonly #store: SessionStore;
    readonly #onInvalid: ReturnType<typeof resolveOnInvalid>;

    constructor(store: SessionStore, options?: SessionAdapterOptions) {
      super();
      this.#store = store;
      this.#onInvalid = resolveOnInvalid(options);
    }

    get(sid: string, callback: SessionStoreCallback<SessionData | null>): void {
      settleInto(getForFramework(this.#store, sid, true, this.#onInvalid), callback);
    }

    set(sid: string, session: SessionData, callback?: SessionStoreCallback<void>): void {
      settleInto(this.#store.set(sid, session), callback);
    }

    destroy(sid: string, callback?: SessionStoreCallback<void>): void {
      settleInto(
        this.#store.delete(sid).then(() => undefined),
        callback,
      );
    }

    touch(sid: string, session: SessionData, callback?: SessionStoreCallback<void>): void {
      settleInto(
        this.#store.touch(sid, session).then(() => undefined),
        callback,
      );
    }

    all(callback: SessionStoreCallback<Record<string, SessionData>>): void {
      // A null-prototype object: ids come from cookies, and one may well be "__proto__".
      const work = this.#store.all().then((sessions) => {
        const byId = Object.create(null) as Record<string, SessionData>;
        for (const [id, session] of sessions) byId[id] = session;
        return byId;
      });
      settleInto(work, callback);
    }

    length(callback: SessionStoreCallback<number>): void {
      settleInto(this.#store.length(), callback);
    }

    clear(callback?: SessionStoreCallback<void>): void {
      settleInto(
        this.#store.clear().then(() => undefined),
        callback,
      );
    }
  };
}

/**
 * An Express error middleware that answers 503 (Service Unavailable) to
 * errors meaning Redis cannot be reached — session store errors included —
 * and passes every other error on. Mount it after your routes:
 * `app.use(sessionUnavailableHandler())`.
 *
 * When the response has already started, it can no longer change the status:
 * the error goes to `next` (Express then closes the connection).
 */
export function sessionUnavailableHandler(): (
  error: unknown,
  request: IncomingMessage,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void {
  return (error, _request, response, next) => {
    if (sessionErrorStatus(error) !== 503 || response.headersSent) {
      next(error);
      return;
    }
    response.statusCode = 503;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.end(JSON.stringify({ error: 'Service Unavailable', message: 'the session store is unavailable; try again shortly' }));
  };
}
