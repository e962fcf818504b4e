import {
  AuthError,
  ConnectError,
  ConnectionLostError,
  EngineError,
  NoPermissionError,
  NoReplicasError,
  OutOfMemoryError,
  ReadOnlyError,
  RedisKitError,
  ReplyError,
  SlotMovedError,
  WrongTypeError,
} from '../errors.js';

/**
 * Turns whatever the protocol engine threw into a typed redis-kit error.
 *
 * Errors are classified by meaning, not by prefix alone: an ACL denial raised
 * inside EVAL arrives as `ERR ... no permissions ...` (the script wraps it), and
 * an over-`maxmemory` write inside a script arrives as `ERR ... OOM ...`.
 */
export function classifyError(error: unknown, command?: string): RedisKitError {
  if (error instanceof RedisKitError) return error;
  if (!(error instanceof Error)) {
    return new RedisKitError('ERR_REDIS_REPLY', `unexpected non-error thrown: ${String(error)}`);
  }
  if (isReplyError(error)) return classifyReply(error, command);

  const cause = sanitizedCause(error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return new ConnectError('', `cannot connect: ${error.message}`, { cause });
  }
  if (error.name === 'ClusterAllFailedError') {
    return new ConnectError('', `no cluster node could be reached: ${error.message}`, { cause });
  }
  if (isConnectionLoss(error)) {
    const lost = new ConnectionLostError(
      `connection lost while ${command ?? 'the command'} was in flight; it may or may not have run (${error.message})`,
      { cause },
    );
    if (error.message.startsWith(NOT_WRITABLE)) unsent.add(lost);
    return lost;
  }
  // Anything else the engine raised itself, before sending (a cross-slot
  // pipeline in a cluster, a malformed argument): nothing reached the server.
  return new EngineError(`${command ?? 'the command'} was refused by the client before it was sent: ${error.message}`, { cause });
}

/**
 * A copy of an engine error that is safe to keep as `cause`: name, message
 * and errno code only. ioredis attaches the command to its errors
 * (`.command.args`), and for AUTH or HELLO those arguments hold the
 * password, which `util.inspect(error, { depth: … })` would print.
 */
export function sanitizedCause(error: unknown): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const copy: Error & { code?: string } = new Error(error.message);
  copy.name = error.name;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string') copy.code = code;
  if (error.stack !== undefined) copy.stack = error.stack;
  return copy;
}

/** ioredis's words for "the socket was not writable": the command never left. */
const NOT_WRITABLE = "Stream isn't writeable";
/** Typed errors of commands that were never written, so sending them again cannot run them twice. */
const unsent = new WeakSet<Error>();

/**
 * A connection loss for a command that never reached the socket (the own
 * engine's connection was closed, or not ready, before it was written):
 * typed like ioredis's "Stream isn't writeable", so a lane may send it again.
 */
export function unsentLoss(message: string, cause?: Error): ConnectionLostError {
  const lost = new ConnectionLostError(message, cause === undefined ? undefined : { cause });
  unsent.add(lost);
  return lost;
}

/** Whether `error` says its command never reached the socket (typed by {@link classifyError}, or the engine's own). */
export function neverSent(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return unsent.has(error) || (!(error instanceof RedisKitError) && error.message.startsWith(NOT_WRITABLE));
}

/** The engine's words for "the socket went away while this was in flight". */
const LOSS =
  /Connection is closed|Stream isn't writeable|aborted due to connection close|max retries per request|Socket timeout|socket hang up/i;
const LOSS_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED']);

function isConnectionLoss(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    error.name === 'AbortError' ||
    (code !== undefined && LOSS_CODES.has(code)) ||
    LOSS.test(error.message)
  );
}

/** True for an error reply sent by the server (as opposed to a socket or client error), raw or typed. */
export function isReplyError(error: Error): boolean {
  if (error instanceof ReplyError || error instanceof AuthError) return true;
  const name = error.name;
  return name === 'ReplyError' || name === 'SimpleError' || name === 'BlobError';
}

const PERMISSION = /\bNOPERM\b|no permissions? to (run|access)|can't run this command|not allowed to (run|access)/i;
const OOM = /\bOOM\b|command not allowed when used memory > 'maxmemory'/;
const AUTH = /^(WRONGPASS|NOAUTH)\b|invalid username-password|Client sent AUTH, but no password is set|without any password configured/i;

function classifyReply(error: Error, command: string | undefined): RedisKitError {
  const message = error.message;
  const prefix = /^[A-Z][A-Z_-]*/.exec(message)?.[0] ?? 'ERR';
  const options = { cause: sanitizedCause(error) };
  if (AUTH.test(message)) return new AuthError(`authentication failed: ${message}`, options);
  if (prefix === 'WRONGTYPE') return new WrongTypeError(message, prefix, command, options);
  if (prefix === 'NOPERM' || PERMISSION.test(message)) return new NoPermissionError(message, prefix, command, options);
  if (prefix === 'OOM' || OOM.test(message)) return new OutOfMemoryError(message, prefix, command, options);
  if (prefix === 'READONLY') return new ReadOnlyError(message, prefix, command, options);
  if (prefix === 'NOREPLICAS') return new NoReplicasError(message, prefix, command, options);
  if (prefix === 'MOVED' || prefix === 'ASK') return new SlotMovedError(message, prefix, command, options);
  return new ReplyError(message, prefix, command, options);
}
