import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { redisKit } from '../fastify/plugin.js';
import type { RedisKit } from '../services/redis-kit.js';
import { fastifySessionStore } from '../session/index.js';
import { registerDashboardRoutes } from './dashboard/routes.js';
import { SnapshotTaker } from './dashboard/snapshot.js';
import { createConversations } from './repositories/conversations.js';
import { RepositoryDependency } from './repositories/dependency.js';
import { Inbox } from './repositories/inbox.js';
import { createUsers } from './repositories/users.js';
import { registerAuthRoutes } from './routes/auth.js';
import { registerConversationRoutes } from './routes/conversations.js';
import { registerFlagRoutes } from './routes/flags.js';
import { registerInboxRoutes } from './routes/inbox.js';
import { registerLimitedRoutes } from './routes/limited.js';
import { type Product, registerProductRoutes } from './routes/products.js';
import { registerProgressRoutes } from './routes/progress.js';
import { registerSessionRevocationRoutes, registerSessionRoutes } from './routes/sessions.js';
import { registerUserRoutes } from './routes/users.js';
import { ServiceState } from './service-state.js';
import { registerThroughputRoute } from './throughput-route.js';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /** The service's client. The app uses it and never closes it: whoever made it does (see shutdown.ts). */
  redis: RedisKit;
  /**
   * Signs the session cookie; 32 characters or more. Default: random per
   * process, so sessions do not survive a restart (set `SESSION_SECRET`).
   */
  sessionSecret?: string;
  /** `GET /api/v1/limited`: units per window per client IP. Default 10. */
  rateLimit?: number;
  /** `GET /api/v1/limited`: window in ms. Default 60,000. */
  rateWindowMs?: number;
  /** How long the demo catalogue takes to answer a product, ms (what a cache hit saves). Default 20. */
  productLoadDelayMs?: number;
  /** Fastify's logger option. Default `false`. */
  logger?: FastifyServerOptions['logger'];
  /**
   * Also serve the plugin's debug health routes, `/debug/health/redis` and
   * its per-check routes: the full report, with the Redis host and port, its
   * version, memory and clients. Off by default, since the service's routes
   * are public; turn it on only where those routes are not reachable from
   * outside (or are behind authentication). Default: on when the
   * environment's `HEALTH_DEBUG_ROUTES` is `1` or `true`, so
   * `HEALTH_DEBUG_ROUTES=1 redis-kit serve` has them. (Not a `REDIS_*`
   * name: those are the client's, and `redis-kit` warns about unknown ones.)
   */
  debugHealthRoutes?: boolean;
  /** Where {@link debugHealthRoutes}' default is read from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The environment variable that turns on the debug health routes (see {@link CreateAppOptions.debugHealthRoutes}). */
export const DEBUG_ROUTES_ENV = 'HEALTH_DEBUG_ROUTES';

function debugRoutesFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env[DEBUG_ROUTES_ENV]?.trim().toLowerCase();
  // Anything else, a typo included, leaves them off: the safe side for routes that show server facts.
  return value === '1' || value === 'true';
}

/** The app and what its routes share (readiness, counters, open streams). */
export interface ReferenceApp {
  app: FastifyInstance;
  state: ServiceState;
}

/**
 * The reference service: every part of redis-kit as an app uses it, on the
 * Fastify plugin. Routes: `/health*` (the plugin's; `/debug/health/redis*`
 * only with `debugHealthRoutes`), `/api/v1/products/:id`,
 * `/api/v1/login|logout|me`, `/api/v1/logout/everywhere`,
 * `/api/v1/sessions/count`, `/api/v1/limited`, `/api/v1/progress/:job`,
 * `/api/v1/flags/:name`, `/api/v1/test/redis`, `/api/users[/:id]` and
 * `/api/users/names` (a record repository), `/api/users/:id/inbox[/next]`
 * (a long poll on a leased connection), `/api/conversations/:id/messages|events`
 * (a message log), and the dashboard at `/`. See repositories/dependency.ts
 * for which route uses the plugin's required, optional and managed helpers.
 */
export async function createApp(options: CreateAppOptions): Promise<ReferenceApp> {
  const { redis } = options;
  const memory = redis.options.mode === 'memory';
  const state = new ServiceState();
  // Fastify's close() waits for every response; event streams never end by themselves.
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: 'idle' });

  // Before the plugin registers /health/ready: while shutting down, not ready, whatever Redis says.
  app.addHook('onRequest', (request, reply, done) => {
    if (!state.ready && request.url.startsWith('/health/ready')) {
      reply.code(503).header('cache-control', 'no-store').send({ status: 'shutting down' });
      return;
    }
    done();
  });
  const debug = options.debugHealthRoutes ?? debugRoutesFromEnv(options.env ?? process.env);
  await app.register(redisKit, { client: redis, healthRoutes: { debug }, metrics: true });

  const products = redis.cache<Product | null>({ namespace: 'products', ttlMs: 30_000, staleWhileRevalidateMs: 10_000 });
  const flags = redis.cache<boolean>({ namespace: 'flags', ttlMs: 3_600_000, nearCache: { maxEntries: 1000, ttlMs: 5000 } });
  const limiter = redis.rateLimiter({ limit: options.rateLimit ?? 10, windowMs: options.rateWindowMs ?? 60_000 });
  const pubsub = redis.pubSub();
  // memory:// has no Redis for sessions: the development fallback, so login works on a first run.
  const sessions = redis.sessions(memory ? { fallback: 'memory' } : {});
  const users = createUsers(redis);
  const conversations = createConversations(redis);
  app.addHook('preClose', async () => state.streams.endAll());
  app.addHook('onClose', async () => {
    await Promise.all([
      products.close(),
      flags.close(),
      limiter.close(),
      pubsub.close(),
      sessions.close(),
      users.close(),
      conversations.close(),
    ]);
  });

  registerProductRoutes(app, products, options.productLoadDelayMs ?? 20);
  registerFlagRoutes(app, flags);
  registerLimitedRoutes(app, limiter, state.decisions);
  registerProgressRoutes(app, pubsub, state.streams);
  registerThroughputRoute(app);
  // memory:// runs the repositories in-process: there is no Redis to be unavailable.
  const usersDependency = new RepositoryDependency(users, memory);
  const sessionsDependency = new RepositoryDependency(sessions, memory);
  registerUserRoutes(app, usersDependency);
  registerInboxRoutes(app, usersDependency, new Inbox());
  registerConversationRoutes(app, new RepositoryDependency(conversations, memory), state.streams);
  registerSessionRoutes(app, sessionsDependency);
  // Sessions only where they are used: loading one on every request would make /health fail with the store.
  await app.register(async (scope) => {
    await scope.register(fastifyCookie);
    await scope.register(fastifySession, {
      secret: options.sessionSecret ?? randomBytes(32).toString('base64url'),
      store: fastifySessionStore(sessions),
      // Store a session only once a route puts something in it: anonymous requests (a crawler, a
      // health check that sends no cookie) would otherwise each write an empty session to Redis.
      saveUninitialized: false,
      cookie: { secure: 'auto', httpOnly: true, sameSite: 'lax', maxAge: 86_400_000 },
    });
    registerAuthRoutes(scope);
    registerSessionRevocationRoutes(scope, sessionsDependency);
  });
  const snapshots = new SnapshotTaker({ redis, caches: [products, flags], decisions: state.decisions });
  registerDashboardRoutes(app, snapshots, state.streams);
  return { app, state };
}
