import type { BatchCommand } from '../engine/engine-seam.js';
import { CrossSlotError } from '../errors.js';
import { keySlot } from '../topology/cluster-slot.js';
import { commandKeys } from '../topology/command-keys.js';

export { commandKeys };

/** A lease's key on a cluster: what its transactions must share a slot with. */
export interface SlotPin {
  /** The key as given (without the prefix). */
  readonly key: string;
  readonly slot: number;
}

/** Decides whether the keys of a lease's batch can go to one cluster node (cluster mode only). */
export class SlotCheck {
  readonly #prefix: string;

  constructor(keyPrefix: string) {
    this.#prefix = keyPrefix;
  }

  /** The slot of `key` as the server will see it (with the key prefix). */
  slotOf(key: string): number {
    return keySlot(this.#prefix + key);
  }

  pin(key: string): SlotPin {
    return { key, slot: this.slotOf(key) };
  }

  /**
   * A CrossSlotError when the keys of `commands`, the keys WATCHed on the
   * connection and the lease's pinned key do not all hash to one slot; else
   * undefined. Checked before sending: Redis would refuse the transaction
   * only after MULTI was open, and ioredis with a generic message.
   */
  refusal(
    commands: readonly BatchCommand[],
    watched: readonly string[],
    pin: SlotPin | undefined,
    what: string,
  ): CrossSlotError | undefined {
    const keys = pin === undefined ? [...watched] : [pin.key, ...watched];
    for (const [method, ...args] of commands) keys.push(...commandKeys(method, args));
    const slots = new Set(keys.map((key) => this.slotOf(key)));
    return slots.size > 1 ? new CrossSlotError([...new Set(keys)], what) : undefined;
  }
}
