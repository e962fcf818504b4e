import { EventStreams } from './sse.js';

/** Rate-limit decisions since the service started. */
export interface RateLimitDecisions {
  allowed: number;
  denied: number;
}

/**
 * What the routes of one reference service share: whether it takes traffic
 * (false from the first step of a shutdown), the rate-limit decisions the
 * dashboard shows, and its open event streams.
 */
export class ServiceState {
  /** False while shutting down: `/health/ready` answers 503 so load balancers stop sending. */
  ready = true;
  readonly decisions: RateLimitDecisions = { allowed: 0, denied: 0 };
  readonly streams = new EventStreams();
}
