import { InvalidArgumentError } from '../../errors.js';
import type { RecordBackend } from './record-backend.js';

/**
 * Where a `list()` page ended: the SCAN cursor of the step it was in, and
 * (when the page ended inside that step) the last key it took. Written as
 * `<scan cursor>` or `<scan cursor>:<encoded id>`; encoded ids hold no `:`.
 * On a Cluster the scan cursor is a token naming the node as well
 * (`<slot>.<node>.<cursor>`, see scanClusterPage), which holds no `:` either.
 */
interface Position {
  scan: string;
  after: string | undefined;
}

const CURSOR = /^(\d+|\d+\.[A-Za-z0-9_-]+\.\d+)(?::([^:]+))?$/;

export function parseCursor(cursor: string | undefined): Position {
  if (cursor === undefined) return { scan: '0', after: undefined };
  const match = typeof cursor === 'string' ? CURSOR.exec(cursor) : null;
  if (match === null) throw new InvalidArgumentError('list(): not a cursor this repository returned');
  return { scan: match[1] as string, after: match[2] };
}

/**
 * Up to `limit` record keys from `position`, and where the next page starts
 * (undefined: the namespace is done). SCAN steps are taken until the page is
 * full; a step's keys are sorted so a page can end inside a step and the
 * next one resume after the last key taken, by re-reading that step. So
 * every record that exists for the whole walk is listed, and while the
 * keyspace does not change, exactly once (SCAN itself may repeat a key when
 * the server rehashes mid-walk).
 */
export async function keysPage(
  backend: Pick<RecordBackend, 'scan'>,
  prefix: string,
  position: Position,
  limit: number,
  /** Whether a key is one of the repository's records (not another writer's key under the same prefix). */
  isRecord: (key: string) => boolean,
): Promise<{ keys: string[]; next: string | undefined }> {
  const keys: string[] = [];
  let { scan, after } = position;
  const count = Math.max(100, limit);
  for (;;) {
    const step = await backend.scan(prefix, scan, count);
    // Another node's scan from its start (a failover): the last key taken says nothing about where it is.
    if (step.restarted === true) after = undefined;
    const fresh = [...new Set(step.keys)]
      .sort()
      .filter((key) => isRecord(key) && (after === undefined || key.slice(prefix.length) > after));
    const room = limit - keys.length;
    if (fresh.length > room) {
      keys.push(...fresh.slice(0, room));
      const last = keys[keys.length - 1] as string;
      // Resumed by reading this step again, so the cursor must name the step as read (on a Cluster: its node).
      return { keys, next: `${step.step ?? scan}:${last.slice(prefix.length)}` };
    }
    keys.push(...fresh);
    after = undefined;
    if (step.cursor === '0') return { keys, next: undefined };
    scan = step.cursor;
    if (keys.length === limit) return { keys, next: scan };
  }
}
