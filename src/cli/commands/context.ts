import type { Writer } from '../writer.js';

/** What every command gets: the environment to read `REDIS_*` from and where to write. */
export interface CommandContext {
  readonly env: Record<string, string | undefined>;
  readonly io: Writer;
}
