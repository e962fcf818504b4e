import type { RespErrorReply } from './resp-errors.js';

/**
 * Where the parser delivers each complete top-level reply, in wire order. The
 * connection implements it with its own methods, so no closure is made per
 * reply. A sink method must not throw: the parser is in the middle of a chunk.
 */
export interface ReplySink {
  /**
   * Asked once before each top-level reply that is not a push frame: should its
   * strings be Buffers? (The connection answers from the head of its pending
   * queue: `getBuffer` and friends want Buffers, everything else strings.)
   */
  wantsBuffers(): boolean;
  /** A complete reply that is not an error and not a push. */
  onReply(value: unknown): void;
  /** A top-level error reply. */
  onError(error: RespErrorReply): void;
  /** A RESP3 push frame (pub/sub, client-side-caching invalidation, …); strings are always Buffers. */
  onPush(frame: unknown[]): void;
}

/*
 * Value mapping, chosen to match what ioredis 6 returns with its defaults
 * (protocol 3, replyMapping 'legacy'), which is what redis-kit users get today,
 * so replies are the same shape over RESP2 and RESP3:
 *
 *   simple string `+`, bulk string `$`, verbatim `=` → string (Buffer when asked);
 *                                          verbatim without its `txt:` prefix
 *   double `,`                            → its text, like the bulk string RESP2 sent
 *   integer `:`                           → number
 *   big number `(`                        → string (always: it does not fit a number)
 *   boolean `#`                           → 1 / 0, as RESP2's integer reply
 *   null `_`, `$-1`, `*-1`                → null
 *   array `*`, set `~`, push `>`          → array
 *   map `%`                               → flat array [key, value, key, value …] (RESP2's shape)
 *   attribute `|`                         → dropped; the value it annotates is delivered
 *   error `-`, blob error `!`             → RespErrorReply (top level: onError; nested: in place)
 */
