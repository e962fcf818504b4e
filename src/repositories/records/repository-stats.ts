/** What a repository counted since it was made. */
export interface RepositoryStats {
  /** Records looked up (`get`, each id of `getMany`, `findBy`, `list`). */
  reads: number;
  /** Lookups that found no record, or (with `onInvalid: 'miss'`) an invalid one. */
  misses: number;
  /** Stored records that could not be decoded or that the schema refused (schema drift, corrupt data). */
  invalid: number;
  /** Writes committed (puts, creates, updates, deletes of an existing record). */
  writes: number;
  /** Optimistic attempts that lost to another writer and were retried or given up. */
  conflicts: number;
  /** Operations that gave up with `ConflictError`. */
  conflictErrors: number;
  /** Writes refused with `UniqueViolationError`. */
  uniqueViolations: number;
}

export class RepositoryCounters implements RepositoryStats {
  reads = 0;
  misses = 0;
  invalid = 0;
  writes = 0;
  conflicts = 0;
  conflictErrors = 0;
  uniqueViolations = 0;

  snapshot(): RepositoryStats {
    const { reads, misses, invalid, writes, conflicts, conflictErrors, uniqueViolations } = this;
    return { reads, misses, invalid, writes, conflicts, conflictErrors, uniqueViolations };
  }
}
