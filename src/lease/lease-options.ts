export interface LeaseOptions {
  /** Aborts the wait for a connection, or the lease itself (its connection is then destroyed). */
  signal?: AbortSignal;
  /** How long to wait for a connection, overriding acquireTimeoutMs. */
  timeoutMs?: number;
}
