import { parseInfo, type ServerFacts, serverFacts } from '../info-parser.js';
import { type CheckBase, type HealthTarget, runCheck } from './check.js';

/** Facts from INFO; warn when a health warning concerns them. */
export interface ServerInfoCheck extends CheckBase {
  facts?: ServerFacts;
}

export function checkServerInfo(client: HealthTarget, timeoutMs: number): Promise<ServerInfoCheck> {
  return runCheck<ServerInfoCheck>(
    timeoutMs,
    async (budget) => {
      const reply = await client.sendCommand('info', [], { timeoutMs: budget.remainingMs });
      const text = Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
      return { durationMs: budget.elapsedMs, status: 'pass', facts: serverFacts(parseInfo(text)) };
    },
    (failure) => failure,
  );
}
