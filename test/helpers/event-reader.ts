import assert from 'node:assert/strict';
import { get, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { withTimeout } from './wait-for.js';

/** One server-sent event. */
export interface ServerEvent {
  event: string;
  data: unknown;
  /** The event's `id:` line, when it had one. */
  id?: string;
}

/** A server-sent-event stream read over a real socket (inject would wait for an end that never comes). */
export class EventReader {
  readonly events: ServerEvent[] = [];
  readonly #waiters: { match: (e: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] = [];
  readonly #response: IncomingMessage;
  readonly ended: Promise<void>;

  private constructor(response: IncomingMessage) {
    this.#response = response;
    this.ended = new Promise((resolve) => response.once('close', () => resolve()));
    let buffer = '';
    response.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        this.#add(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    });
  }

  static open(url: string, headers: OutgoingHttpHeaders = {}): Promise<EventReader> {
    return new Promise((resolve, reject) => {
      get(url, { headers }, (response) => {
        assert.equal(response.statusCode, 200, `GET ${url}`);
        assert.match(String(response.headers['content-type']), /^text\/event-stream/);
        resolve(new EventReader(response));
      }).once('error', reject);
    });
  }

  next(match: (e: ServerEvent) => boolean, what: string): Promise<ServerEvent> {
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return withTimeout(new Promise<ServerEvent>((resolve) => this.#waiters.push({ match, resolve })), 10_000, what);
  }

  close(): void {
    this.#response.destroy();
  }

  #add(block: string): void {
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
      else if (line.startsWith('id: ')) id = line.slice(4);
    }
    if (data.length === 0) return; // a comment (": open")
    const parsed: ServerEvent = { event, data: JSON.parse(data.join('\n')), ...(id === undefined ? {} : { id }) };
    this.events.push(parsed);
    for (let i = this.#waiters.length - 1; i >= 0; i--) {
      const waiter = this.#waiters[i];
      if (waiter?.match(parsed)) {
        this.#waiters.splice(i, 1);
        waiter.resolve(parsed);
      }
    }
  }
}
