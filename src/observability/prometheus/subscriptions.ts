import diagnosticsChannel from 'node:diagnostics_channel';
import {
  type BreakerEvent,
  type CacheResultEvent,
  type CommandEvent,
  type ConnectionEvent,
  channelNames,
  type LeaseEvent,
  type PubSubMessageEvent,
  type RateLimitDecisionEvent,
} from '../channels.js';
import type { ChannelInstruments } from './instruments.js';
import { breakerStates, cacheOutcomes, destroyReasons, errorType, operationName, oneOf, rateLimitSources, roles } from './labels.js';

type Listener = (message: unknown) => void;

/** Channel name → what a message does to the instruments. Messages are the core's own, typed in channels.ts. */
function listeners(m: ChannelInstruments): [string, Listener][] {
  return [
    [
      channelNames.commandEnd,
      (message) => {
        const event = message as CommandEvent;
        const command = operationName(event.command);
        const seconds = event.durationMs / 1000;
        if (event.error === undefined) {
          m.operationDuration.observe({ db_operation_name: command }, seconds);
          m.commands.inc({ db_operation_name: command, outcome: 'ok' });
        } else {
          m.operationDuration.observe({ db_operation_name: command, error_type: errorType(event.error) }, seconds);
          m.commands.inc({ db_operation_name: command, outcome: 'error' });
        }
      },
    ],
    [channelNames.leaseAcquire, (message) => m.waitTime.observe((message as LeaseEvent).durationMs / 1000)],
    [channelNames.leaseRelease, (message) => m.useTime.observe((message as LeaseEvent).durationMs / 1000)],
    [channelNames.connectionCreate, (message) => m.created.inc({ role: oneOf((message as ConnectionEvent).role, roles) })],
    [channelNames.connectionFail, (message) => m.failed.inc({ role: oneOf((message as ConnectionEvent).role, roles) })],
    [
      channelNames.connectionDestroy,
      (message) => {
        const event = message as ConnectionEvent;
        m.destroyed.inc({ role: oneOf(event.role, roles), reason: oneOf(event.reason, destroyReasons) });
      },
    ],
    [channelNames.breakerState, (message) => m.breakerTransitions.inc({ to: oneOf((message as BreakerEvent).to, breakerStates) })],
    [
      channelNames.cacheResult,
      (message) => {
        const event = message as CacheResultEvent;
        m.cacheRequests.inc({ namespace: event.namespace, outcome: oneOf(event.outcome, cacheOutcomes) });
        if (event.stale) m.cacheStaleHits.inc({ namespace: event.namespace });
      },
    ],
    [
      channelNames.rateLimitDecision,
      (message) => {
        const event = message as RateLimitDecisionEvent;
        m.rateLimitDecisions.inc({
          namespace: event.namespace,
          decision: event.allowed ? 'allowed' : 'denied',
          source: oneOf(event.source, rateLimitSources),
        });
      },
    ],
    [
      channelNames.pubsubMessage,
      (message) => m.pubsubMessages.inc({ kind: (message as PubSubMessageEvent).pattern === undefined ? 'channel' : 'pattern' }),
    ],
    [channelNames.pubsubResubscribed, () => m.pubsubResubscriptions.inc()],
  ];
}

/**
 * Subscribes the instruments to every redis-kit channel; returns the function
 * that unsubscribes them all. `diagnostics_channel.subscribe` (not
 * `channel.subscribe`) keeps the channel alive while subscribed.
 */
export function subscribeInstruments(instruments: ChannelInstruments): () => void {
  const subscribed = listeners(instruments);
  for (const [name, listener] of subscribed) diagnosticsChannel.subscribe(name, listener);
  return () => {
    for (const [name, listener] of subscribed) diagnosticsChannel.unsubscribe(name, listener);
  };
}
