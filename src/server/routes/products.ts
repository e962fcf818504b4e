import type { FastifyInstance } from 'fastify';
import type { Cache } from '../../cache/index.js';

/** One product of the demo catalogue. */
export interface Product {
  id: string;
  name: string;
  priceCents: number;
}

/** How a cached read was answered, as the `x-cache` header says. */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'fallback';

/** The demo catalogue: the "database" the cache sits in front of. */
const CATALOGUE: ReadonlyMap<string, Product> = new Map(
  ['keyboard', 'mouse', 'monitor', 'headset', 'webcam'].map((name, index) => [
    String(index + 1),
    { id: String(index + 1), name, priceCents: 1999 + index * 1000 },
  ]),
);

/** A slow lookup, so a cache hit is worth something. */
async function loadProduct(id: string, delayMs: number): Promise<Product | null> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  return CATALOGUE.get(id) ?? null;
}

/**
 * `GET /api/v1/products/:id`: a read through `cache.wrap()`, with the outcome
 * in `x-cache`. `wrap` does not report where its value came from, so the
 * route infers it: `miss` when its own loader ran, else `fallback` while the
 * cache serves from memory, `stale` when a stale hit was counted during the
 * call (a counter shared with concurrent calls: the label is best-effort),
 * else `hit`.
 */
export function registerProductRoutes(app: FastifyInstance, products: Cache<Product | null>, loadDelayMs: number): void {
  app.get<{ Params: { id: string } }>('/api/v1/products/:id', async (request, reply) => {
    const { id } = request.params;
    const before = products.stats();
    let loaded = false;
    const product = await products.wrap(id, () => {
      loaded = true;
      return loadProduct(id, loadDelayMs);
    });
    const after = products.stats();
    let outcome: CacheOutcome = 'hit';
    if (loaded) outcome = 'miss';
    else if (after.usingFallback || after.fallbackHits > before.fallbackHits) outcome = 'fallback';
    else if (after.staleHits > before.staleHits) outcome = 'stale';
    reply.header('x-cache', outcome);
    if (product === null) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no product ${id}` } });
    return product;
  });
}
