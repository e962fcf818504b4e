/** `redis-kit/express`: the middleware, the error handler, and the shared "unavailable" pieces. */
import './types.js';

export { redisErrorHandler } from './error-handler.js';
export { metricsHandler } from './metrics-handler.js';
export { redisKit } from './middleware.js';
export { redisHealthRouter } from './health-router.js';
export type { HealthRoutesOptions } from '../observability/health-http.js';
export type { RequestLeaseOptions } from '../adapters/response-lease.js';
export { isRedisUnavailable, retryAfterSeconds, unavailableBody, type UnavailableBody } from '../adapters/unavailable-response.js';
