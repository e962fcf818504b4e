import { ClusterTopologyError, RedisKitError, ReplyError } from '../errors.js';
import type { ClusterClients } from './cluster-clients.js';
import { keySlot, SLOT_COUNT } from './cluster-slot.js';

export interface ClusterScanOptions {
  /** SCAN's pattern, prefix included and escaped. */
  pattern: string;
  count: number;
  /** Bound of each SCAN call. */
  commandTimeoutMs: number;
  /** How long the scan may wait for the slot map to cover every slot again (a failover). */
  topologyTimeoutMs: number;
}

/** Pause between attempts while a node is unreachable and the slot map has not changed yet. */
const RETRY_PAUSE_MS = 250;

/**
 * SCANs every primary of a cluster and yields each matching key once (full
 * names, prefix included), following a topology change during the scan.
 *
 * Progress is kept per slot, not per node: a primary's slots count as done
 * only once its SCAN finished and it still served them afterwards. A node that
 * fails mid-scan (killed, failed over) leaves its slots undone; once the slot
 * map names their new owner, that one is scanned from the start. Keys are only
 * yielded for undone slots, and the keys yielded from a node whose scan did
 * not finish are remembered until their slots are done, so a rescan does not
 * repeat them: memory is bounded by the keys of one node, not of the cluster.
 */
export async function* scanCluster(clients: ClusterClients, options: ClusterScanOptions): AsyncGenerator<string> {
  const done = new Uint8Array(SLOT_COUNT);
  let remaining = SLOT_COUNT;
  /** Keys yielded whose slots are not done yet (from an unfinished node scan). */
  const pending = new Set<string>();
  let stalledSince: number | undefined;
  let lastError: RedisKitError | undefined;

  while (remaining > 0) {
    const primary = clients.primaries().find((candidate) => candidate.slots.some((slot) => done[slot] === 0));
    if (primary === undefined) {
      // Slots nobody serves now (a primary failed, no replica promoted yet).
      stalledSince ??= performance.now();
      if (performance.now() - stalledSince > options.topologyTimeoutMs) {
        throw new ClusterTopologyError(
          `SCAN could not reach every slot: ${remaining} of ${SLOT_COUNT} slots have no reachable primary after ${options.topologyTimeoutMs} ms`,
          { cause: lastError },
        );
      }
      await clients.refresh();
      await pause(RETRY_PAUSE_MS);
      continue;
    }
    const owned = primary.slots.filter((slot) => done[slot] === 0);
    let cursor = '0';
    try {
      do {
        const reply = (await clients.sendTo(
          primary.address,
          'scan',
          [cursor, 'MATCH', options.pattern, 'COUNT', options.count],
          options.commandTimeoutMs,
        )) as [string, string[]];
        cursor = reply[0];
        for (const key of reply[1]) {
          if (done[keySlot(key)] === 1 || pending.has(key)) continue;
          pending.add(key);
          yield key;
        }
      } while (cursor !== '0');
    } catch (error) {
      if (!(error instanceof RedisKitError) || error instanceof ReplyError) throw error;
      // Unreachable or lost mid-scan: its slots stay undone until the map names an owner that answers.
      lastError = error;
      stalledSince ??= performance.now();
      if (performance.now() - stalledSince > options.topologyTimeoutMs) {
        throw new ClusterTopologyError(`SCAN of ${primary.address} kept failing for ${options.topologyTimeoutMs} ms`, { cause: error });
      }
      await clients.refresh();
      await pause(RETRY_PAUSE_MS);
      continue;
    }
    // Only what it still serves is done: slots it lost meanwhile are scanned again at their new owner.
    const before = remaining;
    for (const slot of owned) {
      if (clients.ownerOf(slot) !== primary.address || done[slot] === 1) continue;
      done[slot] = 1;
      remaining--;
    }
    // A map that keeps moving slots away from whoever was just scanned is bounded like an unreachable node.
    if (remaining < before) stalledSince = undefined;
    else stalledSince ??= performance.now();
    for (const key of pending) if (done[keySlot(key)] === 1) pending.delete(key);
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
