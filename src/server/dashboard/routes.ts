import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import type { EventStreams } from '../sse.js';
import type { SnapshotTaker } from './snapshot.js';

/** How often the dashboard's event stream sends a snapshot. */
const INTERVAL_MS = 1000;

interface Asset {
  type: string;
  body: Buffer;
}

/**
 * Everything the page loads, read once at startup from the package itself:
 * uPlot from node_modules (resolved, so it works however the package is
 * installed), the page's own files from `assets/` next to this module. No
 * CDN: the page works offline.
 */
function loadAssets(): Map<string, Asset> {
  const require = createRequire(import.meta.url);
  const own = (name: string): URL => new URL(`./assets/${name}`, import.meta.url);
  const files: [string, string | URL, string][] = [
    ['index.html', own('index.html'), 'text/html; charset=utf-8'],
    ['dashboard.css', own('dashboard.css'), 'text/css; charset=utf-8'],
    ['dashboard.mjs', own('dashboard.mjs'), 'text/javascript; charset=utf-8'],
    ['uPlot.iife.min.js', require.resolve('uplot/dist/uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
    ['uPlot.min.css', require.resolve('uplot/dist/uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  return new Map(files.map(([name, path, type]) => [name, { type, body: readFileSync(path) }]));
}

/**
 * `GET /` (the page), `GET /dashboard/assets/:name`, and `GET /dashboard/events`:
 * a server-sent-event stream with one `stats` event a second.
 */
export function registerDashboardRoutes(app: FastifyInstance, snapshots: SnapshotTaker, streams: EventStreams): void {
  const assets = loadAssets();
  const page = assets.get('index.html');
  app.get('/', async (_request, reply) => reply.type(page?.type ?? 'text/html').send(page?.body));
  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', async (request, reply) => {
    const asset = assets.get(request.params.name);
    if (asset === undefined) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'no such asset' } });
    return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
  });

  // One timer for every viewer: a snapshot is taken once a second while anyone watches.
  const viewers = new Set<ReturnType<EventStreams['open']>>();
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const snapshot = snapshots.take();
    for (const viewer of viewers) viewer.send('stats', snapshot);
  };
  app.get('/dashboard/events', async (_request, reply) => {
    const stream = streams.open(reply, () => {
      viewers.delete(stream);
      if (viewers.size === 0 && timer !== undefined) {
        clearInterval(timer);
        timer = undefined;
      }
    });
    viewers.add(stream);
    stream.send('stats', snapshots.take());
    timer ??= setInterval(tick, INTERVAL_MS);
    return reply;
  });
  app.addHook('onClose', async () => {
    if (timer !== undefined) clearInterval(timer);
  });
}
