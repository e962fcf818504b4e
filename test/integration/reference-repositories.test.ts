import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createRedis, type RedisKit } from '../../src/index.js';
import { messageSchema } from '../../src/server/repositories/conversations.js';
import { createApp } from '../../src/server/create-app.js';
import { EventReader } from '../helpers/event-reader.js';
import { type RedisServer, startRedis, waitFor } from '../helpers/index.js';
import { kitFor } from '../helpers/kit.js';

/**
 * The reference service's repository routes: users (a record repository with
 * a unique email, `PATCH` through `update`), sessions and conversations (a
 * message log, with an SSE follow), through the plugin's required and
 * optional variants, and the users' inbox long poll through its managed
 * helper, `request.lease()`.
 */

const SECRET = 'a test secret of at least 32 characters';
/** A well-formed user id that no user has. */
const NO_USER = '01ARZ3NDEKTSV4RRFFQ69G5FAV';

function baseUrl(app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function startApp(redis: RedisKit): Promise<FastifyInstance> {
  const { app } = await createApp({ redis, sessionSecret: SECRET, productLoadDelayMs: 1 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app;
}

describe('reference service repositories against a real Redis', () => {
  let server: RedisServer;
  let redis: RedisKit;
  let app: FastifyInstance;

  before(async () => {
    server = await startRedis();
    redis = kitFor(server);
    await redis.connect();
    app = await startApp(redis);
  });

  after(async () => {
    await app?.close();
    await redis?.close({ deadlineMs: 2000 });
    await server?.stop();
  });

  it('users: create, read, find by email; a second user with the same email (any case) is refused', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Ada', email: ' Ada@Example.org ' } });
    assert.equal(created.statusCode, 201);
    const user = created.json();
    assert.match(user.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.equal(user.email, 'ada@example.org', 'the schema normalises the address');

    const read = await app.inject(`/api/users/${user.id}`);
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), user);
    assert.equal((await app.inject('/api/users/by-email/ADA@example.org')).json().id, user.id);

    const duplicate = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Other', email: 'ada@EXAMPLE.org' } });
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json().error.code, 'ERR_REDIS_UNIQUE_VIOLATION');
    assert.equal((await app.inject('/api/users/01ARZ3NDEKTSV4RRFFQ69G5FAV')).statusCode, 404);
  });

  it('users: a body the schema refuses is a 400 naming the fields, and nothing is written', async () => {
    const before = await server.command('DBSIZE');
    const refused = await app.inject({ method: 'POST', url: '/api/users', payload: { name: '', email: 'not an address', admin: true } });
    assert.equal(refused.statusCode, 400);
    const body = refused.json();
    assert.equal(body.error.code, 'ERR_REDIS_VALIDATION');
    assert.ok(body.error.issues.length >= 1, JSON.stringify(body));
    assert.equal(await server.command('DBSIZE'), before);
  });

  it('users: concurrent PATCHes all apply through update, and a patch to a taken email is refused', async () => {
    const a = (await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Grace', email: 'grace@example.org' } })).json();
    await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Linus', email: 'linus@example.org' } });
    const patches = await Promise.all(
      Array.from({ length: 20 }, (_, i) => app.inject({ method: 'PATCH', url: `/api/users/${a.id}`, payload: { name: `Grace ${i}` } })),
    );
    assert.deepEqual(
      patches.map((p) => p.statusCode),
      patches.map(() => 200),
    );
    const final = (await app.inject(`/api/users/${a.id}`)).json();
    assert.ok(
      patches.some((p) => p.json().name === final.name),
      'the stored name is one that a PATCH reported',
    );
    assert.equal(final.email, 'grace@example.org', 'a name patch keeps the email');

    const taken = await app.inject({ method: 'PATCH', url: `/api/users/${a.id}`, payload: { email: 'LINUS@example.org' } });
    assert.equal(taken.statusCode, 409);
    assert.equal((await app.inject(`/api/users/${a.id}`)).json().email, 'grace@example.org');
    const moved = await app.inject({ method: 'PATCH', url: `/api/users/${a.id}`, payload: { email: 'grace@example.com' } });
    assert.equal(moved.json().email, 'grace@example.com');
    assert.equal((await app.inject('/api/users/by-email/grace@example.org')).statusCode, 404, 'the old address is free again');
    assert.equal(
      (await app.inject({ method: 'PATCH', url: '/api/users/01ARZ3NDEKTSV4RRFFQ69G5FAV', payload: { name: 'x' } })).statusCode,
      404,
    );
  });

  it('conversations: messages are appended and paged with ?after=', async () => {
    const ids: string[] = [];
    for (const text of ['one', 'two', 'three']) {
      const posted = await app.inject({ method: 'POST', url: '/api/conversations/c-page/messages', payload: { author: 'ada', text } });
      assert.equal(posted.statusCode, 201);
      ids.push(posted.json().id);
    }
    const all = (await app.inject('/api/conversations/c-page/messages')).json();
    assert.equal(all.degraded, false);
    assert.deepEqual(
      all.messages.map((m: { text: string }) => m.text),
      ['one', 'two', 'three'],
    );
    const rest = (await app.inject(`/api/conversations/c-page/messages?after=${ids[0]}&limit=1`)).json();
    assert.deepEqual(
      rest.messages.map((m: { id: string; text: string }) => [m.id, m.text]),
      [[ids[1], 'two']],
    );
    assert.equal(
      (await app.inject({ method: 'POST', url: '/api/conversations/c-page/messages', payload: { text: 'no author' } })).statusCode,
      400,
    );
    assert.equal((await app.inject('/api/conversations/c-page/messages?after=yesterday')).statusCode, 400);
  });

  it('conversations: the event stream delivers what the route and another client append, resumes from Last-Event-ID, and gives its lease back', async () => {
    const url = `${baseUrl(app)}/api/conversations/c-live/events`;
    const events = await EventReader.open(url);
    await events.next((e) => e.event === 'following', 'the following event');
    assert.equal(redis.stats().pool.active, 1, 'the stream holds one lease');

    await app.inject({ method: 'POST', url: '/api/conversations/c-live/messages', payload: { author: 'ada', text: 'via the route' } });
    // Another process writing to the same log: a worker, say.
    const other = kitFor(server);
    const otherLog = other.log({ namespace: 'conversations', schema: messageSchema });
    await otherLog.append('c-live', { author: 'worker', text: 'from elsewhere' });
    const second = await events.next((e) => (e.data as { text?: string }).text === 'from elsewhere', 'the other client’s message');
    const first = events.events.find((e) => (e.data as { text?: string }).text === 'via the route');
    assert.ok(first?.id !== undefined && second.id !== undefined);

    events.close();
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the lease to be released with the stream' });

    await otherLog.append('c-live', { author: 'worker', text: 'while away' });
    const resumed = await EventReader.open(url, { 'last-event-id': second.id });
    try {
      const missed = await resumed.next((e) => e.event === 'message', 'the message appended while disconnected');
      assert.equal((missed.data as { text: string }).text, 'while away');
    } finally {
      resumed.close();
      await other.close();
    }
  });

  it('sessions count is served through the optional variant', async () => {
    const count = (await app.inject('/api/v1/sessions/count')).json();
    assert.equal(count.degraded, false);
    assert.equal(typeof count.active, 'number');
  });

  it('users names (the optional variant): each id’s name, null for no user', async () => {
    const ada = (await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Ada L', email: 'names-a@example.org' } })).json();
    const bob = (await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Bob', email: 'names-b@example.org' } })).json();
    const names = await app.inject(`/api/users/names?ids=${ada.id},${NO_USER},${bob.id}`);
    assert.equal(names.statusCode, 200);
    assert.deepEqual(names.json(), { names: { [ada.id]: 'Ada L', [NO_USER]: null, [bob.id]: 'Bob' }, degraded: false });
    assert.equal(names.headers['x-degraded'], undefined);
    for (const ids of ['', 'not-an-id', Array.from({ length: 101 }, () => NO_USER).join(',')]) {
      assert.equal((await app.inject(`/api/users/names?ids=${ids}`)).statusCode, 400, `ids=${ids.slice(0, 20)}`);
    }
  });

  it('sessions: logout everywhere (the required variant) ends every session of the user and only theirs', async () => {
    const login = async (username: string): Promise<string> => {
      const reply = await app.inject({ method: 'POST', url: '/api/v1/login', payload: { username } });
      const cookie = reply.cookies.find((c) => c.name === 'sessionId')?.value;
      assert.ok(cookie !== undefined, 'a session cookie');
      return cookie;
    };
    const me = async (cookie: string): Promise<unknown> =>
      (await app.inject({ url: '/api/v1/me', cookies: { sessionId: cookie } })).json().user;
    const [laptop, phone, other] = [await login('ada'), await login('ada'), await login('bob')];
    assert.equal(await me(phone), 'ada');
    const everywhere = await app.inject({ method: 'POST', url: '/api/v1/logout/everywhere', cookies: { sessionId: laptop } });
    assert.equal(everywhere.statusCode, 200);
    assert.deepEqual(everywhere.json(), { user: null, revoked: 2 });
    assert.equal(await me(laptop), null);
    assert.equal(await me(phone), null, 'the other device is signed out too');
    assert.equal(await me(other), 'bob', 'another user keeps their session');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/logout/everywhere' })).statusCode, 401);
  });

  it('inbox (the managed helper): a long poll waits on a lease, is answered by a push, 204 when nothing comes, and an abandoned poll gives its connection back and takes nothing', async () => {
    const user = (await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Poll', email: 'poll@example.org' } })).json();
    const inbox = `/api/users/${user.id}/inbox`;
    const poll = fetch(`${baseUrl(app)}${inbox}/next?waitMs=10000`);
    await waitFor(() => redis.stats().pool.active === 1, { what: 'the poll to hold a lease' });
    const pushed = await app.inject({ method: 'POST', url: inbox, payload: { text: 'hello' } });
    assert.equal(pushed.statusCode, 201);
    assert.deepEqual(pushed.json(), { queued: 1 });
    const answered = await poll;
    assert.equal(answered.status, 200);
    assert.deepEqual(await answered.json(), { notice: 'hello' });
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the lease to be given back' });
    assert.equal((await app.inject(`${inbox}/next?waitMs=100`)).statusCode, 204, 'nothing left: each notice goes to one poll');

    const abandoned = new AbortController();
    const gone = fetch(`${baseUrl(app)}${inbox}/next?waitMs=10000`, { signal: abandoned.signal }).catch((error: unknown) => error);
    await waitFor(() => redis.stats().pool.active === 1, { what: 'the abandoned poll to hold a lease' });
    abandoned.abort();
    assert.ok((await gone) instanceof Error);
    await waitFor(() => redis.stats().pool.active === 0, { what: 'the aborted lease to be given back' });
    // Its BLPOP is gone from the server too (the connection was dropped), so it cannot take the next notice.
    await waitFor(async () => !(await server.command('CLIENT', 'LIST')).includes('cmd=blpop'), { what: 'the BLPOP to end' });
    await app.inject({ method: 'POST', url: inbox, payload: { text: 'kept' } });
    assert.deepEqual((await app.inject(`${inbox}/next?waitMs=100`)).json(), { notice: 'kept' });

    assert.equal((await app.inject(`/api/users/${NO_USER}/inbox/next?waitMs=100`)).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: `/api/users/${NO_USER}/inbox`, payload: { text: 'x' } })).statusCode, 404);
    for (const waitMs of ['0', '55001', '1.5', 'soon']) {
      assert.equal((await app.inject(`${inbox}/next?waitMs=${waitMs}`)).statusCode, 400, `waitMs=${waitMs}`);
    }
  });
});

describe('reference service repositories while Redis is down', () => {
  it('required routes answer 503 with Retry-After; optional ones degrade', async () => {
    const server = await startRedis();
    const redis = kitFor(server, { breakerFailureThreshold: 1, breakerProbeIntervalMs: 500 });
    await redis.connect();
    const app = await startApp(redis);
    try {
      await server.kill();
      // Any command now fails to connect, and the breaker opens.
      await waitFor(
        async () => {
          await app.inject('/api/v1/sessions/count');
          return redis.isUnavailable;
        },
        { what: 'the breaker to open' },
      );
      const create = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Ada', email: 'ada@example.org' } });
      assert.equal(create.statusCode, 503);
      assert.equal(create.json().error.code, 'ERR_REDIS_UNAVAILABLE');
      assert.ok(Number(create.headers['retry-after']) >= 1);
      assert.equal((await app.inject('/api/users/01ARZ3NDEKTSV4RRFFQ69G5FAV')).statusCode, 503);
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/conversations/c/messages', payload: { author: 'a', text: 'b' } })).statusCode,
        503,
      );
      assert.equal((await app.inject('/api/conversations/c/events')).statusCode, 503);

      const messages = await app.inject('/api/conversations/c/messages');
      assert.equal(messages.statusCode, 200);
      assert.deepEqual(messages.json(), { messages: [], degraded: true });
      assert.equal(messages.headers['x-degraded'], 'redis-unavailable');
      assert.deepEqual((await app.inject('/api/v1/sessions/count')).json(), { active: null, degraded: true });

      // The users repository's optional variant: the names page renders, every name unknown.
      const names = await app.inject(`/api/users/names?ids=${NO_USER}`);
      assert.equal(names.statusCode, 200);
      assert.deepEqual(names.json(), { names: { [NO_USER]: null }, degraded: true });
      assert.equal(names.headers['x-degraded'], 'redis-unavailable');
      // The session repository's required variant: a revocation that cannot reach the store is never a 200.
      const everywhere = await app.inject({ method: 'POST', url: '/api/v1/logout/everywhere' });
      assert.equal(everywhere.statusCode, 503);
      assert.ok(Number(everywhere.headers['retry-after']) >= 1);
      assert.equal(everywhere.json().error.code, 'ERR_REDIS_UNAVAILABLE');
      assert.equal((await app.inject(`/api/users/${NO_USER}/inbox/next?waitMs=100`)).statusCode, 503);
    } finally {
      await app.close();
      await redis.close({ deadlineMs: 2000 });
      await server.stop();
    }
  });
});

describe('reference service repositories on memory:// (no Redis)', () => {
  it('users and conversations run in-process', async () => {
    const redis = createRedis({ env: {}, url: 'memory://' });
    const app = await startApp(redis);
    try {
      const user = (await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Ada', email: 'ada@example.org' } })).json();
      assert.equal((await app.inject(`/api/users/${user.id}`)).json().name, 'Ada');
      assert.equal(
        (await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'B', email: 'ADA@example.org' } })).statusCode,
        409,
      );
      const events = await EventReader.open(`${baseUrl(app)}/api/conversations/c-mem/events`);
      try {
        await events.next((e) => e.event === 'following', 'the following event');
        await app.inject({ method: 'POST', url: '/api/conversations/c-mem/messages', payload: { author: 'ada', text: 'hello' } });
        const message = await events.next((e) => e.event === 'message', 'the message');
        assert.equal((message.data as { text: string }).text, 'hello');
      } finally {
        events.close();
      }
      const page = (await app.inject('/api/conversations/c-mem/messages')).json();
      assert.deepEqual(
        page.messages.map((m: { text: string }) => m.text),
        ['hello'],
      );
      assert.equal(page.degraded, false);
      assert.deepEqual((await app.inject(`/api/users/names?ids=${user.id}`)).json(), { names: { [user.id]: 'Ada' }, degraded: false });
      // No connections to lend in memory://: the managed helper refuses, which the plugin answers 503.
      const poll = await app.inject(`/api/users/${user.id}/inbox/next?waitMs=100`);
      assert.equal(poll.statusCode, 503);
      assert.equal(poll.json().error.code, 'ERR_REDIS_UNAVAILABLE');
    } finally {
      await app.close();
      await redis.close();
    }
  });
});
