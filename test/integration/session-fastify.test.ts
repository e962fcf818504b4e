import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RedisKit } from '../../src/index.js';
import { createSessionStore, fastifySessionStore, SessionDecodeError, type SessionStore } from '../../src/session/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

declare module 'fastify' {
  interface Session {
    user?: { name: string };
  }
}

const MAX_AGE = 60_000;

async function sessionApp(store: SessionStore, onInvalidSession?: (error: SessionDecodeError) => void): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    store: fastifySessionStore(store, { onInvalidSession }),
    secret: 'a test secret of at least 32 characters',
    saveUninitialized: false,
    cookie: { secure: false, maxAge: MAX_AGE },
  });
  app.post<{ Querystring: { name?: string } }>('/login', async (request) => {
    await request.session.regenerate();
    request.session.user = { name: request.query.name ?? 'ada' };
    return { sid: request.session.sessionId };
  });
  app.get('/me', async (request, reply) => request.session.user ?? reply.code(401).send({ error: 'not logged in' }));
  app.post('/logout', async (request) => {
    await request.session.destroy();
    return { ok: true };
  });
  await app.ready();
  return app;
}

/** One request through fastify.inject; `cookie` is the session cookie's value. */
async function send(app: FastifyInstance, method: 'GET' | 'POST', url: string, cookie?: string) {
  const response = await app.inject({ method, url, cookies: cookie === undefined ? {} : { sessionId: cookie } });
  return {
    status: response.statusCode,
    body: response.json() as Record<string, unknown>,
    cookie: response.cookies.find((c) => c.name === 'sessionId')?.value,
  };
}

describe('@fastify/session with the redis-kit store (fastify 5)', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let app: FastifyInstance;
  const invalid: SessionDecodeError[] = [];

  before(async () => {
    server = await startRedis();
    redis = kitFor(server);
    app = await sessionApp(createSessionStore(redis), (error) => invalid.push(error));
  });
  after(async () => {
    await app.close();
    await redis.close();
    await server.stop();
  });

  it('login, then the cookie carries the user; the Redis TTL is the cookie maxAge', async () => {
    assert.equal((await send(app, 'GET', '/me')).status, 401);
    const login = await send(app, 'POST', '/login?name=grace');
    assert.equal(login.status, 200);
    assert.ok(login.cookie);
    const ttl = Number(await server.command('TTL', `sess:${String(login.body.sid)}`));
    assert.ok(ttl > MAX_AGE / 1000 - 5 && ttl <= MAX_AGE / 1000, `TTL ${ttl}`);
    const me = await send(app, 'GET', '/me', login.cookie);
    assert.deepEqual([me.status, me.body], [200, { name: 'grace' }]);
  });

  it('rolling (the default): each request saves the session with a fresh expiry', async () => {
    const login = await send(app, 'POST', '/login');
    const key = `sess:${String(login.body.sid)}`;
    await server.command('PEXPIRE', key, '3000');
    assert.equal((await send(app, 'GET', '/me', login.cookie)).status, 200);
    const pttl = Number(await server.command('PTTL', key));
    assert.ok(pttl > MAX_AGE - 5000, `PTTL back to ${pttl}`);
  });

  it('logout destroys the session; the old cookie no longer works', async () => {
    const login = await send(app, 'POST', '/login');
    assert.equal((await send(app, 'POST', '/logout', login.cookie)).status, 200);
    assert.equal(await server.command('EXISTS', `sess:${String(login.body.sid)}`), '0');
    assert.equal((await send(app, 'GET', '/me', login.cookie)).status, 401);
  });

  it('a corrupt session is reported and treated as absent', async () => {
    const login = await send(app, 'POST', '/login');
    await server.command('SET', `sess:${String(login.body.sid)}`, '[1,2,3]');
    invalid.length = 0;
    assert.equal((await send(app, 'GET', '/me', login.cookie)).status, 401);
    assert.equal(invalid.length, 1);
    assert.ok(invalid[0] instanceof SessionDecodeError);
  });
});

describe('fastify app when Redis goes down', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('server killed: Fastify answers 503 by itself; server back: works again', async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 2 });
    const app = await sessionApp(createSessionStore(redis));
    try {
      const login = await send(app, 'POST', '/login');
      assert.equal(login.status, 200);

      const unavailable = once(redis, 'unavailable');
      await server.kill();
      await unavailable;

      const me = await send(app, 'GET', '/me', login.cookie);
      assert.equal(me.status, 503, 'loading the session (onRequest) fails');
      assert.equal(me.body.code, 'ERR_REDIS_SESSION_UNAVAILABLE');
      assert.equal(me.body.error, 'Service Unavailable');
      assert.equal((await send(app, 'POST', '/login')).status, 503, 'saving it fails too, before anything is sent');
      assert.equal((await send(app, 'GET', '/me')).status, 401, 'a request that needs no store still works');

      const ready = once(redis, 'ready');
      await server.restart();
      await ready;
      const again = await send(app, 'POST', '/login?name=back');
      assert.equal(again.status, 200);
      assert.deepEqual((await send(app, 'GET', '/me', again.cookie)).body, { name: 'back' });
    } finally {
      await app.close();
    }
  });
});
