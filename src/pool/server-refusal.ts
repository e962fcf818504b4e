import net from 'node:net';
import tls from 'node:tls';
import type { TlsFiles } from '../config/tls-files.js';
import { type RedisKitError, ReplyError } from '../errors.js';

/** Where a bare socket goes to ask the server why it closed a new connection. */
export interface RefusalEndpoint {
  host: string;
  port: number;
  /** Set when the server speaks TLS. */
  tls?: TlsFiles | undefined;
}

const MAX_CLIENTS = /max number of clients reached/i;

/** True for Redis's refusal of a connection over `maxclients`. */
export function isMaxClientsReply(error: unknown): error is ReplyError {
  return error instanceof ReplyError && MAX_CLIENTS.test(error.message);
}

/**
 * Why the server closed a new connection during the handshake, when it said
 * so. Redis writes `-ERR max number of clients reached` to a connection over
 * `maxclients` and closes it before reading anything; the protocol engine
 * loses that reply in the race with the close (it surfaces as EPIPE or
 * "Connection is closed"). So the question is asked again on a bare socket:
 * it sends PING, and the first line back is either that refusal or an
 * ordinary reply (+PONG, -NOAUTH …) that says the server has room. Resolves
 * the refusal as a {@link ReplyError}, or undefined for anything else (another
 * reply, a close, a socket error, nothing within `timeoutMs`).
 */
export function readRefusal(endpoint: RefusalEndpoint, timeoutMs: number): Promise<RedisKitError | undefined> {
  return new Promise((resolve) => {
    const socket =
      endpoint.tls === undefined
        ? net.connect({ host: endpoint.host, port: endpoint.port })
        : tls.connect({ host: endpoint.host, port: endpoint.port, servername: endpoint.host, ...endpoint.tls });
    let buffered = '';
    const finish = (refusal: RedisKitError | undefined): void => {
      clearTimeout(timer);
      clearTimeout(ping);
      socket.removeAllListeners('data');
      // Errors after the answer (a reset as the server closes) are expected and say nothing more.
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(refusal);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const started = performance.now();
    let ping: NodeJS.Timeout | undefined;
    socket.once(endpoint.tls === undefined ? 'connect' : 'secureConnect', () => {
      // The refusal is written as soon as the server accepts, about one round
      // trip after the connect completes. PING only after that: a write that
      // meets the closed socket draws a reset, which may discard the refusal
      // before it is read.
      const roundTripMs = performance.now() - started;
      ping = setTimeout(() => socket.write('PING\r\n'), Math.max(20, 2 * roundTripMs));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\r\n');
      if (end === -1 && buffered.length < 512) return;
      const line = end === -1 ? buffered : buffered.slice(0, end);
      finish(line.startsWith('-') && MAX_CLIENTS.test(line) ? new ReplyError(line.slice(1), 'ERR', undefined) : undefined);
    });
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  });
}
