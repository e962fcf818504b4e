/**
 * redis-kit's own RESP engine (issue #8): one connection speaking RESP2/RESP3,
 * its encoder and its parser. Not wired under the lanes yet; the seam in
 * engine.ts stays on ioredis until it is.
 *
 * How a lane is meant to drive it: its pending-command record implements
 * {@link RespCommand} (name, args, buffers, resolve, reject) and is passed to
 * `RespConnection.send()`, so a command costs that record and its encoded
 * bytes, nothing else; `send()` returning false means "stop until 'drain'"
 * (the lane's own bounded queue holds the rest); deadlines stay on the lane's
 * coarse clock (the connection has no timer per command); on `'close'` every
 * pending command has already failed (ConnectionLostError if written,
 * ClosedError if not), so the lane only replaces the connection.
 */
export type { RespCommand } from './command-queue.js';
export { type CommandArg, CommandWriter, encodeCommand } from './encode-command.js';
export { PromiseCommand } from './promise-command.js';
export { ReplyParser, type ReplySink } from './reply-parser.js';
export {
  type PushListener,
  RespConnection,
  type SetupStep,
  type RespConnectionEvents,
  type RespConnectionOptions,
} from './resp-connection.js';
export { RespErrorReply, RespProtocolError } from './resp-errors.js';
