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

export const channels = {
  connectionCreate: diagnosticsChannel.channel(channelNames.connectionCreate),
  connectionFail: diagnosticsChannel.channel(channelNames.connectionFail),
  connectionDestroy: diagnosticsChannel.channel(channelNames.connectionDestroy),
  leaseAcquire: diagnosticsChannel.channel(channelNames.leaseAcquire),
  leaseRelease: diagnosticsChannel.channel(channelNames.leaseRelease),
  breakerState: diagnosticsChannel.channel(channelNames.breakerState),
  commandEnd: diagnosticsChannel.channel(channelNames.commandEnd),
};
