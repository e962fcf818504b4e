import type { FastifyInstance } from 'fastify';
import type { Conversations } from '../repositories/conversations.js';
import { CONVERSATION_ID, messageSchema } from '../repositories/conversations.js';
import type { RepositoryDependency } from '../repositories/dependency.js';
import type { EventStreams } from '../sse.js';
import { badRequest, sendSchemaIssues } from './repository-errors.js';

/** A stream entry id as Redis gives it, `<ms>-<seq>`. */
const ENTRY_ID = /^\d{1,20}-\d{1,20}$/;
const DEFAULT_PAGE = 50;
const MAX_PAGE = 1000;

interface MessagesQuery {
  after?: string;
  limit?: string;
}

/**
 * A conversation's messages, in a message log:
 *
 * - `POST /api/conversations/:id/messages` `{ author, text }`: appends one
 *   (201 with its id). Required: 503 while Redis is down.
 * - `GET /api/conversations/:id/messages?after=&limit=`: the messages after an
 *   id, oldest first. Optional: while Redis is down it answers 200 with no
 *   messages and `degraded: true` (and `x-degraded`), so a page still renders.
 * - `GET /api/conversations/:id/events?after=`: a server-sent-event stream of
 *   new messages (`message` events whose `id` is the entry id, so a browser
 *   that reconnects resumes from `Last-Event-ID`). Required. It holds one
 *   leased connection while open, released when the client goes away.
 */
export function registerConversationRoutes(
  app: FastifyInstance,
  conversations: RepositoryDependency<Conversations>,
  streams: EventStreams,
): void {
  app.post<{ Params: { id: string }; Body: unknown }>('/api/conversations/:id/messages', async (request, reply) => {
    const { id } = request.params;
    if (!CONVERSATION_ID.test(id)) return reply.code(400).send(badRequest('id: 1 to 64 of A-Z a-z 0-9 _ -'));
    const message = messageSchema.strict().safeParse(request.body ?? {});
    if (!message.success) return sendSchemaIssues(reply, message.error.issues);
    const entryId = await conversations.required(request).append(id, message.data);
    return reply.code(201).send({ id: entryId });
  });

  app.get<{ Params: { id: string }; Querystring: MessagesQuery }>('/api/conversations/:id/messages', async (request, reply) => {
    const { id } = request.params;
    const { after, limit = String(DEFAULT_PAGE) } = request.query;
    const size = Number(limit);
    if (!CONVERSATION_ID.test(id)) return reply.code(400).send(badRequest('id: 1 to 64 of A-Z a-z 0-9 _ -'));
    if (after !== undefined && !ENTRY_ID.test(after)) return reply.code(400).send(badRequest('after: an entry id, <ms>-<seq>'));
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE) return reply.code(400).send(badRequest(`limit: 1 to ${MAX_PAGE}`));
    const log = conversations.optional(request);
    if (log === null) {
      reply.header('x-degraded', 'redis-unavailable');
      return { messages: [], degraded: true };
    }
    const entries = await log.range(id, after === undefined ? { limit: size } : { after, limit: size });
    return { messages: entries.map((entry) => ({ id: entry.id, timestamp: entry.timestamp, ...entry.value })), degraded: false };
  });

  app.get<{ Params: { id: string }; Querystring: { after?: string } }>('/api/conversations/:id/events', async (request, reply) => {
    const { id } = request.params;
    const lastEventId = request.headers['last-event-id'];
    const after = request.query.after ?? (typeof lastEventId === 'string' ? lastEventId : undefined);
    if (!CONVERSATION_ID.test(id)) return reply.code(400).send(badRequest('id: 1 to 64 of A-Z a-z 0-9 _ -'));
    if (after !== undefined && !ENTRY_ID.test(after)) return reply.code(400).send(badRequest('after: an entry id, <ms>-<seq>'));
    const controller = new AbortController();
    const follower = conversations
      .required(request)
      .follow(id, after === undefined ? { signal: controller.signal } : { after, signal: controller.signal });
    // Fix the starting point before the stream opens: a failure is still an ordinary HTTP error.
    try {
      await follower.ready;
    } catch (error) {
      await follower.close();
      throw error;
    }
    if (request.raw.destroyed) {
      await follower.close();
      return reply;
    }
    const stream = streams.open(reply, () => controller.abort());
    stream.send('following', { conversation: id, after: follower.lastId ?? null });
    void (async () => {
      try {
        for await (const entry of follower) stream.send('message', { timestamp: entry.timestamp, ...entry.value }, entry.id);
      } catch (error) {
        request.log.warn({ err: error }, 'following a conversation failed');
        stream.send('error', { code: error instanceof Error && 'code' in error ? String(error.code) : 'ERR_INTERNAL' });
      } finally {
        stream.end();
      }
    })();
    return reply;
  });
}
