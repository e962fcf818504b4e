import { RedisKitError } from '../../errors.js';

/**
 * An error reply from the server (`-ERR …`, RESP3 `!<len>` blob errors), as the
 * parser produces it. It is a value, not something redis-kit throws: a
 * top-level one is turned into a typed error by `classifyError` (which
 * recognises it by its name, `ReplyError`, exactly like ioredis's) before any
 * caller sees it; one nested in an aggregate (an EXEC result, a script's
 * table) stays in place in the array, as ioredis leaves it, for the layer that
 * knows the command to classify. It holds the server's text and nothing else:
 * never the command's arguments.
 */
export class RespErrorReply extends Error {
  override get name(): string {
    return 'ReplyError';
  }

  /** Redis's first word of the reply, e.g. `WRONGTYPE` (`ERR` when there is none). */
  get prefix(): string {
    return /^[A-Z][A-Z_-]*/.exec(this.message)?.[0] ?? 'ERR';
  }
}

/**
 * The bytes from the server are not RESP (a wrong port, a proxy speaking
 * something else, corruption). Fatal: nothing after it on that connection can
 * be trusted, so the connection fails every pending command and closes.
 */
export class RespProtocolError extends RedisKitError {
  /** Bytes parsed on this connection before the fault, for diagnostics. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super('ERR_REDIS_ENGINE', `RESP protocol error: ${message}`);
    this.offset = offset;
  }
}
