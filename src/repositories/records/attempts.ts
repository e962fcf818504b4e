import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../../errors.js';
import { UniqueViolationError } from './errors.js';
import type { RecordBackend, Txn, TxnWrite } from './record-backend.js';
import type { RepositoryCounters } from './repository-stats.js';

/** Upper bound of the random pause before retry n, in ms: n times this. */
const RETRY_SPREAD_MS = 5;

/** The plan of one optimistic attempt: writes to commit (or none: the call is done) and what the call resolves with. */
export type Attempt<R> = { result: R; writes?: readonly TxnWrite[] };

export interface AttemptsContext {
  namespace: string;
  /** Retries after the first attempt (`maxUpdateRetries`). */
  retries: number;
  counters: RepositoryCounters;
}

/**
 * Runs `attempt` on one connection (for `key`, the record's) until its writes commit, up to
 * `retries` more times after a conflict, then rejects with ConflictError.
 * An attempt that throws ends it all: nothing of it was written.
 */
export function runAttempts<R>(
  backend: RecordBackend,
  context: AttemptsContext,
  key: string,
  attempt: (txn: Txn) => Promise<Attempt<R>>,
): Promise<R> {
  const { counters, retries } = context;
  return backend.transaction(key, async (begin) => {
    for (let n = 1; ; n++) {
      const txn = begin();
      let plan: Attempt<R>;
      try {
        plan = await attempt(txn);
      } catch (error) {
        if (error instanceof UniqueViolationError) counters.uniqueViolations++;
        throw error;
      }
      if (plan.writes === undefined) return plan.result;
      if (await txn.commit(plan.writes)) {
        counters.writes++;
        return plan.result;
      }
      counters.conflicts++;
      if (n > retries) {
        counters.conflictErrors++;
        throw new ConflictError(`${context.namespace}: the record kept changing; gave up after ${n} attempts`, n);
      }
      // Contending writers that all retry at once would collide again: spread them out.
      await sleep(Math.random() * RETRY_SPREAD_MS * n);
    }
  });
}
