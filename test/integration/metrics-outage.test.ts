import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '../../src/observability/prometheus/index.js';
import { startRedis, waitFor } from '../helpers/index.js';
import { kitFor, settle } from '../helpers/kit.js';
import { sampleValue } from '../helpers/prom-text.js';

/** The series that only move when something breaks: the breaker, failed and broken connections, resubscriptions. */
describe('Prometheus metrics across an outage and a killed subscriber', () => {
  it('the breaker: redis_kit_breaker_open is 1 while open, each transition counted; failed and broken connections counted', async () => {
    await using server = await startRedis();
    const redis = kitFor(server, { breakerFailureThreshold: 1, breakerProbeIntervalMs: 100 });
    const metrics = createMetrics(redis, { prefix: 'outage_' });
    try {
      await redis.connect();
      let json = await metrics.registry.getMetricsAsJSON();
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_open'), 0);
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_transitions_total'), 0);
      assert.equal(sampleValue(json, 'outage_redis_kit_connections_failed_total'), 0);
      const lanes = redis.stats().lanes.count;

      await server.kill();
      await waitFor(
        async () => {
          await settle(redis.get('k'));
          return redis.isUnavailable;
        },
        { what: 'the breaker to open' },
      );
      // Reconnecting lanes keep failing while the server is gone.
      await waitFor(async () => sampleValue(await metrics.registry.getMetricsAsJSON(), 'outage_redis_kit_connections_failed_total') > 0, {
        what: 'a failed reconnect',
      });
      json = await metrics.registry.getMetricsAsJSON();
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_open'), 1);
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_transitions_total', { to: 'open' }), 1);
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_transitions_total', { to: 'closed' }), 0);
      assert.ok(sampleValue(json, 'outage_redis_kit_connections_failed_total', { role: 'lane' }) >= 1);
      assert.equal(
        sampleValue(json, 'outage_redis_kit_connections_destroyed_total', { role: 'lane', reason: 'broken' }),
        lanes,
        'each lane the server dropped, destroyed as broken',
      );

      await server.restart();
      await waitFor(() => !redis.isUnavailable, { what: 'the breaker to close' });
      json = await metrics.registry.getMetricsAsJSON();
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_open'), 0);
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_transitions_total', { to: 'closed' }), 1);
      assert.equal(sampleValue(json, 'outage_redis_kit_breaker_transitions_total', { to: 'open' }), 1);
    } finally {
      await metrics.close();
      await redis.close();
    }
  });

  it('CLIENT KILL TYPE pubsub: the subscriber is destroyed as broken, one resubscription is counted, and messages flow again', async () => {
    await using server = await startRedis();
    const redis = kitFor(server);
    const metrics = createMetrics(redis, { prefix: 'resub_' });
    try {
      let received = 0;
      const subscription = await redis.subscribe('news', () => {
        received++;
      });
      let json = await metrics.registry.getMetricsAsJSON();
      assert.equal(sampleValue(json, 'resub_redis_kit_pubsub_resubscriptions_total'), 0);
      assert.equal(sampleValue(json, 'resub_redis_kit_connections_created_total', { role: 'subscriber' }), 1);

      assert.equal(await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub'), '1');
      await waitFor(
        async () => sampleValue(await metrics.registry.getMetricsAsJSON(), 'resub_redis_kit_pubsub_resubscriptions_total') === 1,
        {
          what: 'the subscription to be restored',
        },
      );
      json = await metrics.registry.getMetricsAsJSON();
      assert.equal(sampleValue(json, 'resub_redis_kit_connections_destroyed_total', { role: 'subscriber', reason: 'broken' }), 1);
      assert.equal(sampleValue(json, 'resub_redis_kit_connections_created_total', { role: 'subscriber' }), 2);
      await redis.publish('news', 'again');
      await waitFor(() => received === 1, { what: 'a message on the restored subscription' });
      assert.equal(sampleValue(await metrics.registry.getMetricsAsJSON(), 'resub_redis_kit_pubsub_resubscriptions_total'), 1);
      await subscription.unsubscribe();
    } finally {
      await metrics.close();
      await redis.close();
    }
  });
});
