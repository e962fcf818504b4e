import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPubSub, globMatch } from '../../src/pubsub/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/**
 * Memory mode's pattern matching must agree with a real server's. Checked both
 * ways Redis matches: PSUBSCRIBE (PUBLISH counts the patterns that matched)
 * and KEYS (the same matcher over key names).
 */
const patterns = [
  '*',
  'progress:*',
  '*:42',
  'a*b*c',
  'a**b',
  'h?llo',
  'h[ae]llo',
  'h[^e]llo',
  'h[a-b]llo',
  'h[b-a]llo',
  'h[\\]]llo',
  'h\\*llo',
  'h\\?',
  'trailing\\',
  'h[abc',
  'h[a-',
  'h[\\',
  '??ber',
  '?ber',
  'ü*',
  '[',
  '\\',
];
const subjects = [
  '',
  'a',
  'anything',
  'progress:',
  'progress:42',
  'aXXbYYc',
  'aXXbYY',
  'ab',
  'hello',
  'hallo',
  'hillo',
  'hbllo',
  'hcllo',
  'h]llo',
  'h*llo',
  'h?',
  'hx',
  'trailing\\',
  'hb',
  'hd',
  'h-',
  'h\\',
  'über',
  '[',
  '\\',
];

describe('memory-mode glob matching agrees with redis-server', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('PSUBSCRIBE: for every subject, PUBLISH counts exactly the patterns globMatch accepts', async () => {
    await using redis = kitFor(server);
    await using pubsub = createPubSub(redis);
    await pubsub.subscribe({ patterns }, () => undefined);
    const disagreements: string[] = [];
    for (const subject of subjects) {
      const expected = patterns.filter((pattern) => globMatch(pattern, subject));
      const received = await pubsub.publish(subject, 'x');
      if (received !== expected.length) {
        disagreements.push(`${JSON.stringify(subject)}: server ${received}, memory ${expected.length} (${expected.join(' ')})`);
      }
    }
    assert.deepEqual(disagreements, []);
  });

  it('KEYS: each pattern selects the same subjects as globMatch', async () => {
    for (const subject of subjects) await server.command('SET', subject, '1');
    const disagreements: string[] = [];
    // KEYS * lists every key without running the matcher (so it includes the empty key, which
    // the matcher never accepts: PSUBSCRIBE * does not receive PUBLISH to ''). Not a matcher case.
    for (const pattern of patterns.filter((p) => p !== '*')) {
      const reply = await server.call('KEYS', pattern);
      const fromServer = (reply as (string | Buffer)[]).map(String).sort();
      const fromMemory = subjects.filter((subject) => globMatch(pattern, subject)).sort();
      if (JSON.stringify(fromServer) !== JSON.stringify(fromMemory)) {
        disagreements.push(`${JSON.stringify(pattern)}: server ${JSON.stringify(fromServer)}, memory ${JSON.stringify(fromMemory)}`);
      }
    }
    assert.deepEqual(disagreements, []);
  });
});
