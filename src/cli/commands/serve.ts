/** `redis-kit serve`: flag handling only; the service itself is in ../serve.ts. */

import { parseFlags, text, UsageError } from '../args.js';
import { USAGE } from '../usage.js';
import type { CommandContext } from './context.js';

/** A port as written by an operator: an integer 0 to 65535, or undefined when `raw` is unset. */
function parsePort(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const text = raw.trim();
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    const message = `${name} must be an integer from 0 to 65535; received ${JSON.stringify(raw)}`;
    throw new UsageError(message, 'serve', { showUsage: name !== 'PORT' });
  }
  return port;
}

export async function serveCommand(argv: string[], { env, io }: CommandContext): Promise<number> {
  const flags = parseFlags('serve', argv, { port: { type: 'string' }, host: { type: 'string' } });
  if (flags.help === true) {
    io.out(USAGE.serve);
    return 0;
  }
  const port = parsePort(text(flags, 'port'), '--port') ?? parsePort(env.PORT, 'PORT');
  const host = text(flags, 'host') ?? env.HOST;
  if (host?.trim() === '') throw new UsageError('--host must not be empty', 'serve');
  // Loaded only once the flags are good: the service pulls in Fastify and its plugins, and
  // `serve --help` or a bad PORT should answer without waiting for them.
  const { serve } = await import('../serve.js');
  return serve({ env, ...(port !== undefined && { port }), ...(host !== undefined && { host }) });
}
