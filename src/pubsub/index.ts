/** Pub/sub: `createPubSub(redis)` — handles on one subscriber connection per client (or their own with `dedicated: true`), resubscribed after every reconnect; an in-process bus in memory mode. */
export { PubSubHandlerError } from './errors.js';
export { globMatch } from './glob.js';
export type { PubSubMessage } from './message.js';
export type { MessageIterator } from './message-iterator.js';
export type { MessagesOptions, OverflowPolicy, PubSubOptions } from './options.js';
export { createPubSub, PubSub } from './pubsub.js';
export type { PubSubEvents, PubSubStats, ResubscribedEvent } from './pubsub.js';
export type { MessageHandler, Subscription } from './subscription.js';
export type { TopicSet, Topics } from './topics.js';
