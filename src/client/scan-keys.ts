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
  let cursor = '0';
  do {
    const page = await scanPage(target, prefix, match, cursor, count);
    cursor = page.cursor;
    yield* page.keys;
  } while (cursor !== '0');
}

/**
 * One SCAN step of {@link scanKeys} from `cursor` (`'0'` starts), for callers
 * that page across calls: the keys of this step, prefix removed, and the
 * cursor to continue from (`'0'` when the iteration is complete).
 */
export async function scanPage(
  target: CommandTarget,
  prefix: string,
  match: string,
  cursor: string,
  count: number,
): Promise<{ cursor: string; keys: string[] }> {
  const pattern = escapeGlob(prefix) + match;
  const [next, keys] = (await target.sendCommand('scan', [cursor, 'MATCH', pattern, 'COUNT', count])) as [string, string[]];
  return { cursor: next, keys: keys.map((key) => (prefix !== '' && key.startsWith(prefix) ? key.slice(prefix.length) : key)) };
}
