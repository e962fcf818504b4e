import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/errors.js';
import { collectWarnings } from '../../src/observability/health-warnings.js';
import { parseInfo, serverFacts } from '../../src/observability/info-parser.js';
import { classifyLatency, resolveLatencyThresholds } from '../../src/observability/latency-class.js';

describe('INFO parser: edge cases', () => {
  it('CRLF, unknown sections and fields, odd lines, values with colons', () => {
    const text =
      '# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\nrun_id:abc\r\nexecutable:/usr/bin/redis-server\r\n' +
      'not a field\r\n:no-name\r\n\r\n# Fancy New Section\r\nfuture_field:x:y:z\r\n# Keyspace\r\ndb0:keys=12,expires=3,avg_ttl=0\r\ndb9:garbage\r\n';
    const sections = parseInfo(text);
    assert.equal(sections.server?.redis_version, '7.2.4');
    assert.equal(sections['fancy new section']?.future_field, 'x:y:z');
    assert.equal(Object.keys(sections.server ?? {}).length, 4, 'odd lines skipped');
    const facts = serverFacts(sections);
    assert.equal(facts.version, '7.2.4');
    assert.deepEqual(facts.keyspace, { db0: { keys: 12, expires: 3 } });
    assert.equal(facts.usedMemoryBytes, undefined, 'absent, not NaN');
  });

  it('empty text and non-numeric numbers give no facts but never throw', () => {
    assert.deepEqual(parseInfo(''), {});
    const facts = serverFacts(parseInfo('# Memory\nused_memory:lots\nmaxmemory:0\n# Stats\nkeyspace_hits:0\nkeyspace_misses:0\n'));
    assert.equal(facts.usedMemoryBytes, undefined);
    assert.equal(facts.maxmemoryBytes, 0);
    assert.equal(facts.hitRatio, undefined, 'no lookups, no ratio');
  });
});

describe('latency classes', () => {
  it('defaults, boundaries and custom thresholds', () => {
    assert.deepEqual(
      [0.5, 1, 4.9, 5, 19, 20, 99, 100, 5000].map((ms) => classifyLatency(ms)),
      ['excellent', 'good', 'good', 'acceptable', 'acceptable', 'poor', 'poor', 'critical', 'critical'],
    );
    const custom = resolveLatencyThresholds({ excellent: 0.5, poor: 500 });
    assert.deepEqual(custom, { excellent: 0.5, good: 5, acceptable: 20, poor: 500 });
    assert.equal(classifyLatency(200, custom), 'poor');
  });

  it('bad thresholds are refused', () => {
    assert.throws(() => resolveLatencyThresholds({ good: Number.NaN }), InvalidArgumentError);
    assert.throws(() => resolveLatencyThresholds({ good: -1 }), InvalidArgumentError);
    assert.throws(() => resolveLatencyThresholds({ excellent: 50, good: 10 }), /must not decrease/);
  });
});

describe('warnings', () => {
  const facts = (text: string) => serverFacts(parseInfo(text));
  it('noeviction only matters with the cache', () => {
    const f = facts('# Memory\nmaxmemory_policy:noeviction\n');
    assert.deepEqual(collectWarnings({ facts: f, cacheEnabled: false }), []);
    const [warning] = collectWarnings({ facts: f, cacheEnabled: true });
    assert.equal(warning?.code, 'noeviction-with-cache');
    assert.match(warning?.message ?? '', /writes will fail with OOM when memory is full/);
  });

  it('clients and memory at 90% of their limits, evictions, failed saves', () => {
    const codes = collectWarnings({
      facts: facts(
        '# Clients\nconnected_clients:9\nmaxclients:10\n# Memory\nused_memory:950\nmaxmemory:1000\nmaxmemory_policy:allkeys-lru\n' +
          '# Stats\nevicted_keys:3\n# Persistence\nrdb_last_bgsave_status:err\naof_enabled:0\n',
      ),
      cacheEnabled: true,
    }).map((w) => w.code);
    assert.deepEqual(codes, ['clients-near-max', 'memory-near-max', 'keys-evicted', 'rdb-save-failed']);
    const below = collectWarnings({
      facts: facts('# Clients\nconnected_clients:8\nmaxclients:10\n# Memory\nused_memory:5\nmaxmemory:0\n'),
      cacheEnabled: false,
    });
    assert.deepEqual(below, [], 'below the limits, and maxmemory 0 means no limit');
  });
});
