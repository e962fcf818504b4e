import { encodeKeyPart } from '../../keys/key-encoding.js';
import type { Lease } from '../../lease/leased-connection.js';
import type { RedisKit } from '../../services/redis-kit.js';

/** How long an inbox lives after its last message: undelivered notices do not pile up for ever. */
const INBOX_TTL_MS = 7 * 86_400_000;

/**
 * Each user's inbox of notices: a Redis list (`inbox:<encoded user id>`),
 * pushed to at the tail and taken from the head, each notice delivered to
 * exactly one reader. Taking waits with BLPOP, a blocking read: it needs a
 * connection of its own for as long as it waits, so {@link Inbox.take} runs
 * on a leased connection, never on the shared lanes.
 */
export class Inbox {
  /** Appends `text` to the user's inbox (and renews its lifetime); resolves the inbox's length. */
  async push(redis: RedisKit, userId: string, text: string): Promise<number> {
    const key = inboxKey(userId);
    // One round trip, atomic: a push never leaves an inbox without its expiry.
    const replies = await redis.multi().rpush(key, text).pexpire(key, INBOX_TTL_MS).exec();
    const length = replies?.[0]?.[1];
    return typeof length === 'number' ? length : 0;
  }

  /**
   * The oldest notice of the user's inbox, taken out of it, waiting up to
   * `waitMs` for one to arrive; undefined when none did. `connection` must
   * be the caller's alone (a lease): BLPOP holds it while it waits.
   */
  async take(connection: Lease, userId: string, waitMs: number): Promise<string | undefined> {
    // BLPOP's timeout is in seconds, fractions allowed (Redis 6+).
    const reply = await connection.blpop(inboxKey(userId), waitMs / 1000);
    return reply === null ? undefined : reply[1];
  }
}

function inboxKey(userId: string): string {
  return `inbox:${encodeKeyPart(userId)}`;
}
