import { ReplyError } from '../../errors.js';
import type { HandshakeSend } from './handshake.js';

/** The longest pause between two looks at a server still loading its dataset. */
const MAX_PAUSE_MS = 1000;
const MIN_PAUSE_MS = 50;

/**
 * Resolves once the server has loaded its dataset (RDB or AOF, after a
 * restart): until then it answers most commands with `LOADING`, which would
 * reach callers as errors of a connection reported ready. Asks
 * `INFO persistence` (allowed while loading) and waits `loading_eta_seconds`,
 * within bounds, between looks, as ioredis's ready check does. Bounded by the
 * connection's connect timeout: when it fires the connection is destroyed and
 * the next `send` rejects. A user whose ACL refuses INFO (a refusal, not a
 * lost connection) is taken as ready: the check is a courtesy, not a gate.
 */
export async function waitUntilLoaded(send: HandshakeSend): Promise<void> {
  for (;;) {
    let info: string;
    try {
      info = String(await send('INFO', ['persistence']));
    } catch (error) {
      if (error instanceof ReplyError) return;
      throw error;
    }
    if (!/^loading:1\r?$/m.test(info)) return;
    const eta = Number(/^loading_eta_seconds:(\d+)/m.exec(info)?.[1] ?? 0);
    await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_PAUSE_MS, Math.max(MIN_PAUSE_MS, eta * 1000))));
  }
}
