import { createServer } from 'node:net';

/**
 * Finds a TCP port on `host` that is free right now (never 0, never Redis's default 6379), by
 * letting the kernel pick one for a throw-away listener and closing it again. Another process
 * may take it before the caller binds it: callers should be ready to try again.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port === 0 || port === 6379 ? freePort(host).then(resolve, reject) : resolve(port)));
    });
  });
}
