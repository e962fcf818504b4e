import { Cache } from '../cache/cache.js';
import { PubSub, type PubSubStats } from '../pubsub/pubsub.js';

/** What the health report needs to know of the services registered on a client. */
export interface ServiceFacts {
  /** A Cache runs on the client: noeviction then makes its writes fail. */
  cacheEnabled: boolean;
  subscribers: PubSubStats[];
}

/** Reads {@link ServiceFacts} from the resources a client owns (its services register themselves). */
export function serviceFacts(resources: Iterable<unknown>): ServiceFacts {
  const facts: ServiceFacts = { cacheEnabled: false, subscribers: [] };
  for (const resource of resources) {
    if (resource instanceof Cache) facts.cacheEnabled = true;
    else if (resource instanceof PubSub) facts.subscribers.push(resource.stats());
  }
  return facts;
}
