import type { FastifyInstance } from 'fastify';
import type { Cache, CacheStats } from '../../cache/index.js';

/** The flags a fresh service knows, and their defaults. */
export const DEFAULT_FLAGS: Readonly<Record<string, boolean>> = { 'new-checkout': false, 'dark-mode': true, 'beta-search': false };

const FLAG_NAME = /^[a-z0-9-]{1,64}$/;

/** Where a flag read was answered, as the `x-cache` header says. */
export type FlagSource = 'near-hit' | 'hit' | 'fallback' | 'miss';

/**
 * `GET /api/v1/flags/:name` and `PUT /api/v1/flags/:name` `{ enabled }`:
 * feature flags in a cache with the near-cache on, so most reads are answered
 * in-process; a write anywhere invalidates every process's copy (CLIENT
 * TRACKING). An unknown name is a 404; a known one never set has its default.
 * A read says in `x-cache` where it was answered: `near-hit` (this process's
 * near-cache, no round trip), `hit` (Redis), `fallback` (the memory fallback)
 * or `miss`. Inferred from the cache's counters around the call, as the
 * products route does, so concurrent reads can blur it: best-effort.
 */
export function registerFlagRoutes(app: FastifyInstance, flags: Cache<boolean>): void {
  app.get<{ Params: { name: string } }>('/api/v1/flags/:name', async (request, reply) => {
    const { name } = request.params;
    const fallback = DEFAULT_FLAGS[name];
    if (fallback === undefined) return reply.code(404).send({ error: { code: 'NO_SUCH_FLAG', message: `no flag ${name}` } });
    const before = flags.stats();
    const stored = await flags.get(name);
    reply.header('x-cache', flagSource(before, flags.stats()));
    return { name, enabled: stored ?? fallback, source: stored === undefined ? 'default' : 'store' };
  });

  app.put<{ Params: { name: string }; Body: { enabled?: unknown } }>('/api/v1/flags/:name', async (request, reply) => {
    const { name } = request.params;
    const enabled = request.body?.enabled;
    if (!FLAG_NAME.test(name) || DEFAULT_FLAGS[name] === undefined) {
      return reply.code(404).send({ error: { code: 'NO_SUCH_FLAG', message: `no flag ${name}` } });
    }
    if (typeof enabled !== 'boolean') return reply.code(400).send({ error: { code: 'BAD_FLAG', message: 'enabled: true or false' } });
    await flags.set(name, enabled);
    return { name, enabled, source: 'store' };
  });
}

function flagSource(before: CacheStats, after: CacheStats): FlagSource {
  if (after.nearHits > before.nearHits) return 'near-hit';
  if (after.fallbackHits > before.fallbackHits) return 'fallback';
  return after.hits > before.hits ? 'hit' : 'miss';
}
