import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type CreateRedisOptions, createRedis } from '../../src/index.js';
import { createPubSub, type PubSubMessage, type ResubscribedEvent } from '../../src/pubsub/index.js';
import { once, waitFor } from '../helpers/index.js';
import { type ClusterLab, labSkipReason, replyText, type SentinelLab, startCluster, startSentinel } from '../helpers/redis-lab.js';

/**
 * Pub/sub on real Cluster and Sentinel topologies (shared/redis-lab). Skipped, with the
 * reason, when the lab scripts are not beside the repository.
 */
const skip = labSkipReason();

const fast = {
  env: {},
  connectTimeoutMs: 1000,
  socketTimeoutMs: 2000,
  commandTimeoutMs: 1000,
  retryMaxDelayMs: 200,
  breakerProbeIntervalMs: 200,
} satisfies CreateRedisOptions;

const text = replyText;

function recorder(): { handler: (message: PubSubMessage) => void; texts: string[] } {
  const texts: string[] = [];
  return { texts, handler: (message) => void texts.push(message.message) };
}

describe('pub/sub on Redis Cluster (redis-lab)', { skip }, () => {
  let lab: ClusterLab;
  before(async () => {
    lab = await startCluster({ nodeTimeoutMs: 1000 });
  });
  after(async () => {
    await lab?.down();
  });

  /**
   * Ports whose CLIENT LIST shows a redis-kit subscriber connection in subscriber mode (flag P),
   * and its lines. (In cluster mode the subscriber's Cluster client also keeps a normal
   * connection for slot discovery, under the same name: not counted here.)
   */
  async function subscriberNodes(): Promise<{ port: number; line: string }[]> {
    const found: { port: number; line: string }[] = [];
    for (const port of lab.nodePorts) {
      const reply = await lab.command(port, 'CLIENT', 'LIST').catch(() => '');
      for (const line of text(reply).split('\n')) if (/ name=\S*:subscriber .* flags=\S*P/.test(line)) found.push({ port, line });
    }
    return found;
  }

  it('one subscriber connection hears what is published on any node; it moves on when its node dies', async () => {
    await using redis = createRedis({ ...fast, mode: 'cluster', clusterNodes: lab.nodes });
    await using pubsub = createPubSub(redis);
    const inbox = recorder();
    await pubsub.subscribe({ channels: ['orders'], patterns: ['audit:*'] }, inbox.handler);

    await pubsub.publish('orders', 'via redis-kit');
    for (const port of lab.nodePorts) await lab.command(port, 'PUBLISH', `audit:${port}`, `via ${port}`);
    await waitFor(() => inbox.texts.length === 1 + lab.nodePorts.length, { what: 'a message from every node' });
    assert.deepEqual(inbox.texts.sort(), ['via redis-kit', ...lab.nodePorts.map((p) => `via ${p}`)].sort());

    const nodes = await subscriberNodes();
    assert.equal(nodes.length, 1, nodes.map((n) => n.line).join('\n'));
    const [{ port: victim, line } = { port: 0, line: '' }] = nodes;
    assert.match(line, / sub=1 psub=1 /);

    await lab.nodeCtl(victim, 'kill');
    const survivor = lab.nodePorts.find((port) => port !== victim) as number;
    // No event says when the cluster's subscriber has moved: publish until one arrives.
    let n = 0;
    await waitFor(
      async () => {
        const marker = `after the kill ${n++}`;
        await lab.command(survivor, 'PUBLISH', 'orders', marker);
        return inbox.texts.some((t) => t.startsWith('after the kill'));
      },
      { timeoutMs: 20_000, intervalMs: 100, what: 'a message after the subscriber’s node died' },
    );
    const moved = await subscriberNodes();
    assert.equal(moved.length, 1);
    assert.notEqual(moved[0]?.port, victim);
    assert.match(moved[0]?.line ?? '', / sub=1 psub=1 /, 'channel and pattern both restored');
  });
});

describe('pub/sub on Sentinel (redis-lab)', { skip }, () => {
  let lab: SentinelLab;
  before(async () => {
    lab = await startSentinel();
  });
  after(async () => {
    await lab?.down();
  });

  it('a failover to the replica: resubscribed on the new master, messages flow again', async () => {
    await using redis = createRedis({ ...fast, mode: 'sentinel', sentinels: lab.sentinels, sentinelMaster: lab.masterName });
    await using pubsub = createPubSub(redis);
    const inbox = recorder();
    await pubsub.subscribe('deploys', inbox.handler);
    assert.equal(await pubsub.publish('deploys', 'before'), 1);
    await waitFor(() => inbox.texts.length === 1, { what: 'the first message' });

    const resubscribed = once<[ResubscribedEvent]>(pubsub, 'resubscribed', 30_000);
    await lab.nodeCtl(lab.masterPort, 'kill');
    const [event] = await resubscribed;
    assert.deepEqual(event.channels, ['deploys']);
    assert.equal(text(await lab.command(lab.replicaPort, 'PUBSUB', 'NUMSUB', 'deploys')), 'deploys\n1', 'on the promoted replica');
    assert.equal(text(await lab.command(lab.replicaPort, 'PUBLISH', 'deploys', 'after')), '1');
    await waitFor(() => inbox.texts.includes('after'), { what: 'the message after the failover' });
  });
});
