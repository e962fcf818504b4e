/**
 * The four algorithms in plain TypeScript, for the in-process fallback. Each
 * mirrors its Lua script (src/rate-limit/*.lua) rule for rule, so a service
 * behaves the same on memory:// as on Redis, only per process.
 */

/** What an algorithm decided: the fields of a result that depend on the state. */
export interface Decision {
  allowed: boolean;
  remaining: number;
  resetMs: number;
  retryAfterMs: number;
}

/** One call's outcome: the decision, the state to keep, and how long it matters (ms). */
export interface Step<S> {
  decision: Decision;
  /** `undefined`: nothing worth keeping (the key is at its full quota). */
  state: S | undefined;
  /** After this many ms the state is equivalent to no state at all. */
  ttlMs: number;
}

export interface Rule {
  limit: number;
  windowMs: number;
}

/**
 * The sliding window counter of sliding-counter.lua: the count of the current
 * aligned window and of the one before it (see that script for the rule and
 * what it promises).
 */
export interface CounterState {
  /** The current window's number: windows are [n × windowMs, (n + 1) × windowMs) of the limiter's clock. */
  index: number;
  current: number;
  previous: number;
  /** The window length the counts were made in. */
  windowMs: number;
}

export function slidingCounter(state: CounterState | undefined, now: number, rule: Rule, cost: number): Step<CounterState> {
  const { limit, windowMs } = rule;
  // Whole milliseconds, as the script takes them from TIME.
  let time = Math.floor(now);
  let index = Math.floor(time / windowMs);
  let current = 0;
  let previous = 0;
  if (state !== undefined) {
    if (state.windowMs !== windowMs) previous = state.current;
    else if (state.index === index) ({ current, previous } = state);
    else if (state.index === index - 1) previous = state.current;
    else if (state.index > index) {
      // A clock that stepped back stays at the start of the newest window counted.
      index = state.index;
      time = index * windowMs;
      ({ current, previous } = state);
    }
  }
  const elapsed = time - index * windowMs;
  const need = Math.max(cost, 1);
  const room = limit - current - need;
  // estimate + need ≤ limit, in integers: previous × (w − e) ≤ room × w.
  const allowed = room >= 0 && previous * (windowMs - elapsed) <= room * windowMs;
  const writes = allowed && cost > 0;
  if (writes) current += cost;
  const remaining = Math.max(0, Math.floor(((limit - current) * windowMs - previous * (windowMs - elapsed)) / windowMs));
  const resetMs = current > 0 ? 2 * windowMs - elapsed : previous > 0 ? windowMs - elapsed : 0;
  let retryAfterMs = 0;
  if (!allowed) {
    retryAfterMs =
      room >= 0
        ? windowMs - Math.floor((room * windowMs) / previous) - elapsed
        : 2 * windowMs - elapsed - Math.floor(((limit - need) * windowMs) / current);
    retryAfterMs = Math.max(1, retryAfterMs);
  }
  // A call that counts nothing leaves the state as it was, as the script leaves the hash: a later
  // call (after the clock stepped back, say) must see what Redis would.
  let kept: CounterState | undefined;
  if (writes) kept = { index, current, previous, windowMs };
  else if (current > 0 || previous > 0) kept = state;
  return {
    decision: { allowed, remaining, resetMs, retryAfterMs },
    state: kept,
    // Until the end of the window after the one written in, as the script's PEXPIREAT.
    ttlMs: kept === undefined ? 0 : (kept.index + 2) * kept.windowMs - Math.floor(now),
  };
}

/** Sliding log in runs: units consumed at the same instant share one entry. */
export interface SlidingState {
  /** Times (ms, the limiter's clock), oldest first. */
  times: number[];
  /** Units consumed at each time. */
  counts: number[];
  total: number;
}

export function slidingLog(state: SlidingState | undefined, now: number, rule: Rule, cost: number): Step<SlidingState> {
  const { limit, windowMs } = rule;
  const log = state ?? { times: [], counts: [], total: 0 };
  // A unit stamped ts counts while ts > now - window.
  let expired = 0;
  while (expired < log.times.length && (log.times[expired] as number) <= now - windowMs) {
    log.total -= log.counts[expired] as number;
    expired++;
  }
  if (expired > 0) {
    log.times.splice(0, expired);
    log.counts.splice(0, expired);
  }
  const need = Math.max(cost, 1);
  const allowed = log.total + need <= limit;
  if (allowed && cost > 0) {
    log.times.push(now);
    log.counts.push(cost);
    log.total += cost;
  }
  let retryAfterMs = 0;
  if (!allowed) {
    // The oldest units whose expiry frees room for this cost.
    let freed = 0;
    for (let i = 0; i < log.times.length; i++) {
      freed += log.counts[i] as number;
      if (log.total - freed + need <= limit) {
        retryAfterMs = Math.max(1, Math.ceil((log.times[i] as number) + windowMs - now));
        break;
      }
    }
  }
  const newest = log.times[log.times.length - 1];
  const resetMs = newest === undefined ? 0 : Math.ceil(newest + windowMs - now);
  return {
    decision: { allowed, remaining: Math.max(0, limit - log.total), resetMs, retryAfterMs },
    state: log.total === 0 ? undefined : log,
    ttlMs: resetMs,
  };
}

/** Tokens in integer units of 1/windowMs token, as the Lua script keeps them. */
export interface BucketState {
  units: number;
  /** Whole ms (the limiter's clock) the units were counted at. */
  at: number;
}

export function tokenBucket(state: BucketState | undefined, now: number, rule: Rule, cost: number): Step<BucketState> {
  const { limit, windowMs } = rule;
  const capacity = limit * windowMs;
  const time = Math.floor(now);
  let units = capacity;
  let at = time;
  if (state !== undefined) {
    units = state.units;
    at = state.at;
    if (time > at) {
      units += (time - at) * limit;
      at = time;
    }
    if (units > capacity) units = capacity;
  }
  const need = Math.max(cost, 1) * windowMs;
  const allowed = units >= need;
  if (allowed && cost > 0) units -= cost * windowMs;
  const resetMs = Math.ceil((capacity - units) / limit);
  return {
    decision: {
      allowed,
      remaining: Math.floor(units / windowMs),
      resetMs,
      retryAfterMs: allowed ? 0 : Math.max(1, Math.ceil((need - units) / limit)),
    },
    state: units >= capacity ? undefined : { units, at },
    ttlMs: Math.max(1, resetMs),
  };
}

export interface WindowState {
  count: number;
  /** When the window ends (ms, the limiter's clock). */
  endsAt: number;
}

export function fixedWindow(state: WindowState | undefined, now: number, rule: Rule, cost: number): Step<WindowState> {
  const { limit, windowMs } = rule;
  const live = state !== undefined && state.endsAt > now ? state : undefined;
  // A window starts at a key's first consume, as the counter's TTL does in Redis.
  const endsAt = live?.endsAt ?? now + windowMs;
  let count = live?.count ?? 0;
  const allowed = count + Math.max(cost, 1) <= limit;
  if (allowed && cost > 0) count += cost;
  const ttlMs = Math.max(0, Math.ceil(endsAt - now));
  return {
    decision: {
      allowed,
      remaining: Math.max(0, limit - count),
      resetMs: count > 0 ? ttlMs : 0,
      retryAfterMs: allowed ? 0 : Math.max(1, ttlMs),
    },
    state: count > 0 ? { count, endsAt } : undefined,
    ttlMs,
  };
}
