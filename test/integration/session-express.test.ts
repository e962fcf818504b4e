import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import session from 'express-session';
import type { RedisKit } from '../../src/index.js';
import {
  createSessionStore,
  expressSessionStore,
  SessionDecodeError,
  type SessionStore,
  sessionErrorStatus,
  sessionUnavailableHandler,
} from '../../src/session/index.js';
import { type RedisServer, startRedis } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

declare module 'express-session' {
  interface SessionData {
    user?: { name: string };
  }
}

const MAX_AGE = 60_000;

/** A small app as a service would write it: login regenerates and saves before answering, logout destroys. */
function sessionApp(store: SessionStore, options: { onInvalidSession?: (error: SessionDecodeError) => void } = {}): Express {
  const app = express();
  app.set('env', 'test'); // Express's final handler would print every error's stack otherwise.
  app.use(
    session({
      store: expressSessionStore(session, store, options),
      secret: 'a test secret that is long enough',
      resave: false,
      saveUninitialized: false,
      rolling: true,
      cookie: { maxAge: MAX_AGE },
    }),
  );
  app.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = { name: String(req.query.name ?? 'ada') };
      // Saved here, not in res.end(): a store failure must become the response, not follow it.
      req.session.save((saveError) => (saveError ? next(saveError) : res.json({ sid: req.sessionID })));
    });
  });
  app.get('/me', (req, res) => {
    if (req.session.user === undefined) res.status(401).json({ error: 'not logged in' });
    else res.json(req.session.user);
  });
  app.post('/logout', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ ok: true })));
  });
  return app;
}

/** Listens on a free port; `request` sends one request, with the session cookie if given. */
async function serve(app: Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    async request(method: string, path: string, cookie?: string) {
      const response = await fetch(base + path, { method, headers: cookie === undefined ? {} : { cookie } });
      const json = response.headers.get('content-type')?.startsWith('application/json') ?? false;
      // Express's own final handler answers errors in HTML.
      const body = (json ? await response.json() : { text: await response.text() }) as Record<string, unknown>;
      const setCookie = response.headers.getSetCookie()[0];
      return { status: response.status, body, cookie: setCookie?.split(';')[0], setCookie };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

describe('express-session with the redis-kit store (express 5, real HTTP)', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let store: SessionStore;
  let http: Awaited<ReturnType<typeof serve>>;
  const invalid: SessionDecodeError[] = [];

  before(async () => {
    server = await startRedis();
    redis = kitFor(server, { keyPrefix: 'svc:' });
    store = createSessionStore(redis);
    const app = sessionApp(store, { onInvalidSession: (error) => invalid.push(error) });
    app.use(sessionUnavailableHandler());
    http = await serve(app);
  });
  after(async () => {
    await http.close();
    await redis.close();
    await server.stop();
  });
  beforeEach(() => {
    invalid.length = 0;
  });

  it('login, then the cookie carries the user; the Redis TTL is the cookie maxAge', async () => {
    const anonymous = await http.request('GET', '/me');
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.setCookie, undefined, 'saveUninitialized: false, nothing stored');

    const login = await http.request('POST', '/login?name=grace');
    assert.equal(login.status, 200);
    assert.ok(login.cookie?.startsWith('connect.sid='));
    const sid = String(login.body.sid);
    const ttl = Number(await server.command('TTL', `svc:sess:${sid}`));
    assert.ok(ttl > MAX_AGE / 1000 - 5 && ttl <= MAX_AGE / 1000, `TTL ${ttl} s from cookie maxAge ${MAX_AGE} ms`);

    const me = await http.request('GET', '/me', login.cookie);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { name: 'grace' });
  });

  it('rolling: a request with the cookie touches the session, extending its TTL', async () => {
    const login = await http.request('POST', '/login');
    const key = `svc:sess:${String(login.body.sid)}`;
    await server.command('PEXPIRE', key, '3000');
    const me = await http.request('GET', '/me', login.cookie);
    assert.equal(me.status, 200);
    assert.ok(me.setCookie?.includes('Expires='), 'rolling cookie re-sent');
    const pttl = Number(await server.command('PTTL', key));
    assert.ok(pttl > MAX_AGE - 5000, `PTTL back to ${pttl} ms`);
  });

  it('logout destroys the session; the old cookie no longer works', async () => {
    const login = await http.request('POST', '/login');
    const key = `svc:sess:${String(login.body.sid)}`;
    assert.equal((await http.request('POST', '/logout', login.cookie)).status, 200);
    assert.equal(await server.command('EXISTS', key), '0');
    assert.equal((await http.request('GET', '/me', login.cookie)).status, 401);
  });

  it('login again regenerates the id (no fixation): the old session is gone', async () => {
    const first = await http.request('POST', '/login?name=one');
    const second = await http.request('POST', '/login?name=two', first.cookie);
    assert.notEqual(second.body.sid, first.body.sid);
    assert.equal(await server.command('EXISTS', `svc:sess:${String(first.body.sid)}`), '0');
    assert.deepEqual((await http.request('GET', '/me', second.cookie)).body, { name: 'two' });
  });

  it('a corrupt session is reported and treated as absent: a fresh session, not a 500 on every request', async () => {
    for (const blob of ['[1,2]', '"text"', '{"user":{"name":"x"}}', '{not json']) {
      const login = await http.request('POST', '/login');
      await server.command('SET', `svc:sess:${String(login.body.sid)}`, blob);
      const me = await http.request('GET', '/me', login.cookie);
      assert.equal(me.status, 401, blob);
    }
    assert.equal(invalid.length, 4);
    assert.ok(invalid.every((error) => error instanceof SessionDecodeError));
    assert.match(invalid[2]?.message ?? '', /no cookie object/);
  });

  it('all / length / clear through the express-session interface', async () => {
    await server.command('FLUSHALL');
    const adapter = expressSessionStore(session, store);
    const a = await http.request('POST', '/login?name=a');
    await http.request('POST', '/login?name=b');
    const length = await new Promise<number | undefined>((resolve, reject) => adapter.length((e, n) => (e ? reject(e) : resolve(n))));
    assert.equal(length, 2);
    const all = await new Promise<Record<string, { user?: unknown }>>((resolve, reject) =>
      adapter.all((e, v) => (e ? reject(e) : resolve(v as Record<string, { user?: unknown }>))),
    );
    assert.equal(Object.getPrototypeOf(all), null, 'ids are keys of a null-prototype object');
    assert.deepEqual(all[String(a.body.sid)]?.user, { name: 'a' });
    await new Promise<void>((resolve, reject) => adapter.clear((e) => (e ? reject(e) : resolve())));
    assert.equal(await server.command('DBSIZE'), '0');
    assert.ok(adapter instanceof session.Store, 'a real express-session Store subclass');
  });
});

describe('express app when Redis goes down', () => {
  let server: RedisServer;
  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    await server.stop();
  });

  it('server killed: session routes answer 503, the app keeps serving; server back: works again', async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 2 });
    const store = createSessionStore(redis);
    // Three ways an app maps the error: the helper middleware, its own handler with sessionErrorStatus, Express's default.
    const withHelper = sessionApp(store);
    withHelper.use(sessionUnavailableHandler());
    const withOwnHandler = sessionApp(store);
    withOwnHandler.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(sessionErrorStatus(error) ?? 500).json({ error: error instanceof Error ? error.name : 'error' });
    });
    const withDefault = sessionApp(store);
    const apps = await Promise.all([serve(withHelper), serve(withOwnHandler), serve(withDefault)]);
    try {
      const [helper, own, plain] = apps as [(typeof apps)[0], (typeof apps)[0], (typeof apps)[0]];
      const login = await helper.request('POST', '/login');
      assert.equal(login.status, 200);

      const unavailable = once(redis, 'unavailable');
      await server.kill();
      await unavailable;

      const me = await helper.request('GET', '/me', login.cookie);
      assert.equal(me.status, 503);
      assert.equal(me.body.error, 'Service Unavailable');
      assert.equal((await helper.request('POST', '/login')).status, 503, 'login cannot pretend to succeed');
      assert.equal((await helper.request('POST', '/logout', login.cookie)).status, 503);
      const mapped = await own.request('GET', '/me', login.cookie);
      assert.deepEqual([mapped.status, mapped.body.error], [503, 'SessionUnavailableError']);
      assert.equal((await plain.request('GET', '/me', login.cookie)).status, 503, "Express's final handler reads statusCode");
      assert.equal((await helper.request('GET', '/me')).status, 401, 'requests that need no store still work');

      const ready = once(redis, 'ready');
      await server.restart();
      await ready;
      // The restarted server starts empty (no persistence in tests): the old session is gone, a new login works.
      assert.equal((await helper.request('GET', '/me', login.cookie)).status, 401);
      const again = await helper.request('POST', '/login?name=back');
      assert.equal(again.status, 200);
      assert.deepEqual((await helper.request('GET', '/me', again.cookie)).body, { name: 'back' });
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it('server paused: a session read that times out is a 503 too', async () => {
    await using redis = kitFor(server, { commandTimeoutMs: 300 });
    const app = sessionApp(createSessionStore(redis));
    app.use(sessionUnavailableHandler());
    const http = await serve(app);
    try {
      const login = await http.request('POST', '/login');
      await server.pause();
      try {
        assert.equal((await http.request('GET', '/me', login.cookie)).status, 503);
      } finally {
        await server.resume();
      }
      assert.equal((await http.request('GET', '/me', login.cookie)).status, 200);
    } finally {
      await http.close();
    }
  });

  it("fallback: 'memory' keeps sessions working while the server is down, then goes back to Redis", async () => {
    await using redis = kitFor(server, { breakerFailureThreshold: 2 });
    const fallbacks: Error[] = [];
    const store = createSessionStore(redis, { fallback: 'memory', recoverAfterMs: 100, onFallback: (error) => fallbacks.push(error) });
    const http = await serve(sessionApp(store));
    try {
      const before = await http.request('POST', '/login?name=before');
      assert.equal(await server.command('EXISTS', `sess:${String(before.body.sid)}`), '1', 'in Redis while it is up');

      const fallback = once(store, 'fallback');
      await server.kill();
      await fallback;
      assert.equal(store.usingFallback, true);
      const during = await http.request('POST', '/login?name=during');
      assert.equal(during.status, 200);
      assert.deepEqual((await http.request('GET', '/me', during.cookie)).body, { name: 'during' });
      const other = await http.request('POST', '/login?name=other');
      assert.equal((await http.request('POST', '/logout', other.cookie)).status, 200);
      assert.equal((await http.request('GET', '/me', other.cookie)).status, 401, 'logout works on memory too');
      assert.equal(fallbacks.length, 1, 'told once per outage');

      const recovered = once(store, 'recovered');
      await server.restart();
      await recovered;
      assert.equal(store.usingFallback, false);
      // Documented: sessions made during the outage stay in memory and are not carried over.
      assert.equal((await http.request('GET', '/me', during.cookie)).status, 401);
      const after = await http.request('POST', '/login?name=after');
      assert.equal(await server.command('EXISTS', `sess:${String(after.body.sid)}`), '1', 'back in Redis');
    } finally {
      await http.close();
    }
  });
});
