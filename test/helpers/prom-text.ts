import assert from 'node:assert/strict';
import type { Registry } from 'prom-client';

/** Reading Prometheus figures back in tests: from prom-client's registry, and from the text exposition. */

export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/**
 * The sum of the values of `series` (a metric name, or a histogram's
 * `_count`/`_sum`/`_bucket` series) whose labels include `labels`, read back
 * through prom-client's registry.
 */
export function sampleValue(json: MetricsJson, series: string, labels: Record<string, string | number> = {}): number {
  const base = series.replace(/_(count|sum|bucket)$/, '');
  const metric = json.find((m) => m.name === series) ?? json.find((m) => m.name === base);
  assert.ok(metric !== undefined, `metric ${series} is registered`);
  let sum = 0;
  for (const value of metric.values) {
    const name = (value as { metricName?: string }).metricName ?? metric.name;
    if (name !== series) continue;
    const valueLabels = value.labels as Record<string, string | number | undefined>;
    if (Object.entries(labels).every(([k, v]) => valueLabels[k] === v)) sum += value.value;
  }
  return sum;
}

/** One sample line of the text exposition: `name{label="value",…} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL_PAIR = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;

/**
 * The text exposition parsed back into samples (prom-client has no parser).
 * Every line must be a comment or a well-formed sample: anything else fails.
 */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    assert.ok(match !== null, `a sample line: ${line}`);
    const [, name = '', labelText = '', valueText = ''] = match;
    const labels: Record<string, string> = {};
    LABEL_PAIR.lastIndex = 0;
    let consumed = 0;
    for (let pair = LABEL_PAIR.exec(labelText); pair !== null; pair = LABEL_PAIR.exec(labelText)) {
      labels[pair[1] ?? ''] = (pair[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
      consumed = LABEL_PAIR.lastIndex;
    }
    assert.equal(consumed, labelText.length, `every label of ${line} parsed`);
    const value = valueText === '+Inf' ? Number.POSITIVE_INFINITY : valueText === '-Inf' ? Number.NEGATIVE_INFINITY : Number(valueText);
    assert.ok(!Number.isNaN(value) || valueText === 'NaN', `a number: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}
