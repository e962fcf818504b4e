import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * Every diagnostics_channel redis-kit publishes on, named in one place. The
 * core publishes; metrics, logs and tracing subscribe. Publishing checks
 * `hasSubscribers` first, so an unobserved channel costs one property read.
 */
export const channelNames = {
  /** A connection was opened. Message: {@link ConnectionEvent}. */
  connectionCreate: 'redis-kit:connection:create',
  /** Opening a connection failed. Message: {@link ConnectionEvent} with `error`. */
  connectionFail: 'redis-kit:connection:fail',
  /** A connection was closed or destroyed. Message: {@link ConnectionEvent} with `reason`. */
  connectionDestroy: 'redis-kit:connection:destroy',
  /** A lease was handed out. Message: {@link LeaseEvent}. */
  leaseAcquire: 'redis-kit:lease:acquire',
  /** A lease was given back. Message: {@link LeaseEvent}. */
  leaseRelease: 'redis-kit:lease:release',
  /** The circuit breaker changed state. Message: {@link BreakerEvent}. */
  breakerState: 'redis-kit:breaker:state',
  /** A command finished, well or not. Message: {@link CommandEvent}. */
  commandEnd: 'redis-kit:command:end',
  /** A cache read ended (get, wrap). Message: {@link CacheResultEvent}. */
  cacheResult: 'redis-kit:cache:result',
  /** A rate limiter answered `consume`. Message: {@link RateLimitDecisionEvent}. */
  rateLimitDecision: 'redis-kit:rate-limit:decision',
  /** A pub/sub message arrived on a subscriber connection (once per connection, before dispatch). Message: {@link PubSubMessageEvent}. */
  pubsubMessage: 'redis-kit:pubsub:message',
  /** Subscriptions were restored after a reconnect; messages may have been missed. Message: {@link PubSubResubscribedEvent}. */
  pubsubResubscribed: 'redis-kit:pubsub:resubscribed',
} as const;

/**
 * What a connection is for: `lane` (ordinary commands), `lease` (the
 * exclusive pool), `subscriber` (pub/sub), `invalidation` (the near-cache's
 * tracking connection).
 */
export type ConnectionRole = 'lane' | 'lease' | 'subscriber' | 'invalidation';

/**
 * Why a connection was closed: `idle` (past idleTimeoutMs), `lifetime` (past
 * maxLifetimeMs), `broken` (it died), `dirty` (returned in a state that
 * cannot be reset cheaply), `validation` (its PING after idling failed),
 * `close` (graceful shutdown), `destroy` (forced shutdown).
 */
export type DestroyReason = 'idle' | 'lifetime' | 'broken' | 'dirty' | 'validation' | 'close' | 'destroy';

export interface ConnectionEvent {
  role: ConnectionRole;
  id: number;
  /** Why it was destroyed (`connectionDestroy` only). */
  reason?: DestroyReason;
  error?: Error;
}

export interface LeaseEvent {
  id: number;
  /** Time spent waiting for the lease (acquire) or holding it (release), in ms. */
  durationMs: number;
}

export interface BreakerEvent {
  from: 'closed' | 'open';
  to: 'closed' | 'open';
  error?: Error;
}

export interface CommandEvent {
  command: string;
  durationMs: number;
  /** Present when the command failed; `error.code` says the kind. */
  error?: Error;
}

/**
 * How a cache read ended, one outcome per read: `near-hit` (the in-process
 * near-cache), `hit` (Redis), `fallback-hit` (the memory fallback while Redis
 * was unreachable), `miss`.
 */
export type CacheOutcome = 'hit' | 'miss' | 'fallback-hit' | 'near-hit';

export interface CacheResultEvent {
  /** The cache's namespace (chosen by the code, never by input). */
  namespace: string;
  outcome: CacheOutcome;
  /** A stale value served by `wrap()` while a refresh runs (stale-while-revalidate). */
  stale: boolean;
}

export interface RateLimitDecisionEvent {
  /** The limiter's key namespace (`<prefix>:<algorithm tag>`), never the caller's key. */
  namespace: string;
  allowed: boolean;
  /** Where the answer came from: `redis`, or a fallback (`memory`, `open`, `closed`). */
  source: 'redis' | 'memory' | 'open' | 'closed';
}

export interface PubSubMessageEvent {
  channel: string;
  /** The pattern it matched, for a PSUBSCRIBE delivery. */
  pattern?: string;
  /** Payload size in bytes. */
  bytes: number;
}

export interface PubSubResubscribedEvent {
  channels: readonly string[];
  patterns: readonly string[];
  /** How long the subscriptions were down, in ms. */
  downtimeMs: number;
}

export const channels = {
  connectionCreate: diagnosticsChannel.channel(channelNames.connectionCreate),
  connectionFail: diagnosticsChannel.channel(channelNames.connectionFail),
  connectionDestroy: diagnosticsChannel.channel(channelNames.connectionDestroy),
  leaseAcquire: diagnosticsChannel.channel(channelNames.leaseAcquire),
  leaseRelease: diagnosticsChannel.channel(channelNames.leaseRelease),
  breakerState: diagnosticsChannel.channel(channelNames.breakerState),
  commandEnd: diagnosticsChannel.channel(channelNames.commandEnd),
  cacheResult: diagnosticsChannel.channel(channelNames.cacheResult),
  rateLimitDecision: diagnosticsChannel.channel(channelNames.rateLimitDecision),
  pubsubMessage: diagnosticsChannel.channel(channelNames.pubsubMessage),
  pubsubResubscribed: diagnosticsChannel.channel(channelNames.pubsubResubscribed),
};
