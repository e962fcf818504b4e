import type { RedisKitError } from '../errors.js';

/** What a transport tells the PubSub about. */
export interface TransportSink {
  /** A message arrived (pattern set when it came through a pattern subscription). */
  deliver(channel: string, payload: Buffer, pattern: string | undefined): void;
  /** What the connection must be subscribed to now: the registry's names. */
  wanted(): { channels: string[]; patterns: string[] };
  /** The connection came back and every subscription is confirmed again. */
  resubscribed(info: { channels: readonly string[]; patterns: readonly string[]; downtimeMs: number }): void;
  /** The connection was lost while subscriptions existed: messages are being missed. */
  disconnected(error: RedisKitError): void;
  /** Something failed that no caller is waiting for (a resubscription refused by an ACL …). */
  failed(error: RedisKitError): void;
}

/**
 * Where subscriptions live: a dedicated Redis connection, or the in-process
 * bus of memory mode. The PubSub registers a subscription before asking the
 * transport for it, so {@link TransportSink.wanted} already includes it.
 */
export interface Transport {
  /** Whether messages can arrive now. */
  readonly connected: boolean;
  /**
   * Subscribes to these names (SUBSCRIBE / PSUBSCRIBE; names already
   * subscribed are confirmed again). Resolves once they are in effect; rejects
   * after `timeoutMs`, or at once when Redis is known to be down.
   */
  subscribe(channels: readonly string[], patterns: readonly string[], timeoutMs: number): Promise<void>;
  /** Stops listening to names no subscription wants any more. Never rejects: failures go to {@link TransportSink.failed}. */
  unsubscribe(channels: readonly string[], patterns: readonly string[]): Promise<void>;
  /** PUBLISH: resolves with the number of subscriptions that received it. */
  publish(channel: string, message: string | Buffer): Promise<number>;
  /** Closes the connection gracefully. Idempotent. */
  close(): Promise<void>;
  /** Drops the connection at once; pending subscribe() calls reject with `error`. */
  destroy(error: Error): void;
}
