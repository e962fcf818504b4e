// The dashboard's browser script: served as is (no build step), with uPlot loaded before it as a global.
const POINTS = 120;
const field = (name) => document.querySelector(`[data-field="${name}"]`);
const set = (name, text) => {
  const element = field(name);
  if (element !== null) element.textContent = text;
};
const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

const series = { t: [], ops: [], p50: [], p99: [] };

function makeChart(id, lines) {
  const target = document.getElementById(id);
  const width = Math.max(300, target.clientWidth || 420);
  const options = {
    width,
    height: 180,
    legend: { show: true },
    scales: { x: { time: true } },
    // Room for labels like 150,000 on the y axis.
    axes: [{}, { size: 70 }],
    series: [{}, ...lines.map(([label, stroke]) => ({ label, stroke, width: 2 }))],
  };
  return new globalThis.uPlot(options, [[], ...lines.map(() => [])], target);
}

const opsChart = makeChart('chart-ops', [['ops/s', '#2563eb']]);
const latencyChart = makeChart('chart-latency', [
  ['p50', '#1f9d55'],
  ['p99', '#d0342c'],
]);

function push(snapshot) {
  series.t.push(snapshot.at / 1000);
  series.ops.push(snapshot.opsPerSec);
  series.p50.push(snapshot.commands.p50Ms);
  series.p99.push(snapshot.commands.p99Ms);
  for (const values of Object.values(series)) if (values.length > POINTS) values.shift();
  opsChart.setData([series.t, series.ops]);
  latencyChart.setData([series.t, series.p50, series.p99]);
}

function render(s) {
  set('ops', String(s.opsPerSec));
  set('ops-total', `${s.commands.total} commands · ${s.commands.errors} errors`);
  set('p50', fixed(s.commands.p50Ms));
  set('p99', fixed(s.commands.p99Ms));
  set('pool-active', String(s.pool.active));
  set('pool-idle', String(s.pool.idle));
  set('pool-waiting', String(s.pool.waiting));
  set('pool-max', String(s.pool.max));
  set('lanes-ready', String(s.lanes.ready));
  set('lanes-count', String(s.lanes.count));
  set('lanes-inflight', String(s.lanes.inFlight));
  set('lanes-queued', String(s.lanes.queued));
  set('breaker', s.breaker.state);
  document.getElementById('tile-breaker').dataset.state = s.breaker.state;
  set('breaker-detail', `opened ${s.breaker.timesOpened}×${s.breaker.lastError === null ? '' : ` · ${s.breaker.lastError}`}`);
  set('hit-rate', `${fixed(s.cache.hitRate * 100, 1)}%`);
  set('cache-hits', String(s.cache.hits));
  set('cache-misses', String(s.cache.misses));
  set('cache-fallback', s.cache.usingFallback ? `on (${s.cache.fallbackHits} hits)` : `off (${s.cache.fallbackOps} ops)`);
  set('rl-allowed', String(s.rateLimit.allowed));
  set('rl-denied', String(s.rateLimit.denied));
  set('health', s.health.status);
  document.getElementById('tile-health').dataset.status = s.health.status;
  const warnings = field('warnings');
  warnings.replaceChildren(
    ...s.health.warnings.map((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    }),
  );
  const banner = document.getElementById('fallback-banner');
  banner.hidden = !s.onFallback;
  document.getElementById('fallback-reason').textContent =
    s.mode === 'memory' ? 'REDIS_URL is memory://, there is no Redis' : 'Redis is unavailable';
  push(s);
}

function connect() {
  const pill = document.getElementById('connection');
  const events = new EventSource('/dashboard/events');
  events.addEventListener('open', () => {
    pill.textContent = 'live';
    pill.classList.add('live');
  });
  events.addEventListener('stats', (event) => render(JSON.parse(event.data)));
  // EventSource reconnects by itself; the pill says that it is trying.
  events.addEventListener('error', () => {
    pill.textContent = 'reconnecting…';
    pill.classList.remove('live');
  });
}

async function runProbe() {
  const button = document.getElementById('probe-run');
  const output = document.getElementById('probe-result');
  const n = document.getElementById('probe-n').value;
  button.disabled = true;
  output.textContent = `Running ${n} operations…`;
  try {
    const response = await fetch(`/api/v1/test/redis?n=${encodeURIComponent(n)}`);
    const body = await response.json();
    output.textContent = response.ok
      ? `${body.opsPerSec} ops/s · p50 ${body.latencyMs.p50} ms · p99 ${body.latencyMs.p99} ms · ${body.operations} ops in ${body.durationMs} ms`
      : `HTTP ${response.status}: ${body.error?.message ?? JSON.stringify(body)}`;
    output.dataset.status = String(response.status);
  } catch (error) {
    output.textContent = `The probe failed: ${error}`;
  } finally {
    button.disabled = false;
  }
}

document.getElementById('probe-run').addEventListener('click', runProbe);
connect();
