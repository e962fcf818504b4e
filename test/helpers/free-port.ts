import net from 'node:net';

/**
 * Finds a TCP port on 127.0.0.1 that is free right now, by letting the kernel pick one for a
 * throw-away listener (port 0) and closing it again.
 *
 * The port is only *probably* still free when the caller binds it: another process may grab it
 * in between, so callers that spawn servers should retry with a new port on `EADDRINUSE`
 * (as `startRedis` does). Never hand port 0 to redis-server itself — for Redis it means
 * "no TCP listener at all".
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close((err) => {
        if (err) reject(err);
        else if (port === undefined) reject(new Error(`unexpected listener address: ${String(address)}`));
        else resolve(port);
      });
    });
  });
}
