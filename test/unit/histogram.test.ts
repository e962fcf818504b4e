import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram } from '../../src/pool/histogram.js';

describe('Histogram', () => {
  it('reports count, mean, max and percentiles within a bucket width', () => {
    const histogram = new Histogram();
    for (let i = 1; i <= 1000; i++) histogram.record(i / 10); // 0.1 … 100 ms
    const summary = histogram.summary();
    assert.equal(summary.count, 1000);
    assert.ok(Math.abs(summary.meanMs - 50.05) < 1e-9);
    assert.equal(summary.maxMs, 100);
    assert.ok(Math.abs(summary.p50Ms - 50) / 50 < 0.05, `p50 ${summary.p50Ms}`);
    assert.ok(Math.abs(summary.p99Ms - 99) / 99 < 0.05, `p99 ${summary.p99Ms}`);
  });

  it('is all zeros when empty', () => {
    assert.deepEqual(new Histogram().summary(), { count: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0 });
  });
});
