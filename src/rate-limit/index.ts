export {
  type FastifyIncrResult,
  type FastifyRateLimitStoreClass,
  type FastifyRateLimitStoreLike,
  type FastifyStoreOptions,
  fastifyRateLimitStore,
} from './fastify-store.js';
export type { FailMode, RateLimitAlgorithm, RateLimiterOptions } from './options.js';
export { createRateLimiter, RateLimiter, type RuleOverrides } from './rate-limiter.js';
export { type RateLimitHeaders, type RateLimitResult, type RateLimitSource, rateLimitHeaders } from './result.js';
