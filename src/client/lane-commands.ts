import type { RedisCommander } from 'ioredis';

/**
 * The commands the client itself has: every command ioredis types, except
 * those that change the state of their connection (they run in `lease()`,
 * or in `subscribe()` for pub/sub), which a shared lane refuses.
 */
export type LaneCommands = Omit<
  RedisCommander,
  | 'multi'
  | 'pipeline'
  | 'watch'
  | 'unwatch'
  | 'exec'
  | 'discard'
  | 'select'
  | 'subscribe'
  | 'psubscribe'
  | 'ssubscribe'
  | 'unsubscribe'
  | 'punsubscribe'
  | 'sunsubscribe'
  | 'monitor'
  | 'quit'
  | 'auth'
  | 'hello'
  | 'reset'
>;
