import { SessionDecodeError, SessionEncodeError } from './errors.js';
import type { SessionData, SessionSerializer } from './types.js';

/** Encodes a session, turning a serializer failure into a typed error. */
export function encodeSession(serializer: SessionSerializer, session: SessionData): string {
  let text: unknown;
  try {
    text = serializer.stringify(session);
  } catch (error) {
    throw new SessionEncodeError(`the serializer threw (${describeError(error)})`, { cause: error });
  }
  if (typeof text !== 'string') throw new SessionEncodeError(`the serializer returned ${describeValue(text)}, not a string`);
  return text;
}

/**
 * Decodes a stored session and checks its shape: a blob of the wrong shape is
 * a {@link SessionDecodeError}, never a crash further on (express-session, for
 * one, reads `session.cookie.expires` without checking).
 */
export function decodeSession<Data extends SessionData>(serializer: SessionSerializer, text: string, prefix: string): Data {
  let value: unknown;
  try {
    value = serializer.parse(text);
  } catch (error) {
    // Only the error's name: JSON.parse quotes the input in its message, and sessions are private.
    throw new SessionDecodeError(prefix, `the serializer threw ${error instanceof Error ? `a ${error.name}` : 'a non-error'}`, {
      cause: error,
    });
  }
  if (!isPlainObject(value)) throw new SessionDecodeError(prefix, `it decodes to ${describeValue(value)}, not an object`);
  const cookie = value.cookie;
  if (cookie !== undefined && cookie !== null && !isPlainObject(cookie)) {
    throw new SessionDecodeError(prefix, `its cookie is ${describeValue(cookie)}, not an object`);
  }
  return value as Data;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a value's kind without quoting it: session contents are private. */
function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
