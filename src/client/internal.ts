/**
 * Symbols through which redis-kit's own services reach parts of the client
 * that are not public API (they may change without notice).
 */

/** `client[kConnectionFactory]`: the factory the client makes its connections with (undefined in memory mode). */
export const kConnectionFactory: unique symbol = Symbol('redis-kit.connectionFactory');

/** What the client closes for a service when it closes: a subscriber, an invalidation connection. */
export interface OwnedResource {
  /** Graceful: finish what is in flight, then close. */
  close(): Promise<void>;
  /** At once: drop connections, fail what is pending. */
  destroy(error: Error): void;
  /**
   * The client has begun to close. Called before it waits for its leases
   * (`close` comes after that wait): a resource that holds a lease open, a
   * follow's XREAD BLOCK, lets go of it here, or the client's close would
   * wait for it.
   */
  clientClosing?(): void;
}

/** `client[kOwnResource](resource)`: the client closes (or destroys) `resource` with itself; returns the unregister function. */
export const kOwnResource: unique symbol = Symbol('redis-kit.ownResource');

/** `client[kOwnedResourceCount]`: how many resources are registered now (tests: closing services leaves none behind). */
export const kOwnedResourceCount: unique symbol = Symbol('redis-kit.ownedResourceCount');

/**
 * `client[kLaneBatch](commands, name?)`: a pipeline on a lane without the lanes'
 * refusal of connection-state commands, counted in stats and metrics as
 * `name` (default `pipeline`; the near-cache's tracked read is a `get`). Only for a command whose state
 * lasts exactly until the next one of the same batch (the near-cache's
 * `CLIENT CACHING YES` before its GET), so nothing leaks into other callers' commands.
 */
export const kLaneBatch: unique symbol = Symbol('redis-kit.laneBatch');
