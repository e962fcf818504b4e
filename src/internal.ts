/**
 * Symbols through which redis-kit's own services reach parts of the client
 * that are not public API (they may change without notice).
 */

/** `client[kConnectionFactory]`: the factory the client makes its connections with (undefined in memory mode). */
export const kConnectionFactory: unique symbol = Symbol('redis-kit.connectionFactory');
