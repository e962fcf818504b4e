import { escapeGlob } from '../keys/key-encoding.js';

interface CommandTarget {
  sendCommand(name: string, args: unknown[]): Promise<unknown>;
}

/**
 * SCAN for the keys matching `match` under `prefix`: the prefix is added to
 * the (escaped) pattern and removed from what is yielded. SCAN, never KEYS,
 * so the server is not blocked.
 */
export async function* scanKeys(target: CommandTarget, prefix: string, match: string, count: number): AsyncGenerator<string> {
  const pattern = escapeGlob(prefix) + match;
  let cursor = '0';
  do {
    const [next, keys] = (await target.sendCommand('scan', [cursor, 'MATCH', pattern, 'COUNT', count])) as [string, string[]];
    cursor = next;
    for (const key of keys) yield prefix !== '' && key.startsWith(prefix) ? key.slice(prefix.length) : key;
  } while (cursor !== '0');
}
