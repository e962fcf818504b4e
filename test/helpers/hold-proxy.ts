import net from 'node:net';
import type { ProxyTarget } from './proxy-connection.js';

/**
 * A TCP proxy that can hold what the server sends and hand it over later in
 * one write, so the client parses several replies and push frames out of one
 * chunk: the way to put a push frame deterministically between a reply's
 * parsing and the resolution of its promise.
 */
export interface HoldProxy extends AsyncDisposable {
  readonly url: string;
  /** Server-to-client bytes held since {@link hold} (all connections). */
  readonly held: Buffer;
  /** From now on, keep what the server sends instead of forwarding it. */
  hold(): void;
  /** Forwards what was held, one write per connection, and forwards again from then on. */
  release(): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: Buffer[];
}

export async function startHoldProxy(target: ProxyTarget): Promise<HoldProxy> {
  const pairs = new Set<Pair>();
  let holding = false;
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: target.host, port: target.port });
    const pair: Pair = { client, upstream, held: [] };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      if (holding) pair.held.push(chunk);
      else client.write(chunk);
    });
    const drop = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('unexpected proxy address');
  const close = async (): Promise<void> => {
    for (const pair of pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `redis://127.0.0.1:${address.port}`,
    get held() {
      return Buffer.concat([...pairs].flatMap((pair) => pair.held));
    },
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const pair of pairs) {
        if (pair.held.length > 0) pair.client.write(Buffer.concat(pair.held));
        pair.held = [];
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
