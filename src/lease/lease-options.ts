export interface LeaseOptions {
  /** Aborts the wait for a connection, or the lease itself (its connection is then destroyed). */
  signal?: AbortSignal;
  /**
   * How long to wait for a connection in ms, overriding acquireTimeoutMs. A
   * finite number ≥ 0: NaN, Infinity, a negative number or a string is
   * refused with InvalidArgumentError.
   */
  timeoutMs?: number;
}
