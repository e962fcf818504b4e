/** Sessions: a Redis session store, and adapters for express-session and @fastify/session. */
export type { SessionAdapterOptions, SessionStoreCallback } from './adapter-support.js';
export { SessionDecodeError, SessionEncodeError, type SessionErrorCode, SessionUnavailableError, sessionErrorStatus } from './errors.js';
export { type ExpressSessionModule, type ExpressStoreMethods, expressSessionStore, sessionUnavailableHandler } from './express.js';
export { type FastifySessionStoreAdapter, fastifySessionStore } from './fastify.js';
export type { SessionFallback, SessionStoreOptions } from './options.js';
export { createSessionStore, SessionStore, type SessionStoreEvents } from './session-store.js';
export { jsonSessionSerializer, type SessionCookieData, type SessionData, type SessionSerializer } from './types.js';
