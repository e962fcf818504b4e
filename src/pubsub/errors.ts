import { RedisKitError } from '../errors.js';

/**
 * A subscription's handler threw or rejected. Reported through the PubSub's
 * `'error'` event; the connection and every other handler carry on.
 * `cause` is what the handler threw.
 */
export class PubSubHandlerError extends RedisKitError {
  /** The channel of the message the handler failed on. */
  readonly channel: string;
  /** The pattern that matched, for a pattern subscription. */
  readonly pattern: string | undefined;

  constructor(channel: string, pattern: string | undefined, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'ERR_REDIS_PUBSUB_HANDLER',
      `a pub/sub handler failed on a message from ${pattern === undefined ? `channel ${channel}` : `${channel} (pattern ${pattern})`}: ${reason}`,
      { cause },
    );
    this.channel = channel;
    this.pattern = pattern;
  }
}
