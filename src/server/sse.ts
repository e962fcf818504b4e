import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

/**
 * The open server-sent-event streams of one app. Fastify's `close()` waits for
 * every response to end, and an event stream never ends by itself, so the app
 * ends them all when it closes (see create-app's `preClose` hook).
 */
export class EventStreams {
  readonly #open = new Set<ServerResponse>();

  /** How many streams are open now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Takes the response over from Fastify (`hijack`: no serializer, no onSend)
   * and sends the event-stream headers. `onClose` runs once when the client
   * goes away or the app ends the stream.
   */
  open(reply: FastifyReply, onClose: () => void): SseStream {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // A proxy must not buffer the stream (nginx).
      'x-accel-buffering': 'no',
    });
    // The first bytes make browsers (and fetch) report the stream as open.
    raw.write(': open\n\n');
    this.#open.add(raw);
    raw.once('close', () => {
      this.#open.delete(raw);
      onClose();
    });
    return new SseStream(raw);
  }

  /** Ends every open stream (the clients see the stream close and may reconnect elsewhere). */
  endAll(): void {
    for (const raw of this.#open) raw.end();
  }
}

/** One open event stream. */
export class SseStream {
  readonly #raw: ServerResponse;

  constructor(raw: ServerResponse) {
    this.#raw = raw;
  }

  /** False once the client went away or the stream was ended. */
  get open(): boolean {
    return !this.#raw.writableEnded && !this.#raw.destroyed;
  }

  /**
   * Sends one event; `data` is JSON-encoded, so it never holds a bare newline.
   * `id` (no newlines) is what a reconnecting browser sends back as
   * `Last-Event-ID`.
   */
  send(event: string, data: unknown, id?: string): void {
    if (!this.open) return;
    const idLine = id === undefined ? '' : `id: ${id}\n`;
    this.#raw.write(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  end(): void {
    this.#raw.end();
  }
}
