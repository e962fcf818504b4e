export { RecordNotFoundError, UniqueViolationError } from './errors.js';
export { createRepository, Repository } from './record-repository.js';
export type { ListOptions, PutOptions, RecordPage, StoredRecord } from './record-types.js';
export type { FieldOf, OnInvalid, RepositoryOptions } from './record-options.js';
export type { RepositoryStats } from './repository-stats.js';
