import { isRedisDown } from '../fallback/availability.js';
import { SessionDecodeError, SessionUnavailableError } from './errors.js';
import type { SessionStore } from './session-store.js';
import type { SessionData } from './types.js';

/** Options shared by the framework adapters. */
export interface SessionAdapterOptions {
  /**
   * Told when a stored session cannot be read (a {@link SessionDecodeError}:
   * malformed, of the wrong shape, written by another serializer). The
   * adapter then answers "no such session", so the framework starts a fresh
   * one instead of failing every request that carries the cookie until it
   * expires. Default: `process.emitWarning(error)`.
   */
  onInvalidSession?: (error: SessionDecodeError) => void;
}

/** A Node-style callback; frameworks pass one to every store call. */
export type SessionStoreCallback<T> = (error: unknown, value?: T) => void;

/**
 * Settles `work` into `callback` on a later tick, outside the promise chain:
 * a callback that throws surfaces as an uncaught exception, as with any
 * callback API, instead of being turned into a second call or an unhandled
 * rejection. Errors meaning "Redis cannot be reached" become a
 * {@link SessionUnavailableError} (statusCode 503).
 */
export function settleInto<T>(work: Promise<T>, callback: SessionStoreCallback<T> | undefined): void {
  work.then(
    (value) => {
      if (callback !== undefined) process.nextTick(callback, null, value);
    },
    (error: unknown) => {
      const reported = isRedisDown(error) ? new SessionUnavailableError({ cause: error }) : error;
      if (callback !== undefined) process.nextTick(callback, reported);
      // Nobody asked to hear about it (a caller without a callback): still not swallowed.
      else process.emitWarning(reported instanceof Error ? reported : new Error(String(reported)));
    },
  );
}

/**
 * `store.get` as a framework wants it: `null` for no session, and also for a
 * stored blob that cannot be a session (reported, then treated as absent).
 * `requireCookie`: express-session reads `session.cookie.expires` unchecked,
 * so for it a session without a cookie object is not a session either.
 */
export async function getForFramework(
  store: SessionStore,
  id: string,
  requireCookie: boolean,
  onInvalid: (error: SessionDecodeError) => void,
): Promise<SessionData | null> {
  try {
    const session = await store.get(id);
    if (session === undefined) return null;
    if (requireCookie && (typeof session.cookie !== 'object' || session.cookie === null)) {
      throw new SessionDecodeError(store.prefix, 'it has no cookie object, which the framework needs');
    }
    return session;
  } catch (error) {
    if (!(error instanceof SessionDecodeError)) throw error;
    onInvalid(error);
    return null;
  }
}

export function resolveOnInvalid(options: SessionAdapterOptions | undefined): (error: SessionDecodeError) => void {
  return options?.onInvalidSession ?? ((error) => process.emitWarning(error));
}
