/** A record with its id. */
export interface StoredRecord<T> {
  id: string;
  value: T;
}

/** Options of one `put` / `create`. */
export interface PutOptions {
  /** This record's time to live in ms, instead of the repository's `ttlMs`. Integer 1 to 315,360,000,000. */
  ttlMs?: number;
}

/** Options of `list()`. */
export interface ListOptions {
  /** Where to continue: the `cursor` of the previous page. Omit for the first page. */
  cursor?: string;
  /** Most records in the page. Integer 1 to 1000. Default 100. */
  limit?: number;
}

/** One page of `list()`. */
export interface RecordPage<T> {
  records: StoredRecord<T>[];
  /** Pass to the next `list()`; undefined when this was the last page. */
  cursor: string | undefined;
}
