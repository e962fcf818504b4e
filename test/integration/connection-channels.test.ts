import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { createCache } from '../../src/cache/index.js';
import { type ConnectionEvent, channelNames } from '../../src/index.js';
import { createPubSub } from '../../src/pubsub/index.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

type Kind = 'create' | 'fail' | 'destroy';

/** Records every message of the three connection channels while subscribed. */
function recordConnections(): { events: (ConnectionEvent & { kind: Kind })[]; stop: () => void } {
  const events: (ConnectionEvent & { kind: Kind })[] = [];
  const listeners = (
    [
      ['create', channelNames.connectionCreate],
      ['fail', channelNames.connectionFail],
      ['destroy', channelNames.connectionDestroy],
    ] as const
  ).map(([kind, name]) => {
    const listener = (message: unknown) => events.push({ ...(message as ConnectionEvent), kind });
    diagnosticsChannel.subscribe(name, listener);
    return () => diagnosticsChannel.unsubscribe(name, listener);
  });
  return {
    events,
    stop: () => {
      for (const stop of listeners) stop();
    },
  };
}

describe('connection channels: every connection is published, the invalidation one too', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('lanes, subscriber and invalidation connections publish create, destroy (broken) and destroy (close) once each', async () => {
    const recorder = recordConnections();
    // The invalidation connection exists on ioredis lanes only (on the own engine invalidations come on the lanes).
    const redis = kitFor(server, { lanes: 2, engine: 'ioredis' });
    try {
      await redis.connect();
      const pubsub = createPubSub(redis);
      await pubsub.subscribe('news', () => undefined);
      const cache = createCache<unknown>(redis, { namespace: 'near', nearCache: { maxEntries: 10 } });
      const of = (role: string, kind: Kind, reason?: string) =>
        recorder.events.filter((e) => e.role === role && e.kind === kind && (reason === undefined || e.reason === reason));
      await waitFor(() => of('invalidation', 'create').length === 1, { what: 'the invalidation connection to be published' });
      assert.equal(of('subscriber', 'create').length, 1);
      assert.equal(of('lane', 'create').length, 2);

      // Both listening connections are in pub/sub mode on the server (the invalidation one once the
      // near-cache is live: it is announced when connected, before its SUBSCRIBE).
      await waitFor(() => cache.stats().nearCache.live, { what: 'the near-cache live (its connection subscribed)' });
      await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
      // A wide bound: on a loaded machine the reconnect's backoff and handshake take a while.
      // The subscriber may break more than once on a loaded machine (a missed heartbeat): what matters
      // is that it broke, and is up again (more connections announced than reported ended).
      const subscriberUp = () =>
        of('subscriber', 'destroy', 'broken').length >= 1 && of('subscriber', 'create').length > of('subscriber', 'destroy').length;
      await waitFor(
        () => of('invalidation', 'destroy', 'broken').length === 1 && of('invalidation', 'create').length === 2 && subscriberUp(),
        {
          what: 'the killed invalidation and subscriber connections reported broken, then their reconnects',
          timeoutMs: 20_000,
        },
      ).catch((error: unknown) => {
        const seen = recorder.events.filter((e) => e.role !== 'lane').map((e) => `${e.role}:${e.kind}${e.reason ? `:${e.reason}` : ''}`);
        throw new Error(`${String(error)}; events: ${seen.join(' ')}`);
      });
      const broken = of('invalidation', 'destroy', 'broken')[0];
      assert.ok(broken?.error instanceof Error, 'a broken connection carries its error');

      await cache.close();
      await pubsub.close();
      await redis.close();
      await waitFor(() => of('invalidation', 'destroy', 'close').length === 1, { what: 'the invalidation connection reported closed' });
      assert.equal(of('lane', 'destroy', 'close').length, 2, 'each lane reported closed once');
      assert.equal(of('lane', 'destroy', 'broken').length, 0, 'a graceful close is not reported as broken');
      assert.equal(of('invalidation', 'destroy').length, 2, 'one broken, one close: nothing twice');
      assert.equal(of('subscriber', 'destroy', 'close').length, 1, 'the subscriber reported closed once');
      assert.equal(
        of('subscriber', 'destroy').length,
        of('subscriber', 'create').length,
        'each subscriber connection reported ended once: a closing one is not also reported broken',
      );
    } finally {
      // After a failed assertion too: an open client would keep the file running until the test timeout.
      redis.destroy();
      recorder.stop();
    }
  });
});
