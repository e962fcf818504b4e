import type { FastifyInstance } from 'fastify';
import type { PubSub } from '../../pubsub/index.js';
import type { EventStreams } from '../sse.js';

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The channel a job's progress is published on. */
export function progressChannel(job: string): string {
  return `progress:${job}`;
}

/**
 * `GET /api/v1/progress/:job`: a server-sent-event stream of what is published
 * on `progress:<job>`, one `progress` event per message; `POST` `{ message }`
 * publishes one. The subscription lives exactly as long as the request: it is
 * made before the stream opens and closed when the client disconnects (or
 * the app closes the stream at shutdown).
 */
export function registerProgressRoutes(app: FastifyInstance, pubsub: PubSub, streams: EventStreams): void {
  app.get<{ Params: { job: string } }>('/api/v1/progress/:job', async (request, reply) => {
    const { job } = request.params;
    if (!JOB_ID.test(job)) return reply.code(400).send({ error: { code: 'BAD_JOB', message: 'job: 1 to 64 of A-Z a-z 0-9 _ -' } });
    // Subscribe first: a failure (Redis down) is still an ordinary HTTP error, not a broken stream.
    let stream: ReturnType<EventStreams['open']> | undefined;
    const subscription = await pubsub.subscribe(progressChannel(job), (message) => stream?.send('progress', message.message));
    // The client may have gone while we subscribed: then there is nothing to stream to.
    if (request.raw.destroyed) {
      await subscription.unsubscribe();
      return reply;
    }
    stream = streams.open(reply, () => {
      subscription
        .unsubscribe()
        .catch((error: unknown) => request.log.warn({ err: error }, 'unsubscribing a closed progress stream failed'));
    });
    stream.send('subscribed', { channel: progressChannel(job) });
    return reply;
  });

  app.post<{ Params: { job: string }; Body: { message?: unknown } }>('/api/v1/progress/:job', async (request, reply) => {
    const { job } = request.params;
    const message = request.body?.message;
    if (!JOB_ID.test(job) || typeof message !== 'string') {
      return reply.code(400).send({ error: { code: 'BAD_PROGRESS', message: 'job: [A-Za-z0-9_-]{1,64}; body { message: string }' } });
    }
    return { receivers: await pubsub.publish(progressChannel(job), message) };
  });
}
