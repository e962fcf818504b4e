/**
 * The cookie part of a session, as express-session and @fastify/session keep
 * it. Both put a `Cookie` object here while a request runs (with `expires` a
 * Date) and store its JSON form (with `expires` an ISO string).
 */
export interface SessionCookieData {
  /** When the cookie (and so the session) expires; `null` for a browser-session cookie. */
  expires?: Date | string | null;
  /** Milliseconds left, when the framework keeps it. */
  maxAge?: number | null;
  /** The `maxAge` the cookie was configured with, in ms. */
  originalMaxAge?: number | null;
  [key: string]: unknown;
}

/** A session as the store keeps it: any JSON-like object, usually with a `cookie`. */
export interface SessionData {
  cookie?: SessionCookieData;
  [key: string]: unknown;
}

/**
 * How sessions are turned into strings and back. JSON by default; a binary
 * codec (msgpack …) must produce a string here, e.g. base64.
 */
export interface SessionSerializer {
  /** Encodes a session. May throw (a BigInt, a cycle): the store reports it as `SessionEncodeError`. */
  stringify(session: SessionData): string;
  /** Decodes what `stringify` produced. May throw: the store reports it as `SessionDecodeError`. */
  parse(text: string): unknown;
}

/** `JSON.stringify` / `JSON.parse`: what express-session and connect-redis store. */
export const jsonSessionSerializer: SessionSerializer = {
  stringify: (session) => JSON.stringify(session),
  parse: (text) => JSON.parse(text),
};
