import type { RedisClient } from '../client/client.js';
import { Availability } from '../fallback/availability.js';

interface Shared {
  availability: Availability;
  users: number;
}

const shared = new WeakMap<RedisClient, Map<number, Shared>>();

/**
 * One {@link Availability} per client and `recoverAfterMs`, shared by every
 * cache that asks for it: an application with a dozen caches adds two
 * listeners to the client, not two dozen (which would also trip Node's
 * MaxListenersExceededWarning at eleven). Returns it and the function that
 * gives it back; the last user disposes it.
 */
export function acquireAvailability(redis: RedisClient, recoverAfterMs: number): { availability: Availability; release: () => void } {
  let byDelay = shared.get(redis);
  if (byDelay === undefined) {
    byDelay = new Map();
    shared.set(redis, byDelay);
  }
  let entry = byDelay.get(recoverAfterMs);
  if (entry === undefined) {
    const availability = new Availability(redis, { recoverAfterMs });
    // Every cache of the client listens here; the count is bounded by the caches, not a leak.
    availability.setMaxListeners(0);
    entry = { availability, users: 0 };
    byDelay.set(recoverAfterMs, entry);
  }
  entry.users++;
  const owned = entry;
  const table = byDelay;
  let released = false;
  return {
    availability: owned.availability,
    release() {
      if (released) return;
      released = true;
      if (--owned.users > 0) return;
      owned.availability.dispose();
      if (table.get(recoverAfterMs) === owned) table.delete(recoverAfterMs);
    },
  };
}
