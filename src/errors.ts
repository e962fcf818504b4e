/**
 * Every error redis-kit throws, in one import: the base class and its codes
 * (`errors/redis-kit-error.ts`), then the errors by where they arise.
 */
export * from './errors/redis-kit-error.js';
export * from './errors/connection-errors.js';
export * from './errors/wait-errors.js';
export * from './errors/reply-errors.js';
export * from './errors/usage-errors.js';
